"""Shared fixtures: offscreen Qt, a private home folder, a fresh database per test (SQLite or PostgreSQL)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from cnam_desk.database import open_database
from cnam_desk.db.engine import Database  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("CNAM_DESK_TEST_DATABASE_URL", "")


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every file the program writes (data, settings, logs, backups) goes to a temporary folder."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("CNAM_DESK_HOME", str(home))
    monkeypatch.setenv("CNAM_DESK_CLERK", "greffier.test")
    monkeypatch.delenv("CNAM_DESK_DB", raising=False)
    return home


@pytest.fixture(scope="session")
def _template_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite database with the default calendar, copied for each test."""
    os.environ.setdefault("CNAM_DESK_HOME", str(tmp_path_factory.mktemp("template-home")))
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    open_database(path).dispose()  # closing the last connection checkpoints the WAL
    assert not path.with_name(path.name + "-wal").exists()
    return path


def reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def database_url(tmp_path: Path, _template_sqlite: Path) -> str:
    """The URL of a fresh database holding only the default calendar."""
    if POSTGRES_URL:
        reset_postgres(POSTGRES_URL)
        open_database(POSTGRES_URL).dispose()
        return POSTGRES_URL
    path = tmp_path / "cnam-desk.sqlite3"
    shutil.copyfile(_template_sqlite, path)
    return f"sqlite:///{path}"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = open_database(database_url, clerk="greffier.test")
    yield database
    database.dispose()


@pytest.fixture
def demo_db(db: Database) -> Database:
    from cnam_desk import demo

    demo.fill(db)
    return db


class CommandResult:
    def __init__(self, completed: subprocess.CompletedProcess[str]):
        self.code = completed.returncode
        self.out = completed.stdout
        self.err = completed.stderr

    def __repr__(self) -> str:
        return f"<exit {self.code}\nstdout: {self.out}\nstderr: {self.err}>"


@pytest.fixture
def cli(database_url: str, private_home: Path):
    """Run `cnam-desk --db URL ...` in a subprocess, as a clerk would type it."""

    def run(*args: str, db: bool = True, env: dict[str, str] | None = None, timeout: float = 120) -> CommandResult:
        command = [sys.executable, "-m", "cnam_desk"]
        if db:
            command += ["--db", database_url]
        full_env = dict(os.environ) | {"PYTHONPATH": str(ROOT), "CNAM_DESK_HOME": str(private_home)} | (env or {})
        completed = subprocess.run(
            command + list(args), capture_output=True, text=True, env=full_env, timeout=timeout, cwd=ROOT
        )
        return CommandResult(completed)

    return run


@pytest.fixture
def messages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Information, warning and error boxes recorded as (title, text), never shown."""
    from tests.ui_support import record_messages  # Qt's widgets, for the window's tests only

    return record_messages(monkeypatch)
