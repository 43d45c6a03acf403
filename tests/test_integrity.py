"""Damaged databases: `cnam-desk check`, one clear line instead of a stack trace, and the way back to a backup."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from cnam_desk import backup, integrity
from cnam_desk.database import open_database
from cnam_desk.errors import DamagedDatabase
from tests.conftest import POSTGRES_URL

sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="fichier SQLite endommagé")


def damage_header(path: Path) -> None:
    """The first bytes overwritten: SQLite no longer recognises the file."""
    with path.open("r+b") as handle:
        handle.write(b"\x00" * 100)


def damage_pages(path: Path) -> None:
    """Pages in the middle overwritten with garbage: the file opens, reading some tables fails."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.close()
    with path.open("r+b") as handle:
        for page in range(3, pages, 4):
            handle.seek(page * page_size + 8)
            handle.write(bytes(range(256)) * 4)


@pytest.fixture
def demo_file(tmp_path: Path, _template_sqlite: Path) -> Path:
    from cnam_desk import demo

    path = tmp_path / "bureau.sqlite3"
    shutil.copyfile(_template_sqlite, path)
    database = open_database(path)
    demo.fill(database)
    database.dispose()
    return path


def test_check_a_sound_database(cli) -> None:
    done = cli("check", "--json")
    assert done.code == 0, done
    report = json.loads(done.out)
    assert report["ok"] is True and report["problems"] == []
    assert report["revision"] == report["expected_revision"]
    text_mode = cli("check")
    assert text_mode.code == 0 and text_mode.out.startswith("Base saine")


@sqlite_only
def test_check_finds_broken_foreign_keys(cli, database_url: str) -> None:
    path = Path(database_url.removeprefix("sqlite:///"))
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA foreign_keys = OFF")
    connection.execute("insert into enrolment (student_id, course_unit_id, year_id) values (4242, 4243, 1)")
    connection.commit()
    connection.close()
    done = cli("check", "--json")
    assert done.code == 1
    report = json.loads(done.out)
    assert {fk["parent"] for fk in report["foreign_keys"]} == {"student", "course_unit"}
    assert done.err.count("\n") == 1 and "clé étrangère" in done.err


@sqlite_only
@pytest.mark.parametrize("damage", [damage_header, damage_pages], ids=["en-tête", "pages"])
def test_damaged_database_gets_one_clear_line_and_the_latest_backup(cli, demo_file: Path, damage) -> None:  # noqa: ANN001
    saved = backup.daily(demo_file)
    assert saved is not None
    damage(demo_file)
    assert integrity.quick_check(demo_file) is not None
    for command in (["check"], ["calendar"], ["demo"], ["student-data", "10023000", "--out", str(demo_file.parent / "x.json")]):
        done = cli("--db", str(demo_file), *command, db=False)
        assert done.code == 1, (command, done)
        assert done.err.count("\n") == 1, done.err
        assert "Traceback" not in done.err and "endommagée" in done.err
        assert str(saved) in done.err and "cnam-desk restore" in done.err
    restored = cli("--db", str(demo_file), "restore", str(saved), db=False)
    assert restored.code == 0, restored
    assert cli("--db", str(demo_file), "check", db=False).code == 0
    calendar = cli("--db", str(demo_file), "calendar", "--json", db=False)
    assert calendar.code == 0 and len(json.loads(calendar.out)) == 4
    # The damaged file is kept, aside, for whoever wants to look at it.
    kept = backup.list_backups(demo_file, include_damaged=True)
    assert {info.kind for info in kept} >= {backup.DAILY}


@sqlite_only
def test_a_damaged_database_is_never_backed_up_over_good_backups(demo_file: Path) -> None:
    good = backup.daily(demo_file)
    damage_pages(demo_file)
    with pytest.raises(DamagedDatabase):
        backup.manual(demo_file, demo_file.parent / "copie.sqlite3")
    assert not (demo_file.parent / "copie.sqlite3").exists()
    assert backup.latest_backup(demo_file) == good


@sqlite_only
def test_quick_check_at_start(demo_file: Path) -> None:
    assert integrity.quick_check(demo_file) is None
    assert integrity.quick_check(demo_file.parent / "absente.sqlite3") is None
    damage_header(demo_file)
    with pytest.raises(DamagedDatabase) as refused:
        integrity.require_sound(demo_file)
    assert "Aucune sauvegarde" in str(refused.value)


@sqlite_only
def test_a_file_that_is_not_a_database(cli, tmp_path: Path) -> None:
    notes = tmp_path / "notes.sqlite3"
    notes.write_text("Ceci est un compte rendu de réunion, pas une base.\n" * 200, encoding="utf-8")
    done = cli("--db", str(notes), "calendar", db=False)
    assert done.code == 1 and done.err.count("\n") == 1 and "endommagée ou n'est pas une base Cnam Desk" in done.err


@sqlite_only
def test_an_unreachable_folder(cli, tmp_path: Path) -> None:
    blocker = tmp_path / "fichier"
    blocker.write_text("x", encoding="utf-8")
    done = cli("--db", str(blocker / "sous-dossier" / "base.sqlite3"), "calendar", db=False)
    assert done.code in (1,), done
    assert "Traceback" not in done.err


@pytest.mark.skipif(not POSTGRES_URL, reason="base PostgreSQL")
def test_check_on_postgres(cli) -> None:
    report = json.loads(cli("check", "--json").out)
    assert report["backend"] == "postgresql" and report["ok"] is True


def test_unreachable_server(cli) -> None:
    done = cli("--db", "postgresql+psycopg://personne@127.0.0.1:9/aucune", "calendar", db=False)
    assert done.code == 1, done
    assert done.err.count("\n") == 1 and "ne répond pas" in done.err
