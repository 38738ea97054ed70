"""Provides the command line: `main` (the `fieldtool` command) and one module per command group.

`main` parses and dispatches; `parser` holds the one argument parser every group uses; `balance`
and `sync` are the ``balance`` and ``sync`` / ``hub`` / ``bundle`` / ``verify`` groups; `textout`
writes a lot's evaluation as text. Nothing below the command line imports this package.
"""
