"""`cnam-desk student NUM`: the student's file (identity, exams, requests and letters, grades, attestations)."""

from __future__ import annotations

import argparse

from cnam_desk.commands.common import add_json_flag, open_db, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "student",
        help="le dossier d'un auditeur : identité, adresse, inscriptions, examens, demandes et courriers, "
        "notes, attestations",
    )
    parser.add_argument("number", metavar="NUMÉRO", help="le numéro d'auditeur")
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Deferred on purpose: the services load only when this command runs (start-up speed).
    from cnam_desk.student_file import student_file  # deferred
    from cnam_desk.summaries import file_lines  # deferred

    file = student_file(open_db(args), args.number)
    if args.json:
        print_json(file.as_json())
    else:
        print("\n".join(file_lines(file)))
    return 0
