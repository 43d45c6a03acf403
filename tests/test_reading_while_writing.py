"""A colleague's long write (an import, a batch): reading commands go on; writing ones wait, then go through."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from letters_data import SESSION, seed_requests

from cnam_desk.db.engine import Database
from tests.conftest import ROOT
from tests.test_two_clerks import _holding, _worker, _write_lock_taken

READING = (
    ("calendar", "--json"),
    ("requests", "--session", SESSION, "--json"),
    ("grades", "--session", SESSION, "--exam", "NFA031", "--json"),
)


def _while_a_colleague_writes(cli, db: Database, private_home: Path, held: float) -> None:  # type: ignore[no-untyped-def]
    """The other workstation holds the write lock until it is stopped (after `held` seconds here)."""
    ids = seed_requests(db)
    db.dispose()
    holder = _worker(private_home, "hold-write-lock", db.url, "900")
    try:
        _holding(holder, db.url)
        started = time.monotonic()
        for command in READING:
            result = cli(*command, timeout=60)
            assert result.code == 0, (command, result)
            json.loads(result.out)
        assert _write_lock_taken(db.url)  # they were all answered while the lock was held
        env = dict(os.environ) | {"PYTHONPATH": str(ROOT), "CNAM_DESK_HOME": str(private_home)}
        writer = subprocess.Popen(
            [sys.executable, "-m", "cnam_desk", "--db", db.url, "decide", str(ids["pending"]), "incomplete",
             "--reason", "la convocation"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        time.sleep(max(held - (time.monotonic() - started), 3.0))
        assert writer.poll() is None, writer.communicate()  # it waits for the other workstation
    finally:
        holder.kill()
        holder.communicate()
    _out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err  # and goes through once it is done
    assert "occupée" not in err


def test_reading_commands_never_wait_for_a_writer(cli, db: Database, private_home: Path) -> None:
    _while_a_colleague_writes(cli, db, private_home, 4)


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("CNAM_DESK_LONG_FAULTS"), reason="45 s : CNAM_DESK_LONG_FAULTS=1 pour le lancer")
def test_a_45_second_write_lock(cli, db: Database, private_home: Path) -> None:
    _while_a_colleague_writes(cli, db, private_home, 45)


def test_a_decision_taken_during_a_20000_row_import_goes_through(cli, db: Database, private_home: Path, tmp_path):
    from tests import hostile_files as hostile

    ids = seed_requests(db)
    db.dispose()
    rows = [
        (f"BEN{index // 20:04d}", "Épreuve", f"{22 + index % 10}/01/2024", "18h00", "21h00", f"Salle {index % 50}",
         f"Centre {index % 20}")
        for index in range(20_000)
    ]
    path = hostile.write_xlsx(tmp_path / "planning.xlsx", {"Planning": [hostile.PLANNING.header, *rows]})
    env = dict(os.environ) | {"PYTHONPATH": str(ROOT), "CNAM_DESK_HOME": str(private_home)}
    importer = subprocess.Popen(
        [sys.executable, "-m", "cnam_desk", "--db", db.url, "import-planning", str(path), "--session", SESSION,
         "--allow-removals"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    time.sleep(1.0)  # the import is reading its file
    decided = cli("decide", str(ids["pending"]), "incomplete", "--reason", "la convocation", timeout=120)
    _out, err = importer.communicate(timeout=300)
    assert importer.returncode == 0, err
    assert decided.code == 0, decided
