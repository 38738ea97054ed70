"""Provides fieldtool: the offline field tool for net-content inspections of prepackaged goods."""

__version__ = "0.1.0"
