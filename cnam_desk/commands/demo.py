"""`cnam-desk demo`: fill the database with a realistic demo year."""

from __future__ import annotations

import argparse

from cnam_desk.commands.common import add_json_flag, open_db, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="remplir la base avec une année de démonstration")
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from cnam_desk import demo  # deferred on purpose: every feature's services and their libraries

    added = demo.fill(open_db(args))
    if args.json:
        print_json(added)
    elif any(added.values()):
        print(
            f"Démonstration {demo.DEMO_YEAR} : {added['course_units']} UE, {added['students']} auditeurs, "
            f"{added['enrolments']} inscriptions, {added['exams']} examens ajoutés."
        )
    else:
        print(f"Démonstration {demo.DEMO_YEAR} déjà en place : rien à ajouter.")
    return 0
