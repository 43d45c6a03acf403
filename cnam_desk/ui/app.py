"""Starting the window: the Qt application, French locale, fonts, unexpected errors, screenshots."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from cnam_desk import backup, integrity, logs
from cnam_desk import demo as demo_data
from cnam_desk.database import open_database
from cnam_desk.db.engine import Database
from cnam_desk.errors import RefusedInput
from cnam_desk.ui import errors, msgbox, safety
from cnam_desk.ui.errors import install_error_hook, report_unexpected
from cnam_desk.ui.main_window import MainWindow

__all__ = ["application", "install_error_hook", "open_for_window", "render_screenshot", "report_unexpected", "run_window"]


def application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv or [sys.argv[0]])
        app.setApplicationName("Cnam Desk")
        app.setOrganizationName("Cnam Desk")
        QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
        translator = QTranslator(app)
        # Qt's own words (Annuler, Oui, Non) in French.
        if translator.load(QLocale(QLocale.Language.French), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(translator)
    return app  # type: ignore[return-value]


def open_for_window(target: str, demo: bool) -> Database | None:
    """Open the database for the window; a damaged SQLite file is first offered its latest backup."""
    errors.set_database_target(target)
    path = backup.sqlite_path(target)
    if path is not None and not safety.ensure_sound(None, path):
        return None
    db = open_database(target)
    if demo:
        demo_data.fill(db)
    return db


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
    window.safety.after_start()
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
