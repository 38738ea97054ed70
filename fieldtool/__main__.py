"""Provides `python -m fieldtool`."""

from fieldtool.cli.main import main

raise SystemExit(main())
