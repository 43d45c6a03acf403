"""Opening the window's database behind its frame: the file's checks, its backup, the features.

The frame is on screen first (`cnam_desk.ui.main_window`); `open_in` opens the database, builds
the tabs on it, and leaves the quick check and the day's backup to run after (`check_after_start`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from cnam_desk import backup, integrity, logs
from cnam_desk.database import open_database
from cnam_desk.db import migrate
from cnam_desk.db.engine import Database, refuse_writes
from cnam_desk.errors import RefusedInput
from cnam_desk.ui import errors, msgbox, safety, tasks
from cnam_desk.ui.main_window import MainWindow

DAMAGED_STATUS = "⚠ Base endommagée : consultation seulement, rien n'y est enregistré"


def open_for_window(target: str, demo: bool, parent: QWidget | None = None) -> Database | None:
    """Open the database for the window.

    The file's quick check waits for the window to show (`check_after_start`); a SQLite file too
    damaged to be opened at all is checked at once and offered its latest backup.
    """
    errors.set_database_target(target)
    try:
        db = open_database(target)
    except Exception as error:
        path = backup.sqlite_path(target)
        if path is None or not backup.is_damage(error):
            raise
        if not safety.ensure_sound(parent, path):
            return None
        db = open_database(target)
    if demo:
        # deferred on purpose: every feature's services, for --demo only
        from cnam_desk import demo as demo_data

        demo_data.fill(db)
    return db


def _quick_check(path: Path) -> Iterator[tasks.Progress]:
    yield tasks.Progress(0, 0, "Vérification de la base…")
    return integrity.quick_check(path)


def check_after_start(window: MainWindow) -> None:
    """Once the window shows: the file's quick check off the main thread, then the day's backup.

    A damaged file is said at once and offered its latest backup; when it is not restored, the
    window goes on reading it, and every write is refused with the damage found.
    """
    path = backup.sqlite_file(window.db.engine)
    window.startup_check_finished = False

    def checked(problem: str | None) -> None:
        if problem is None or _damaged(window, path, problem):
            window.safety.after_start()
        window.startup_check_finished = True

    def not_checked(_error: BaseException) -> None:
        # Cancelled by the clerk: the day's backup checks its copy itself, a damaged file is never kept.
        window.safety.after_start()
        window.startup_check_finished = True

    if path is None:
        checked(None)
        return
    window.startup_check = tasks.run_with_progress(
        window, "Vérification de la base…", lambda: _quick_check(path), checked, not_checked
    )


def _damaged(window: MainWindow, path: Path, problem: str) -> bool:
    """The damage found after the window showed: True when the latest backup was put back."""
    db = window.db
    db.dispose()  # no pooled connection of ours stays on the damaged file
    if safety.offer_restore(window, path, problem):
        migrate.upgrade(db.engine)
        safety.reload_tabs(window)
        return True
    refuse_writes(db.engine, backup.damaged_message(path, problem))
    window.statusBar().showMessage(DAMAGED_STATUS)
    return False


def open_in(window: MainWindow, target: str, demo: bool = False) -> int | None:
    """The database behind the frame: None once the tabs show it, else the program's exit code.

    A database that cannot be opened is said over the frame, which then closes.
    """
    try:
        db = open_for_window(target, demo, window)
    except RefusedInput as error:
        msgbox.error(window, "Cnam Desk", str(error))
        return 1
    except Exception as error:  # noqa: BLE001 - the window never opens on a stack trace
        explained = integrity.explain(error, target)
        if explained is None:
            errors.report_unexpected(error)
            return 3
        msgbox.error(window, "Cnam Desk", explained)
        return 1
    if db is None:
        return 1
    if db.notices:
        # The trail's protections were put back (or could not be): the clerk is told before working.
        msgbox.warning(window, "Cnam Desk", "\n\n".join(notice[0].upper() + notice[1:] + "." for notice in db.notices))
    logs.log_start(db.engine.dialect.name)
    window.attach(db)
    # The quick check and the day's backup wait for the event loop: the tab's data is drawn first.
    QTimer.singleShot(0, lambda: check_after_start(window))
    return None
