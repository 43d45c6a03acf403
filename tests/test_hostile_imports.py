"""Every importer against every hostile file, and against random sheets (hypothesis).

An importer is tested here as soon as its command exists on the command line; until then its
cases are skipped with the reason. To add one: an entry in IMPORTERS (its command line and the
Layout of its columns in tests/hostile_files.py).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from cnam_desk import cli
from cnam_desk.db.engine import Database
from tests import hostile_files as hostile
from tests.conftest import POSTGRES_URL
from tests.dbstate import table_rows

SESSION = "2023-2024/S1/1"
IMPORTERS: dict[str, tuple[hostile.Layout, Callable[[Path], list[str]]]] = {
    "import-planning": (hostile.PLANNING, lambda path: ["import-planning", str(path), "--session", SESSION]),
    "import-enrolments": (hostile.ENROLMENTS, lambda path: ["import-enrolments", str(path), "--year", "2023-2024"]),
    "import-requests": (hostile.REQUESTS, lambda path: ["import-requests", str(path), "--session", SESSION]),
    "import-grades": (hostile.GRADES, lambda path: ["import-grades", str(path), "--session", SESSION, "--exam", "NFA031"]),
}


def available() -> set[str]:
    parser = cli.build_parser()
    for action in parser._subparsers._group_actions:  # type: ignore[union-attr]
        return set(action.choices)
    return set()


AVAILABLE = available()


def test_every_importer_is_a_command() -> None:
    """An importer missing from the command line is a failure, never a skip."""
    assert set(IMPORTERS) <= AVAILABLE
# Problems found and handed to the importer's owner; strict: the test fails once it is fixed, to remove the line.
KNOWN: dict[tuple[str, str], str] = {
}


def _pairs() -> list:  # type: ignore[type-arg]
    pairs = []
    for command in IMPORTERS:
        for case in hostile.CASES:
            marks = [pytest.mark.slow] if case.slow else []
            if (command, case.name) in KNOWN:
                marks.append(pytest.mark.xfail(reason=KNOWN[(command, case.name)], strict=True))
            pairs.append(pytest.param(command, case, id=f"{command}-{case.name}", marks=marks))
    return pairs


@pytest.mark.parametrize(("command", "case"), _pairs())
def test_importer_against_hostile_file(
    command: str, case: hostile.Case, demo_db: Database, tmp_path: Path, private_home: Path
) -> None:
    layout, argv = IMPORTERS[command]
    path = case.build(tmp_path, layout)
    before = table_rows(demo_db.url)
    result = hostile.run_bounded(["--db", demo_db.url, *argv(path)], {"CNAM_DESK_HOME": str(private_home)})
    hostile.assert_handled(case, result, table_rows(demo_db.url) == before, path.name)


# Found by the random sheets and handed to the importer's owner (not strict: hypothesis may miss it on a run).
KNOWN_RANDOM: dict[str, str] = {}
RANDOM_COMMANDS = [
    pytest.param(
        command,
        marks=([pytest.mark.xfail(reason=KNOWN_RANDOM[command], strict=False)] if command in KNOWN_RANDOM else []),
    )
    for command in IMPORTERS
]


@pytest.mark.skipif(bool(POSTGRES_URL), reason="en mémoire, sur SQLite")
@pytest.mark.parametrize("command", RANDOM_COMMANDS)
def test_importer_on_random_sheets(command: str, demo_db: Database, tmp_path: Path) -> None:
    layout, argv = IMPORTERS[command]

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(rows=hostile.sheets_for(layout))
    def run(rows: list[list[object]]) -> None:
        path = hostile.write_xlsx(tmp_path / f"{layout.name}.xlsx", {"Feuil1": rows})
        before = table_rows(demo_db.url)
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            code = cli.main(["--db", demo_db.url, *argv(path)])
        assert code in (0, 1), err.getvalue()
        if code == 1:
            assert hostile.refusal_problems(err.getvalue(), path.name) == []
            assert table_rows(demo_db.url) == before

    run()
