"""Provides the pure domain of fieldtool: quantities, rule sets, TNE, plans and verdicts.

This package uses the standard library only (no numpy, sqlite, textual or reportlab), so that
every decision of the legal rules is exact, easy to test and quick to import.
"""
