"""Provides the use-cases shared by the TUI and the command line, one module per family.

`inspection` (the `Services` over an open store: profile, register, inspections, weights, tare,
density, verdicts, sync), `check` (judge a list of net quantities without a database), `balance`
(record a balance's reading into an inspection, register an identified balance), `export`,
`lot_report` (gathers what the lot report prints), `summary` (gathers the programme summary) and
`demo`. This file imports nothing, so that `fieldtool check` loads only what `check` needs.
"""
