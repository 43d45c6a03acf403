"""`cnam-desk calendar`: the sessions, their deadlines and states; `calendar set-session`."""

from __future__ import annotations

import argparse

from cnam_desk.commands.common import (
    add_json_flag,
    open_db,
    parse_date,
    parse_local_datetime,
    print_json,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("calendar", help="les sessions d'examens, leurs dates limites et leur état")
    add_json_flag(parser)
    parser.set_defaults(handler=show)
    actions = parser.add_subparsers(dest="calendar_action", metavar="ACTION")
    setter = actions.add_parser("set-session", help="créer ou modifier une session")
    setter.add_argument("key", metavar="CLÉ", help="année/semestre/session, par exemple 2023-2024/S1/1")
    setter.add_argument("--from", dest="first_day", required=True, metavar="DATE", help="premier jour (AAAA-MM-JJ)")
    setter.add_argument("--to", dest="last_day", required=True, metavar="DATE", help="dernier jour (AAAA-MM-JJ)")
    deadline = setter.add_mutually_exclusive_group()
    deadline.add_argument("--deadline", metavar='"AAAA-MM-JJ HH:MM"', help="date limite des demandes, heure de Paris")
    deadline.add_argument("--no-deadline", action="store_true", help="date limite pas encore fixée")
    add_json_flag(setter)
    setter.set_defaults(handler=set_session)


def show(args: argparse.Namespace) -> int:
    from cnam_desk.schedule import exam_calendar  # deferred on purpose: the service and SQLAlchemy

    sessions = exam_calendar.list_sessions(open_db(args))
    if args.json:
        print_json([view.as_json() for view in sessions])
        return 0
    for view in sessions:
        print(
            f"{view.key:16} du {view.first_day:%d/%m/%Y} au {view.last_day:%d/%m/%Y}  "
            f"date limite : {view.deadline_text:40}  {view.state.label}"
        )
    return 0


def set_session(args: argparse.Namespace) -> int:
    from cnam_desk.schedule import exam_calendar  # deferred on purpose: the service and SQLAlchemy

    first_day = parse_date(args.first_day, "premier jour")
    last_day = parse_date(args.last_day, "dernier jour")
    deadline = None if args.no_deadline or not args.deadline else parse_local_datetime(args.deadline, "date limite")
    db = open_db(args)
    if not args.no_deadline and not args.deadline:
        # Without either option an existing deadline is kept.
        try:
            deadline = exam_calendar.get_session(db, args.key).deadline
        except exam_calendar.NotFound:
            deadline = None
    view = exam_calendar.set_session(db, args.key, first_day, last_day, deadline)
    if args.json:
        print_json(view.as_json())
    else:
        print(f"Session {view.key} enregistrée : du {view.first_day:%d/%m/%Y} au {view.last_day:%d/%m/%Y}, "
              f"date limite : {view.deadline_text}.")
    return 0
