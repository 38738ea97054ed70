"""Provides the inspector's terminal UI (the only textual user): app, screens and widgets."""
