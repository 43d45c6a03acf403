"""What the window's tests share: message boxes recorded, the main window opened and active, the
Résultats tab opened on an exam."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from cnam_desk.ui import msgbox
from cnam_desk.ui.main_window import MainWindow
from cnam_desk.ui.results_tab import ResultsTab


def record_messages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Information, warning and error boxes recorded as (title, text), never shown."""
    shown: list[tuple[str, str]] = []
    for name in ("information", "warning", "error"):
        monkeypatch.setattr(msgbox, name, lambda _parent, title, text, *_a, **_k: shown.append((title, text)))
    return shown


def open_window(qtbot, db, tab: str | None = None) -> MainWindow:  # noqa: ANN001
    """The main window on `db`, on `tab` when given, shown and active (keys reach it)."""
    main = MainWindow(db)
    qtbot.addWidget(main)
    if tab is not None:
        main.show_tab(tab)
    main.show()
    qtbot.waitExposed(main)
    main.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main)
    return main


def results_tab_on(qtbot, db, key: str = "2023-2024/S1/1", ue: str = "NFA031") -> ResultsTab:  # noqa: ANN001
    """The Résultats tab alone, at a fixed size as inside the main window, on the exam's grid."""
    widget = ResultsTab(db)
    qtbot.addWidget(widget)
    widget.setMinimumSize(1200, 700)  # a fixed size: no size hints to pass on
    widget.show()
    qtbot.waitExposed(widget)
    widget.select(key, ue)
    return widget
