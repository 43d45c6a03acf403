"""Starting the window: the Qt application, French locale, fonts, unexpected errors, screenshots."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from cnam_desk import logs
from cnam_desk.db.engine import Database, open_database
from cnam_desk.errors import RefusedInput


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


def install_error_hook() -> None:
    """An unexpected error: logged, the clerk told what happened and where the log is."""

    def hook(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        from cnam_desk.ui import msgbox

        path = logs.configure()
        import logging

        logging.getLogger("cnam_desk").error("erreur inattendue", exc_info=(kind, error, trace))
        if isinstance(error, RefusedInput):
            msgbox.warning(None, "Cnam Desk", str(error))
            return
        msgbox.error(
            None,
            "Erreur inattendue",
            "Une erreur inattendue s'est produite ; l'opération en cours a été annulée et rien n'en a été "
            f"enregistré.\n\nLe journal se trouve ici :\n{path}",
            "".join(traceback.format_exception_only(kind, error)),
        )

    sys.excepthook = hook


def open_for_window(target: str, demo: bool) -> Database:
    db = open_database(target)
    if demo:
        from cnam_desk import demo as demo_data

        demo_data.fill(db)
    return db


def run_window(target: str, demo: bool = False) -> int:
    from cnam_desk.ui import msgbox
    from cnam_desk.ui.main_window import MainWindow

    app = application()
    logs.configure()
    try:
        db = open_for_window(target, demo)
    except RefusedInput as error:
        msgbox.error(None, "Cnam Desk", str(error))
        return 1
    install_error_hook()
    window = MainWindow(db)
    window.show()
    return app.exec()


def render_screenshot(target: str, tab: str, out: Path, size: tuple[int, int] = (1280, 800)) -> None:
    from cnam_desk.ui.main_window import MainWindow

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
