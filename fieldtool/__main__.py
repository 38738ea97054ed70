"""Provides `python -m fieldtool`."""

from fieldtool.cli import main

raise SystemExit(main())
