"""Starting the window: the Qt application, French locale, fonts, unexpected errors, screenshots."""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication, QWidget

from cnam_desk import logs
from cnam_desk.database import open_database
from cnam_desk.db.engine import Database
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


_reporting = False


def report_unexpected(error: BaseException, parent: QWidget | None = None) -> None:
    """Tell the clerk about an error: refused input as it is, a database problem in French, a bug with the log."""
    global _reporting
    from cnam_desk import integrity
    from cnam_desk.ui import msgbox

    if isinstance(error, RefusedInput):
        msgbox.warning(parent, "Cnam Desk", str(error))
        return
    path = logs.log_unexpected("fenêtre", (type(error), error, error.__traceback__))
    if _reporting:
        return  # an error while the dialog of another is open: logged, not stacked
    _reporting = True
    try:
        explained = integrity.explain(error, _current_target)
        if explained is not None:
            msgbox.error(parent, "Cnam Desk", explained)
            return
        msgbox.error(
            parent,
            "Erreur inattendue",
            "Une erreur inattendue du programme s'est produite. L'opération en cours a été annulée et rien "
            "n'en a été enregistré ; vous pouvez continuer à travailler.\n\n"
            f"Ce qui s'est passé : {type(error).__name__}.\n\n"
            f"Le détail est dans le journal (sans aucune note ni donnée personnelle) :\n{path}\n\n"
            "Joignez ce fichier à votre signalement.",
            logs.format_error(error),
        )
    except Exception:  # noqa: BLE001 - the dialog itself failed: the log has it
        logging.getLogger("cnam_desk").exception("le message d'erreur n'a pas pu être affiché")
    finally:
        _reporting = False


def install_error_hook() -> None:
    """An unexpected error in the window: logged without values, the clerk told what happened and where the log is."""

    def hook(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        if error.__traceback__ is None:
            error.__traceback__ = trace
        report_unexpected(error, QApplication.activeWindow())

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        # A worker thread cannot show a dialog; ui/tasks.py hands its errors to the window.
        if args.exc_value is not None:
            logs.log_unexpected(f"fil {getattr(args.thread, 'name', '?')}", (args.exc_type, args.exc_value, args.exc_traceback))

    sys.excepthook = hook
    threading.excepthook = thread_hook


_current_target = ""


def open_for_window(target: str, demo: bool) -> Database | None:
    """Open the database for the window; a damaged SQLite file is first offered its latest backup."""
    from cnam_desk import backup
    from cnam_desk.ui import safety

    global _current_target
    _current_target = target
    path = backup.sqlite_path(target)
    if path is not None and not safety.ensure_sound(None, path):
        return None
    db = open_database(target)
    if demo:
        from cnam_desk import demo as demo_data

        demo_data.fill(db)
    return db


def run_window(target: str, demo: bool = False) -> int:
    from cnam_desk import integrity
    from cnam_desk.ui import msgbox
    from cnam_desk.ui.main_window import MainWindow

    app = application()
    logs.configure()
    install_error_hook()
    try:
        db = open_for_window(target, demo)
    except RefusedInput as error:
        msgbox.error(None, "Cnam Desk", str(error))
        return 1
    except Exception as error:  # noqa: BLE001 - the window never opens on a stack trace
        explained = integrity.explain(error, target)
        if explained is None:
            report_unexpected(error)
            return 3
        msgbox.error(None, "Cnam Desk", explained)
        return 1
    if db is None:
        return 1
    logs.log_start(db.engine.dialect.name)
    window = MainWindow(db)
    window.show()
    window.safety.after_start()
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
