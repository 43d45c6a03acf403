"""Starting the window: the Qt application, French locale, fonts, unexpected errors, screenshots.

Only Qt is loaded before the window's frame is drawn; the database and the features open behind
it (`cnam_desk.ui.startup`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import PySide6
from PySide6.QtCore import QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtWidgets import QApplication

from cnam_desk import logs
from cnam_desk.errors import RefusedInput
from cnam_desk.ui import errors
from cnam_desk.ui.errors import install_error_hook, report_unexpected
from cnam_desk.ui.main_window import MainWindow

__all__ = [
    "application", "install_error_hook", "install_translations", "render_screenshot", "report_unexpected", "run_window",
]  # fmt: skip

# When the frame gives no sign of being drawn (a window kept hidden), the database opens anyway.
FRAME_WAIT_MS = 500


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


def run_window(target: str, demo: bool = False) -> int:
    """The frame on screen first, then the database and the current tab behind it, then the checks."""
    app = application()
    logs.configure()
    errors.install_error_hook()
    window = MainWindow()
    window.show()
    started = False
    failed: list[int] = []

    def open_database_behind() -> None:
        nonlocal started
        if started:
            return
        started = True
        # deferred on purpose: SQLAlchemy and the features, once the frame is drawn
        from cnam_desk.ui import startup

        try:
            code = startup.open_in(window, target, demo)
        except Exception as error:  # noqa: BLE001 - said and logged, the program ends
            errors.report_unexpected(error)
            code = 3
        if code is not None:  # said over the frame: the program ends with its code
            failed.append(code)
            window.close()
            app.quit()  # the event loop ends (quit, not exit: the code is returned below)

    # Drawn, then opened: the queued call runs once the frame's first painting is on screen.
    window.first_painted.connect(lambda: QTimer.singleShot(0, open_database_behind))
    QTimer.singleShot(FRAME_WAIT_MS, open_database_behind)
    code = app.exec()
    return failed[0] if failed else code


def render_screenshot(target: str, tab: str, out: Path, size: tuple[int, int] = (1280, 800)) -> None:
    # deferred on purpose: SQLAlchemy and the features, for the screenshot command
    from cnam_desk.database import open_database

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
