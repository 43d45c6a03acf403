"""Programs the reliability tests run in other processes: a second clerk's workstation, a busy writer."""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time


def set_session_loop(url: str, label: str, times: int, first_year: int) -> dict[str, object]:
    """`calendar set-session` again and again: one shared session, and a new year of its own each time."""
    from cnam_desk.cli import main

    codes: list[int] = []
    errors: list[str] = []
    for index in range(times):
        minute = index if label == "A" else 30 + index
        shared = ["calendar", "set-session", "2023-2024/S1/1", "--from", "2024-01-22", "--to", "2024-02-03",
                  "--deadline", f"2024-01-07 22:{minute:02d}"]
        own = ["calendar", "set-session", f"{first_year + index}-{first_year + index + 1}/S1/1",
               "--from", f"{first_year + index + 1}-01-22", "--to", f"{first_year + index + 1}-02-03", "--no-deadline"]
        for argv in (shared, own):
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                codes.append(main(["--db", url, *argv]))
            if err.getvalue():
                errors.append(err.getvalue())
    return {"codes": codes, "errors": errors}


def cli_each(url: str, items: list[str], template: list[str]) -> dict[str, object]:
    """One workstation running a command once per item ("{item}" in an argument), one after the other."""
    from cnam_desk.cli import main

    codes: list[int] = []
    errors: list[str] = []
    for item in items:
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            codes.append(main(["--db", url, *(part.replace("{item}", item) for part in template)]))
        errors.append(err.getvalue())
    return {"codes": codes, "errors": errors}


def hold_write_lock(url: str, seconds: float) -> None:
    """Keep a write transaction open: another workstation in the middle of a long import."""
    from sqlalchemy import text

    from cnam_desk.database import open_database

    db = open_database(url, clerk="autre.poste")
    with db.transaction() as s:
        s.execute(text("select count(*) from exam_session")).scalar_one()
        print("holding", flush=True)
        time.sleep(seconds)
    db.dispose()


if __name__ == "__main__":
    name, *arguments = sys.argv[1:]
    if name == "set-session-loop":
        url, label, times, first_year = arguments
        print(json.dumps(set_session_loop(url, label, int(times), int(first_year))))
    elif name == "cli-each":
        url, items, *template = arguments
        print(json.dumps(cli_each(url, items.split(","), template)))
    elif name == "hold-write-lock":
        hold_write_lock(arguments[0], float(arguments[1]))
    else:
        raise SystemExit(f"unknown worker {name}")
