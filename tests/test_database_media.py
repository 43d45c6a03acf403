"""Databases the clerk points at: unsupported kinds, another program's file, a read-only medium."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from letters_data import SESSION, seed_requests
from small_disk import read_only_copy

from cnam_desk.database import open_database
from cnam_desk.db.engine import read_only_medium
from tests.conftest import POSTGRES_URL

sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="fichier SQLite")


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("mysql://examens@serveur/notes", "Les bases « mysql » ne sont pas prises en charge"),
        ("oracle+cx_oracle://examens@serveur/notes", "Les bases « oracle » ne sont pas prises en charge"),
        ("postgresql+pg8000://examens@serveur/notes", "Le pilote de base de données « postgresql+pg8000 » n'est pas disponible"),
        ("foo://bar", "Les bases « foo » ne sont pas prises en charge"),
    ],
)
def test_unsupported_databases_are_one_french_line(cli, url, said):
    result = cli("--db", url, "calendar", db=False)
    assert result.code == 1, result
    assert said in result.err and "SQLite" in result.err and "PostgreSQL" in result.err
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err


@sqlite_only
def test_another_programs_sqlite_file_is_refused_and_left_alone(cli, tmp_path):
    other = tmp_path / "comptabilite.db"
    connection = sqlite3.connect(other)
    connection.execute("create table clients (id integer primary key, nom text)")
    connection.execute("insert into clients values (1, 'Dupont')")
    connection.commit()
    connection.close()
    result = cli("--db", str(other), "calendar", db=False)
    assert result.code == 1, result
    assert f"La base « {other} » n'est pas une base Cnam Desk" in result.err and "(clients)" in result.err
    connection = sqlite3.connect(other)
    tables = [row[0] for row in connection.execute("select name from sqlite_master where type = 'table'")]
    connection.close()
    assert tables == ["clients"]


@sqlite_only
def test_a_database_on_a_read_only_medium_is_read_and_never_written(cli, tmp_path, database_url):
    db = open_database(database_url)
    ids = seed_requests(db)
    db.dispose()
    source = Path(database_url.removeprefix("sqlite:///"))
    with read_only_copy(tmp_path / "cle", source) as medium:
        copy = medium / source.name
        assert read_only_medium(copy)
        listed = cli("--db", str(copy), "requests", "--session", SESSION, "--json", db=False)
        assert listed.code == 0, listed
        assert {row["id"] for row in json.loads(listed.out)} >= {ids["accepted"], ids["pending"]}
        assert cli("--db", str(copy), "calendar", db=False).code == 0
        checked = cli("--db", str(copy), "check", db=False)
        assert checked.code == 0 and "Base saine" in checked.out, checked
        out = tmp_path / "courriers"
        written = cli("--db", str(copy), "letters", "--session", SESSION, "--out", str(out), db=False)
        assert written.code == 1, written
        assert "support en lecture seule" in written.err and len(written.err.strip().splitlines()) == 1
        assert not out.exists() or list(out.iterdir()) == []
        decided = cli("--db", str(copy), "decide", str(ids["pending"]), "incomplete", "--reason", "la convocation",
                      db=False)
        assert decided.code == 1, decided
        assert "support en lecture seule" in decided.err and "Traceback" not in decided.err


@sqlite_only
def test_a_damaged_page_makes_every_command_refuse_to_write(cli, tmp_path, database_url):
    import hashlib

    from cnam_desk import demo

    from cnam_desk.grading import entry

    db = open_database(database_url)
    demo.fill(db)
    sheet = entry.load_sheet(db, entry.exam_ref(db, "2023-2024/S1/1", "NFP136"))
    number = next(row.student_number for row in sheet.rows if row.grade is None)
    db.dispose()
    path = Path(database_url.removeprefix("sqlite:///"))
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.close()
    with path.open("r+b") as handle:  # one page of the last table's data, well after the schema
        handle.seek((pages - 3) * page_size + 8)
        handle.write(bytes(range(256)) * 4)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    wrote = cli("set-grade", "--session", "2023-2024/S1/1", "--exam", "NFP136", "--student", number, "12")
    assert wrote.code == 1, wrote
    assert f"La base « {path} » est endommagée" in wrote.err and len(wrote.err.strip().splitlines()) == 1
    decided = cli("decide", "1", "incomplete", "--reason", "la convocation")
    assert decided.code == 1 and "endommagée" in decided.err, decided
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert cli("calendar").code == 0  # what can still be read is read
