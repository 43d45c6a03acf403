"""The window's start: it shows first, then the file's quick check and the day's backup run.

A damage found once the window shows is said at once, offered the latest backup, and when it is
not restored the window reads on and refuses every write, as the commands do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from cnam_desk import backup, integrity
from cnam_desk.database import open_database
from cnam_desk.errors import RefusedInput
from cnam_desk.schedule import exam_calendar
from cnam_desk.ui import app, startup
from cnam_desk.ui.main_window import MainWindow
from tests.conftest import POSTGRES_URL
from tests.test_ui_safety import Boxes

sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="fichier SQLite")
SESSION = "2023-2024/S2/2"


@pytest.fixture
def sqlite_file(tmp_path: Path, _template_sqlite: Path) -> Path:
    path = tmp_path / "bureau.sqlite3"
    shutil.copyfile(_template_sqlite, path)
    return path


def damage_a_data_page(path: Path) -> None:
    """One page of table data near the end of the file overwritten: the file opens, the quick check fails."""
    database = open_database(path)
    from cnam_desk import demo

    demo.fill(database)
    database.dispose()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.close()
    with path.open("r+b") as handle:
        handle.seek((pages - 3) * page_size + 8)
        handle.write(bytes(range(256)) * 4)
    assert integrity.quick_check(path) is not None


def start_window(qtbot, target: str) -> MainWindow:
    db = startup.open_for_window(target, demo=False)
    assert db is not None
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    startup.check_after_start(window)
    qtbot.waitUntil(lambda: window.startup_check_finished, timeout=20_000)
    return window


def _shows_the_session(window: MainWindow) -> bool:
    window.show_tab("calendrier")  # each tab reads its data when first shown
    return window.calendar_tab.model.index_of("2023-2024/S1/1").isValid()


@sqlite_only
def test_the_window_shows_before_the_quick_check(qtbot, qapp, monkeypatch, sqlite_file: Path) -> None:
    Boxes(monkeypatch)
    seen: list[bool] = []
    real_check = integrity.quick_check

    def watched(path: Path) -> str | None:
        seen.append(any(isinstance(w, MainWindow) and w.isVisible() for w in qapp.topLevelWidgets()))
        return real_check(path)

    monkeypatch.setattr(integrity, "quick_check", watched)
    windows: list[MainWindow] = []
    earlier = {id(w) for w in qapp.topLevelWidgets() if isinstance(w, MainWindow)}  # left by other tests

    def event_loop() -> int:
        windows.extend(w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow) and id(w) not in earlier)
        qtbot.waitUntil(lambda: getattr(windows[0], "startup_check_finished", False) and windows[0].safety.daily_finished,
                        timeout=20_000)
        return 0

    monkeypatch.setattr(qapp, "exec", event_loop)
    assert app.run_window(str(sqlite_file)) == 0
    window = windows[0]
    qtbot.addWidget(window)
    assert seen == [True]  # checked once, with the window already on screen
    assert [b.kind for b in backup.list_backups(sqlite_file)] == [backup.DAILY]
    window.db.dispose()


@sqlite_only
def test_a_sound_file_is_checked_then_backed_up(qtbot, monkeypatch, sqlite_file: Path) -> None:
    boxes = Boxes(monkeypatch)
    window = start_window(qtbot, str(sqlite_file))
    qtbot.waitUntil(lambda: window.safety.daily_finished, timeout=20_000)
    assert boxes.shown == []
    assert not window.db.read_only
    assert [b.kind for b in backup.list_backups(sqlite_file)] == [backup.DAILY]
    window.db.dispose()


@sqlite_only
def test_damage_found_after_the_window_shows_refuses_every_write(qtbot, monkeypatch, sqlite_file: Path) -> None:
    damage_a_data_page(sqlite_file)
    backup.daily(sqlite_file.with_name("autre.sqlite3"))  # nothing of this database
    boxes = Boxes(monkeypatch, answer=False)
    before = hashlib.sha256(sqlite_file.read_bytes()).hexdigest()
    window = start_window(qtbot, str(sqlite_file))
    assert boxes.kinds() == ["error"]
    assert "endommagée" in boxes.shown[0][2] and "aucune sauvegarde" in boxes.shown[0][2]
    assert window.isVisible() and _shows_the_session(window)  # what can be read is read
    assert window.db.read_only and startup.DAMAGED_STATUS in window.statusBar().currentMessage()
    with pytest.raises(RefusedInput, match="endommagée"):
        exam_calendar.set_session(window.db, SESSION, dt.date(2024, 9, 9), dt.date(2024, 9, 13), None)
    window.db.dispose()
    assert hashlib.sha256(sqlite_file.read_bytes()).hexdigest() == before
    assert backup.list_backups(sqlite_file) == []  # no backup of a damaged file


@sqlite_only
def test_damage_found_after_the_window_shows_is_offered_the_latest_backup(qtbot, monkeypatch, sqlite_file: Path) -> None:
    backup.daily(sqlite_file, dt.date(2024, 2, 1))
    damage_a_data_page(sqlite_file)
    declined = Boxes(monkeypatch, answer=False)
    window = start_window(qtbot, str(sqlite_file))
    assert declined.kinds() == ["question"] and "restaurer" in declined.shown[0][2]
    assert window.db.read_only
    window.db.dispose()
    window.close()

    accepted = Boxes(monkeypatch, answer=True)
    window = start_window(qtbot, str(sqlite_file))
    assert accepted.kinds() == ["question", "information"]
    assert not window.db.read_only
    qtbot.waitUntil(lambda: window.safety.daily_finished, timeout=20_000)
    assert integrity.quick_check(sqlite_file) is None
    assert len(exam_calendar.list_sessions(window.db)) == 4  # the backup: the default calendar
    exam_calendar.set_session(window.db, SESSION, dt.date(2024, 9, 9), dt.date(2024, 9, 13), None)
    window.db.dispose()


def test_a_server_database_has_no_file_to_check(qtbot, monkeypatch, db) -> None:
    if db.is_sqlite:
        pytest.skip("base PostgreSQL")
    boxes = Boxes(monkeypatch)
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    startup.check_after_start(window)
    assert window.startup_check_finished and window.safety.daily_finished
    assert boxes.shown == []
