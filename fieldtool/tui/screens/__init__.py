"""Provides the screens of the TUI, one module (and one .tcss file) each."""
