"""Provides fieldtool's own widgets."""
