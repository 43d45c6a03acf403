"""The window's one failure policy: every error of an action or a background job reaches the clerk here.

Refused input is shown as it is; a damaged, locked or full database in one French line;
anything else as an unexpected error with the log file to send (never the values).
"""

from __future__ import annotations

import logging
import sys
import threading
from types import TracebackType

from PySide6.QtWidgets import QApplication, QWidget

from cnam_desk import logs
from cnam_desk.errors import RefusedInput
from cnam_desk.ui import msgbox

_reporting = False


def report_unexpected(error: BaseException, parent: QWidget | None = None) -> None:
    """Tell the clerk about an error: refused input as it is, a database problem in French, a bug with the log."""
    global _reporting
    if isinstance(error, RefusedInput):
        msgbox.warning(parent, "Cnam Desk", str(error))
        return
    path = logs.log_unexpected("fenêtre", (type(error), error, error.__traceback__))
    if _reporting:
        return  # an error while the dialog of another is open: logged, not stacked
    _reporting = True
    try:
        # deferred on purpose: SQLAlchemy, when an error is to be explained
        from cnam_desk import integrity

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


def set_database_target(target: str) -> None:
    """The database the window works on, named in the French explanation of a database error."""
    global _current_target
    _current_target = target
