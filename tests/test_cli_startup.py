"""Start-up: the parser is built from names and help texts alone; a command loads only what it uses.

Each probe runs in a fresh interpreter and looks at `sys.modules` afterwards: what is measured is
which libraries were loaded, never how long it took.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cnam_desk import cli
from cnam_desk.commands import letters as letters_command
from cnam_desk.commands import requests as requests_command
from tests.conftest import ROOT

HEAVY = ("sqlalchemy", "alembic", "reportlab", "openpyxl", "icalendar", "babel", "PySide6", "python_calamine")


def _loaded_after(code: str, *argv: str) -> dict[str, object]:
    """Run `code` in a new interpreter; the top-level packages it loaded, and what it returned."""
    probe = (
        "import contextlib, io, json, sys\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    result = {code}\n"
        "print(json.dumps({'result': result, 'modules': sorted({m.split('.')[0] for m in sys.modules}),"
        " 'out': out.getvalue()}))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe, *argv], check=False, capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_the_parser_and_its_help_load_no_library() -> None:
    probe = _loaded_after(
        "__import__('cnam_desk.cli').cli.build_parser().format_help()"
        " + __import__('cnam_desk.cli').cli.build_parser().parse_args(['calendar', '--json']).command"
    )
    assert probe["result"].endswith("calendar")
    assert "import-planning" in probe["result"] and "attendance-sheets" in probe["result"]
    assert set(HEAVY) & set(probe["modules"]) == set()


def test_help_of_each_command_loads_no_library() -> None:
    probe = _loaded_after(
        "[__import__('cnam_desk.cli').cli.build_parser()._subparsers._group_actions[0].choices[name].format_help()"
        " for name in ('letters', 'requests', 'decide', 'import-requests', 'import-planning', 'grades')]"
    )
    probe["result"] = "".join(probe["result"])
    assert "--order {name,decision,date}" in probe["result"]
    assert set(HEAVY) & set(probe["modules"]) == set()


def test_calendar_loads_neither_documents_nor_spreadsheets_nor_migrations(database_url: str) -> None:
    probe = _loaded_after("__import__('cnam_desk.cli').cli.main(['--db', sys.argv[1], 'calendar', '--json'])", database_url)
    assert probe["result"] == 0
    assert any(session["key"] == "2023-2024/S1/1" for session in json.loads(probe["out"]))
    loaded = set(probe["modules"])
    assert "sqlalchemy" in loaded  # the probe can see a library loaded
    assert {"alembic", "reportlab", "openpyxl", "icalendar", "PySide6", "python_calamine"} & loaded == set()


def test_calendar_on_a_known_clerks_database_leaves_the_mappers_unconfigured(database_url: str) -> None:
    """Setting up the ORM's mappers costs more than the command: its queries read the tables' columns."""
    calendar = "__import__('cnam_desk.cli').cli.main(['--db', sys.argv[1], 'calendar', '--json'])"
    configured = "any(m.configured for m in __import__('cnam_desk.db.models', fromlist=['Base']).Base.registry.mappers)"
    _loaded_after(calendar, database_url)  # the clerk's first opening registers them
    probe = _loaded_after(f"[{calendar}, {configured}]", database_url)
    assert probe["result"] == [0, False]
    assert any(session["key"] == "2023-2024/S1/1" for session in json.loads(probe["out"]))
    probe = _loaded_after(f"[{calendar}, __import__('sqlalchemy.orm').orm.configure_mappers(), {configured}]", database_url)
    assert probe["result"] == [0, None, True]  # the probe can see mappers configured


def test_a_database_behind_the_schema_still_loads_alembic_and_is_upgraded(tmp_path) -> None:
    """The counterpart of the above: alembic is there when an upgrade is due."""
    path = tmp_path / "nouvelle.sqlite3"
    probe = _loaded_after("__import__('cnam_desk.cli').cli.main(['--db', sys.argv[1], 'calendar', '--json'])", str(path))
    assert probe["result"] == 0 and "alembic" in probe["modules"]
    assert json.loads(probe["out"])  # created with the default calendar


@pytest.mark.parametrize(
    ("offered", "service"),
    [
        (letters_command.ORDERS, "cnam_desk.requests.letters:ORDERS"),
        (requests_command.FIELD_NAMES, "cnam_desk.requests.columns:FIELD_NAMES"),
        (requests_command.STATUSES, "cnam_desk.db.models:RequestStatus"),
        (requests_command.DECISIONS, "cnam_desk.requests.review:Decision"),
    ],
)
def test_the_names_the_parser_offers_are_the_services_own(offered: tuple[str, ...], service: str) -> None:
    import importlib

    module, name = service.split(":")
    values = getattr(importlib.import_module(module), name)
    assert tuple(getattr(value, "value", value) for value in values) == offered


def test_every_command_module_registers_commands() -> None:
    parser = cli.build_parser()
    commands = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    assert {"calendar", "demo", "letters", "import-planning", "grades", "check", "purge", "screenshot"} <= commands
    assert {"decide", "set-session"} <= commands | set(parser._subparsers._group_actions[0].choices["calendar"]
                                                         ._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


def test_the_window_loads_no_document_spreadsheet_or_chart_library() -> None:
    """What the window needs to show its tabs: Qt's widgets and the database; the rest when first used."""
    probe = _loaded_after(
        "[__import__('cnam_desk.ui.window_content'), __import__('cnam_desk.ui.startup'),"
        " sorted(m for m in sys.modules if m.startswith('PySide6.'))][2]"
    )
    loaded = set(probe["modules"])
    assert "PySide6" in loaded and "sqlalchemy" in loaded  # the probe can see a library loaded
    assert {"alembic", "reportlab", "openpyxl", "icalendar"} & loaded == set()
    assert {"PySide6.QtCharts", "PySide6.QtPdf", "PySide6.QtPdfWidgets"} & set(probe["result"]) == set()
