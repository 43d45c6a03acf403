"""`cnam-desk dashboard --session KEY`: the session at a glance, as the Tableau de bord tab shows it."""

from __future__ import annotations

import argparse

from cnam_desk.commands.common import add_json_flag, open_db, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dashboard",
        help="le tableau de bord d'une session : demandes par statut et par jour, semaine de traitement, "
        "courriers à imprimer, saisie des notes par épreuve, taille de la session 2",
    )
    parser.add_argument("--session", required=True, metavar="CLÉ", help="la session, par exemple 2023-2024/S1/1")
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Deferred on purpose: the services load only when this command runs (start-up speed).
    from cnam_desk.dashboard import session_dashboard  # deferred
    from cnam_desk.summaries import dashboard_lines  # deferred

    board = session_dashboard(open_db(args), args.session)
    if args.json:
        print_json(board.as_json())
    else:
        print("\n".join(dashboard_lines(board)))
    return 0
