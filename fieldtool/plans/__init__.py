"""Provides the readers of `sampling_plans/`: rule sets and inspection programmes, strictly validated."""
