"""Provides the ``plans`` and ``programme`` commands: list and show the rule sets and the inspection programmes."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fieldtool.cli.common import by_command, print_json
from fieldtool.cli.parser import OneLineParser

if TYPE_CHECKING:
    from fieldtool.core.programme import Programme

COMMANDS = ("plans", "programme")
"""The commands this module adds."""


def add_commands(subparsers: Any) -> None:
    """Add ``plans`` and ``programme`` to the main parser's sub-parsers."""
    _list_and_show(subparsers, "plans", "list or show rule sets", "list the rule sets", "print a rule set's tables")
    g_show = _list_and_show(subparsers, "programme", "list or show inspection programmes", "list the programmes",
                            "print a programme: cities, products, quotas")
    g_show.add_argument("--lang", choices=["en", "zh"], default="en")


def _list_and_show(sub: Any, command: str, help_text: str, list_help: str, show_help: str) -> argparse.ArgumentParser:
    """Add ``COMMAND list [--json]`` and ``COMMAND show ID [--json]``; returns the ``show`` parser."""
    group = sub.add_parser(command, help=help_text)
    actions = group.add_subparsers(dest=f"{command}_command", metavar="ACTION", parser_class=OneLineParser, required=True)
    listing = actions.add_parser("list", help=list_help)
    listing.add_argument("--json", action="store_true")
    show: argparse.ArgumentParser = actions.add_parser("show", help=show_help)
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    return show


def run(args: argparse.Namespace) -> int | None:
    """Run ``plans`` or ``programme``; None when `args` is another command's.

    Raises:
        FieldtoolError: an unknown id or a broken file (the caller prints it as one line).
    """
    return by_command(args, {"plans": _plans, "programme": _programme})


def _plans(args: argparse.Namespace) -> int:
    from fieldtool.cli.textout import format_rule_set, rule_set_as_dict
    from fieldtool.plans.rules import all_rule_sets, load_rule_set

    if args.plans_command == "list":
        rule_sets = all_rule_sets()
        if args.json:
            print_json([{"id": r.id, "name": r.name, "name_zh": r.name_zh, "jurisdiction": r.jurisdiction, "path": r.path} for r in rule_sets])
        else:
            width = max(len(r.id) for r in rule_sets)
            for r in rule_sets:
                print(f"{r.id:<{width}}  {r.jurisdiction:<5} {r.name}")
        return 0
    rules = load_rule_set(args.id)
    if args.json:
        print_json(rule_set_as_dict(rules))
    else:
        print(format_rule_set(rules))
    return 0


def _programme(args: argparse.Namespace) -> int:
    from fieldtool.cli.textout import format_programme, programme_as_dict
    from fieldtool.plans.programme import all_programmes, load_programme

    if args.programme_command == "list":
        programmes = all_programmes()
        if args.json:
            print_json([{"id": p.id, "name": p.name, "name_zh": p.name_zh, "rule_set": p.rule_set} for p in programmes])
        else:
            for p in programmes:
                print(f"{p.id}  {p.name}  ({p.rule_set})")
        return 0
    programme = load_programme(args.id)
    if args.json:
        print_json(programme_as_dict(programme))
    else:
        print(_notes_in_language(programme, args.lang, format_programme))
    return 0


ENGLISH_NOTES = "  （以下说明在方案文件中只有英文）"
"""The line `programme show --lang zh` puts under 说明 when the programme file has no Chinese notes."""


def _notes_in_language(programme: Programme, lang: str, render: Callable[..., str]) -> str:
    """A programme's listing with its notes in `lang`: the file's Chinese notes (``notes_zh``) when it has
    them, else the English ones under a line that says they are only in English.
    """
    if lang != "zh" or not programme.notes:
        return render(programme, lang=lang)
    notes_zh = str(getattr(programme, "notes_zh", "") or "").strip()
    if notes_zh:
        import dataclasses

        return render(dataclasses.replace(programme, notes=notes_zh), lang=lang)
    lines = render(programme, lang=lang).split("\n")
    if "说明：" in lines:
        lines.insert(lines.index("说明：") + 1, ENGLISH_NOTES)
    return "\n".join(lines)
