"""Long work off the main thread: a generator yielding progress, shown in a progress dialog with Annuler.

One failure policy for every job: the caller may show a cancellation or a refused input in its
own place (`on_error`); anything else, and whatever the caller does not handle, reaches the
clerk through `report_failure`, the same dialogs everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from cnam_desk.errors import RefusedInput

# What a long job yields; defined without Qt so that services can yield it.
from cnam_desk.progress import Progress
from cnam_desk.ui import errors, msgbox

__all__ = ["Cancelled", "Progress", "report_failure", "run_with_progress"]

CANCELLED_TEXT = "Opération annulée : rien n'a été enregistré."


class Cancelled(Exception):
    """The clerk pressed Annuler; the job's transaction is rolled back."""


class _Signals(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Iterator[Progress | Any]]):
        super().__init__()
        self.work = work
        self.signals = _Signals()
        self.cancelled = False

    def run(self) -> None:
        result: Any = None
        try:
            generator = self.work()
            try:
                while True:
                    item = next(generator)
                    if self.cancelled:
                        generator.throw(Cancelled())
                    if isinstance(item, Progress):
                        self.signals.progress.emit(item.done, item.total, item.text)
            except StopIteration as stop:
                result = stop.value
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            self.signals.failed.emit(error)
            return
        self.signals.finished.emit(result)


def report_failure(parent: QWidget | None, title: str, error: BaseException) -> None:
    """How a failed job is told: cancelled, refused (in the service's French words), or unexpected."""
    if isinstance(error, Cancelled):
        msgbox.information(parent, title, CANCELLED_TEXT)
    elif isinstance(error, RefusedInput):
        msgbox.warning(parent, title, str(error))
    else:
        errors.report_unexpected(error, parent)


def run_with_progress(
    parent: QWidget | None,
    title: str,
    work: Callable[[], Iterator[Progress | Any]],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], bool | None] | None = None,
    *,
    pool: QThreadPool | None = None,
    on_end: Callable[[], None] | None = None,
) -> _Job:
    """Run `work` (a generator function; its return value goes to on_done) on the thread pool.

    The window stays responsive; progress and the result come back through queued signals,
    so no widget is ever touched from the worker. `on_end` runs after the job, done or failed.
    A cancelled or refused job goes to `on_error` when given (it returns False to leave the
    error to the common policy); an unexpected error always goes to `report_failure`.
    """
    dialog = QProgressDialog(title, "Annuler", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(400)
    job = _Job(work)

    def progress(done: int, total: int, text: str) -> None:
        dialog.setMaximum(max(total, 0))
        dialog.setValue(min(done, total) if total else 0)
        if text:
            dialog.setLabelText(text)

    def finished(result: Any) -> None:
        dialog.reset()
        dialog.deleteLater()
        if on_end is not None:
            on_end()
        on_done(result)

    def failed(error: BaseException) -> None:
        dialog.reset()
        dialog.deleteLater()
        if on_end is not None:
            on_end()
        expected = isinstance(error, Cancelled | RefusedInput)
        if expected and on_error is not None and on_error(error) is not False:
            return
        report_failure(parent, title, error)

    def cancel() -> None:
        job.cancelled = True

    job.signals.progress.connect(progress, Qt.ConnectionType.QueuedConnection)
    job.signals.finished.connect(finished, Qt.ConnectionType.QueuedConnection)
    job.signals.failed.connect(failed, Qt.ConnectionType.QueuedConnection)
    dialog.canceled.connect(cancel)
    (pool or QThreadPool.globalInstance()).start(job)
    return job
