"""Provides the command line: `main` (the `fieldtool` command) and one module per command group.

`main` holds the top-level parser and dispatches to the groups: `launch` (``tui``, ``demo``),
`check`, `plans` (``plans``, ``programme``), `report`, `export`, `sync` (``verify``, ``sync``,
``bundle``, ``hub``), `balance` and `locate`. `parser` holds the one argument parser and the options
every group uses; `common` what the commands share when they run (the database, the store under the
use-cases, one-line errors); `textout` writes evaluations, rule sets and programmes as text.
Nothing below the command line imports this package.
"""
