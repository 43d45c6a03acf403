"""The window's frame first: tabs, menus and status bar drawn with Qt alone, the database opened behind.

What is checked is the order of things and which libraries are loaded, never how long it took.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QWidget

from cnam_desk.ui import app, startup
from cnam_desk.ui.main_window import TAB_LABELS, MainWindow
from tests.conftest import POSTGRES_URL
from tests.test_cli_startup import HEAVY, _loaded_after
from tests.test_ui_safety import Boxes

sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="fichier SQLite")
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support (propagateSizeHints|raise)\(\)")


@pytest.fixture
def sqlite_file(tmp_path: Path, _template_sqlite: Path) -> Path:
    path = tmp_path / "bureau.sqlite3"
    shutil.copyfile(_template_sqlite, path)
    return path


def test_the_frame_is_drawn_with_qt_alone() -> None:
    probe = _loaded_after(
        "(lambda a, w: (w.show(), [a.processEvents() for _ in range(3)], w.grab().isNull(),"
        " [w.tabs.tabText(i) for i in range(w.tabs.count())], w.opened)[2:])"
        "(__import__('cnam_desk.ui.app').ui.app.application(), __import__('cnam_desk.ui.main_window').ui.main_window.MainWindow())"
    )
    assert probe["result"] == [False, list(TAB_LABELS), False]
    loaded = set(probe["modules"])
    assert "PySide6" in loaded  # the probe can see a library loaded
    assert (set(HEAVY) - {"PySide6"}) & loaded == set()


def test_what_needs_the_database_waits_for_it(qtbot, db) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    assert not window.opened and not window.letters_action.isEnabled() and window.quit_action.isEnabled()
    assert all(isinstance(window.tabs.widget(i), QLabel) for i in range(window.tabs.count()))
    window.show_tab("demandes")
    window.attach(db)
    assert window.opened and window.letters_action.isEnabled()
    assert window.tabs.currentWidget() is window.requests_tab  # the tab the clerk was on, now read
    assert window.tab_loader.is_loaded(window.requests_tab) and not window.tab_loader.is_loaded(window.results_tab)
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == list(TAB_LABELS)
    assert window.database_status.text().startswith("Base ")


@sqlite_only
def test_the_database_opens_once_the_frame_is_painted(qtbot, qapp, monkeypatch, sqlite_file: Path) -> None:
    Boxes(monkeypatch)
    seen: list[tuple[bool, bool]] = []
    real_open = startup.open_for_window

    def watched(target: str, demo: bool, parent=None):  # noqa: ANN001, ANN202
        frames = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow) and not w.opened]
        seen.append((bool(frames) and frames[-1].isVisible(), bool(frames) and frames[-1]._painted))
        return real_open(target, demo, parent)

    monkeypatch.setattr(startup, "open_for_window", watched)
    windows: list[MainWindow] = []
    earlier = {id(w) for w in qapp.topLevelWidgets() if isinstance(w, MainWindow)}  # left by other tests

    def event_loop() -> int:
        windows.extend(w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow) and id(w) not in earlier)
        qtbot.waitUntil(lambda: windows[0].opened and getattr(windows[0], "startup_check_finished", False)
                        and windows[0].safety.daily_finished, timeout=20_000)
        return 0

    monkeypatch.setattr(qapp, "exec", event_loop)
    assert app.run_window(str(sqlite_file)) == 0
    window = windows[0]
    qtbot.addWidget(window)
    assert seen == [(True, True)]  # opened once, behind a frame already drawn
    assert window.tabs.currentWidget() is window.dashboard_tab and window.dashboard_tab.current_key()
    window.db.dispose()


@sqlite_only
def test_a_database_that_cannot_be_opened_is_said_over_the_frame(qtbot, qapp, monkeypatch, tmp_path: Path) -> None:
    boxes = Boxes(monkeypatch)
    not_a_database = tmp_path / "notes.sqlite3"
    not_a_database.write_text("ceci n'est pas une base\n" * 200, encoding="utf-8")
    windows: list[MainWindow] = []
    earlier = {id(w) for w in qapp.topLevelWidgets() if isinstance(w, MainWindow)}

    def event_loop() -> int:
        windows.extend(w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow) and id(w) not in earlier)
        qtbot.waitUntil(lambda: bool(boxes.shown), timeout=20_000)
        return 0

    monkeypatch.setattr(qapp, "exec", event_loop)
    assert app.run_window(str(not_a_database)) == 1
    qtbot.addWidget(windows[0])
    assert boxes.kinds() == ["error"] and "notes.sqlite3" in boxes.shown[0][2]
    assert not windows[0].isVisible() and not windows[0].opened  # the frame closed, nothing was built on it


def _visible(window: MainWindow) -> list[str]:
    return sorted(f"{type(w).__name__}:{w.objectName()}" for w in window.findChildren(QWidget) if w.isVisible())


def test_the_window_built_behind_its_frame_shows_what_a_window_built_at_once_shows(qtbot, db) -> None:
    at_once = MainWindow(db)
    qtbot.addWidget(at_once)
    at_once.show()
    qtbot.waitExposed(at_once)
    framed = MainWindow()
    qtbot.addWidget(framed)
    framed.show()
    qtbot.waitExposed(framed)
    assert not framed.search_box.isEnabled() and framed.search_box.isVisible()  # drawn with the frame, greyed
    framed.attach(db)
    qtbot.wait(50)
    assert framed.search_box.isEnabled() and framed.search_box.isVisible()
    assert "QLineEdit:studentSearchBox" in _visible(framed)
    assert _visible(framed) == _visible(at_once)  # nothing built behind the frame stays hidden
