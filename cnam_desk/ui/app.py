"""Starting the window: the Qt application, French locale, fonts, unexpected errors, screenshots."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import PySide6
from PySide6.QtCore import QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtWidgets import QApplication

from cnam_desk import backup, integrity, logs
from cnam_desk.database import open_database
from cnam_desk.db import migrate
from cnam_desk.db.engine import Database, refuse_writes
from cnam_desk.errors import RefusedInput
from cnam_desk.ui import errors, msgbox, safety, tasks
from cnam_desk.ui.errors import install_error_hook, report_unexpected
from cnam_desk.ui.main_window import MainWindow

__all__ = [
    "application", "check_after_start", "install_error_hook", "install_translations", "open_for_window", "render_screenshot",
    "report_unexpected", "run_window",
]  # fmt: skip

DAMAGED_STATUS = "⚠ Base endommagée : consultation seulement, rien n'y est enregistré"


def application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv or [sys.argv[0]])
        app.setApplicationName("Cnam Desk")
        app.setOrganizationName("Cnam Desk")
        QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
    install_translations(app)  # type: ignore[arg-type]
    return app  # type: ignore[return-value]


def _translation_folders() -> list[str]:
    # where the wheel keeps Qt's .qm files, when Qt's own path points elsewhere
    package = Path(PySide6.__file__).parent
    return [QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath),
            str(package / "Qt" / "translations"), str(package / "translations")]


# Words of Qt 6 that its French file (qtbase_fr.qm) does not have yet: the file dialog's labels.
MISSING_WORDS = {
    ("QFileDialog", "&Look in:"): "&Voir dans\N{NO-BREAK SPACE}:",
    ("QFileDialog", "Files of &type:"): "Fichiers de &type\N{NO-BREAK SPACE}:",
    ("QFileDialog", "Cancel"): "Annuler",
}


class MissingWords(QTranslator):
    """Installed after Qt's French file, so asked first; no answer lets Qt's file answer."""

    def translate(self, context: str, source: str, disambiguation: str | None = None, n: int = -1) -> str | None:  # type: ignore[override]
        return MISSING_WORDS.get((context, source))  # None: not ours

    def isEmpty(self) -> bool:  # noqa: N802 - Qt's name
        return False


def install_translations(app: QApplication) -> bool:
    """Qt's own words (Annuler, Oui, « Voir dans : » of the file dialogs) in French, installed once."""
    if app.property("cnam_desk_translator") is not None:
        return True
    translator = QTranslator(app)
    for folder in _translation_folders():
        if translator.load("qtbase_fr", folder):
            app.installTranslator(translator)
            missing = MissingWords(app)
            app.installTranslator(missing)
            app.setProperty("cnam_desk_translator", [translator, missing])
            return True
    return False


def open_for_window(target: str, demo: bool) -> Database | None:
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
        if not safety.ensure_sound(None, path):
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


def run_window(target: str, demo: bool = False) -> int:
    app = application()
    logs.configure()
    errors.install_error_hook()
    try:
        db = open_for_window(target, demo)
    except RefusedInput as error:
        msgbox.error(None, "Cnam Desk", str(error))
        return 1
    except Exception as error:  # noqa: BLE001 - the window never opens on a stack trace
        explained = integrity.explain(error, target)
        if explained is None:
            errors.report_unexpected(error)
            return 3
        msgbox.error(None, "Cnam Desk", explained)
        return 1
    if db is None:
        return 1
    if db.notices:
        # The trail's protections were put back (or could not be): the clerk is told before working.
        msgbox.warning(None, "Cnam Desk", "\n\n".join(notice[0].upper() + notice[1:] + "." for notice in db.notices))
    logs.log_start(db.engine.dialect.name)
    window = MainWindow(db)
    window.show()
    # The quick check and the day's backup wait for the event loop: the window is drawn first.
    QTimer.singleShot(0, lambda: check_after_start(window))
    return app.exec()


def render_screenshot(target: str, tab: str, out: Path, size: tuple[int, int] = (1280, 800)) -> None:
    app = application()
    db = open_database(target)
    window = MainWindow(db)
    window.show_tab(tab)
    window.resize(*size)
    window.show()
    for _ in range(5):
        app.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(out)):
        raise RefusedInput(f"Impossible d'écrire l'image « {out} ».")
    window.close()
    db.dispose()
