"""What every command shares: which database, JSON on stdout, dates from arguments.

Building the parser imports this module and every command module's top level, so both import
argparse-level things only: the services and their libraries (SQLAlchemy, openpyxl, reportlab,
icalendar, babel, alembic) are imported by the handler of the command being run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from typing import TYPE_CHECKING, Any

from cnam_desk import paths, settings
from cnam_desk.errors import RefusedInput

if TYPE_CHECKING:
    from cnam_desk.database import Database


def database_target(args: argparse.Namespace) -> str:
    if getattr(args, "demo", False):
        return str(paths.demo_database_path())
    return (
        args.db
        or os.environ.get("CNAM_DESK_DB")
        or settings.workstation().get("database")
        or str(paths.default_database_path())
    )


def open_db(args: argparse.Namespace) -> Database:
    """The command's database. A SQLite file is quick-checked first: a damaged one can still be read,
    but nothing is written to it, and every write points to the latest backup."""
    # deferred on purpose: SQLAlchemy, for commands that open a database
    from cnam_desk import backup, integrity

    # deferred on purpose: the services and their libraries
    from cnam_desk.database import open_database
    from cnam_desk.db.engine import database_url, parse_url  # deferred on purpose: SQLAlchemy

    target = database_target(args)
    parse_url(database_url(target))  # an unsupported kind of database is said before anything else
    path = backup.sqlite_path(target)
    problem = integrity.quick_check(path) if path is not None else None
    refusal = backup.damaged_message(path, problem) if path is not None and problem is not None else None
    database = open_database(target, write_refusal=refusal)
    warn(database.notices)
    return database


def warn(notices: list[str]) -> None:
    """What the opening of the database found and did, one warning line each on stderr."""
    for notice in notices:
        print(f"cnam-desk : attention : {notice}", file=sys.stderr)


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def parse_date(text: str, what: str = "date") -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise RefusedInput(f"{what.capitalize()} « {text} » invalide : attendu AAAA-MM-JJ, par exemple 2024-01-22.") from None


def parse_local_datetime(text: str, what: str = "date et heure") -> dt.datetime:
    """« 2024-01-07 23:59 », Paris time."""
    from cnam_desk.frenchdates import paris_instant  # deferred on purpose: babel

    try:
        local = dt.datetime.strptime(" ".join(text.split()), "%Y-%m-%d %H:%M")
    except ValueError:
        raise RefusedInput(
            f"{what.capitalize()} « {text} » invalide : attendu « AAAA-MM-JJ HH:MM », par exemple « 2024-01-07 23:59 »."
        ) from None
    return paris_instant(local.date(), local.time())


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="écrire le résultat en JSON sur la sortie standard")
