"""The window's safety: File menu backup, restore and check; damaged database at start; network share notice."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from cnam_desk import backup
from cnam_desk.database import open_database
from cnam_desk.schedule import exam_calendar
from cnam_desk.ui import msgbox, safety, startup
from cnam_desk.ui.main_window import MainWindow
from tests.conftest import POSTGRES_URL
from tests.test_integrity import damage_header

sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="fichier SQLite")


class Boxes:
    """Every message box the window shows, answered without blocking."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, answer: bool = True):
        self.shown: list[tuple[str, str, str]] = []
        self.answer = answer
        monkeypatch.setattr(msgbox, "information", lambda _p, title, text: self.shown.append(("information", title, text)))
        monkeypatch.setattr(msgbox, "warning", lambda _p, title, text: self.shown.append(("warning", title, text)))
        monkeypatch.setattr(msgbox, "error", lambda _p, title, text, details="": self.shown.append(("error", title, text)))

        def question(_p, title: str, text: str) -> bool:  # noqa: ANN001
            self.shown.append(("question", title, text))
            return self.answer

        monkeypatch.setattr(msgbox, "question", question)

    def kinds(self) -> list[str]:
        return [kind for kind, _title, _text in self.shown]


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> Boxes:
    return Boxes(monkeypatch)


@pytest.fixture
def sqlite_file(tmp_path: Path, _template_sqlite: Path) -> Path:
    path = tmp_path / "bureau.sqlite3"
    shutil.copyfile(_template_sqlite, path)
    return path


@pytest.fixture
def window(qtbot, sqlite_file: Path):
    db = open_database(sqlite_file, clerk="greffier.test")
    main = MainWindow(db)
    qtbot.addWidget(main)
    main.show()
    yield main
    db.dispose()


def _file_actions(window: MainWindow) -> list[str]:
    return [a.text().replace("&", "") for a in window.file_menu.actions() if a.text()]


def test_file_menu_has_backup_restore_and_check(window: MainWindow) -> None:
    actions = _file_actions(window)
    assert actions[-4:] == ["Sauvegarder la base…", "Restaurer une sauvegarde…", "Vérifier la base", "Quitter"]


@sqlite_only
def test_daily_backup_when_the_window_starts(qtbot, window: MainWindow, boxes: Boxes, sqlite_file: Path) -> None:
    for _ in range(2):
        window.safety.after_start()  # off the main thread
        qtbot.waitUntil(lambda: window.safety.daily_finished, timeout=10_000)
    daily = [b for b in backup.list_backups(sqlite_file) if b.kind == backup.DAILY]
    assert len(daily) == 1
    assert boxes.shown == []


@sqlite_only
def test_backup_then_restore_from_the_menu(window: MainWindow, boxes: Boxes, monkeypatch, tmp_path: Path) -> None:
    out = tmp_path / "ma sauvegarde.sqlite3"
    monkeypatch.setattr(safety, "ask_save_path", lambda _parent, suggested: out)
    window.safety.backup_action.trigger()
    assert out.exists() and boxes.kinds() == ["information"]
    exam_calendar.set_session(window.db, "2023-2024/S2/2", dt.date(2024, 9, 9), dt.date(2024, 9, 13), None)
    window.calendar_tab.reload()
    assert "13/09/2024" in window.calendar_tab.model.data(window.calendar_tab.model.index_of("2023-2024/S2/2").siblingAtColumn(1))
    monkeypatch.setattr(safety, "ask_open_path", lambda _parent, _folder: out)
    window.safety.restore_action.trigger()
    assert boxes.kinds() == ["information", "question", "information"]
    model = window.calendar_tab.model
    assert "14/09/2024" in model.data(model.index_of("2023-2024/S2/2").siblingAtColumn(1))  # the tab shows the restored data
    assert exam_calendar.get_session(window.db, "2023-2024/S2/2").last_day == dt.date(2024, 9, 14)


@sqlite_only
def test_restore_refuses_a_stranger_file(window: MainWindow, boxes: Boxes, monkeypatch, tmp_path: Path) -> None:
    stranger = tmp_path / "photo.sqlite3"
    stranger.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    monkeypatch.setattr(safety, "ask_open_path", lambda _parent, _folder: stranger)
    window.safety.restore_action.trigger()
    assert boxes.kinds() == ["warning"] and "pas une base SQLite" in boxes.shown[0][2]


def test_check_from_the_menu(window: MainWindow, boxes: Boxes) -> None:
    window.safety.check_action.trigger()
    assert boxes.shown[0][0] == "information" and "saine" in boxes.shown[0][2]


@sqlite_only
def test_damaged_database_at_start_is_offered_its_latest_backup(qtbot, boxes: Boxes, sqlite_file: Path) -> None:
    backup.daily(sqlite_file, dt.date(2024, 2, 1))
    damage_header(sqlite_file)
    db = startup.open_for_window(str(sqlite_file), demo=False)
    assert db is not None
    assert boxes.kinds() == ["question", "information"]
    assert "endommagée" in boxes.shown[0][2] and "restaurer" in boxes.shown[0][2]
    assert len(exam_calendar.list_sessions(db)) == 4
    db.dispose()


@sqlite_only
def test_damaged_database_without_backup_does_not_open(monkeypatch, sqlite_file: Path) -> None:
    boxes = Boxes(monkeypatch, answer=False)
    damage_header(sqlite_file)
    assert startup.open_for_window(str(sqlite_file), demo=False) is None
    assert boxes.kinds() == ["error"] and "aucune sauvegarde" in boxes.shown[0][2]


@sqlite_only
def test_damaged_database_restore_declined(monkeypatch, sqlite_file: Path) -> None:
    boxes = Boxes(monkeypatch, answer=False)
    backup.daily(sqlite_file)
    damage_header(sqlite_file)
    assert startup.open_for_window(str(sqlite_file), demo=False) is None
    assert boxes.kinds() == ["question"]


@sqlite_only
def test_network_share_warning_once_per_start(qtbot, boxes: Boxes, monkeypatch, sqlite_file: Path, tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(f"//serveur/examens {sqlite_file.parent} cifs rw 0 0\n", encoding="utf-8")
    monkeypatch.setenv("CNAM_DESK_MOUNTS_FILE", str(mounts))
    monkeypatch.setattr(safety, "_share_warned", False)
    windows = []
    for _ in range(2):
        db = open_database(sqlite_file)
        main = MainWindow(db)
        qtbot.addWidget(main)
        main.show()
        main.safety.after_start()
        qtbot.waitUntil(lambda main=main: main.safety.daily_finished, timeout=10_000)
        windows.append((main, db))
    warnings = [text for kind, _title, text in boxes.shown if kind == "warning"]
    assert len(warnings) == 1 and "partage réseau (cifs)" in warnings[0] and "PostgreSQL" in warnings[0]
    for main, db in windows:
        assert main.safety.share_label is not None and main.safety.share_label.isVisible()
        db.dispose()
    windows[0][0].grab().save(str(tmp_path / "partage.png"))
    shutil.copyfile(tmp_path / "partage.png", "/tmp/partage.png")


def test_postgres_backup_menu_points_to_pg_dump(qtbot, boxes: Boxes, db) -> None:  # noqa: ANN001
    if db.is_sqlite:
        pytest.skip("base PostgreSQL")
    main = MainWindow(db)
    qtbot.addWidget(main)
    main.safety.backup_action.trigger()
    main.safety.restore_action.trigger()
    assert [kind for kind in boxes.kinds()] == ["information", "information"]
    assert all("pg_dump" in text for _k, _t, text in boxes.shown)
