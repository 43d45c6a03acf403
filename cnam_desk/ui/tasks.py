"""Long work off the main thread: a generator yielding progress, shown in a progress dialog with Annuler."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

# What a long job yields; defined without Qt so that services can yield it.
from cnam_desk.progress import Progress

__all__ = ["Cancelled", "Progress", "run_with_progress"]


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


def run_with_progress(
    parent: QWidget | None,
    title: str,
    work: Callable[[], Iterator[Progress | Any]],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
    *,
    pool: QThreadPool | None = None,
) -> _Job:
    """Run `work` (a generator function; its return value goes to on_done) on the thread pool.

    The window stays responsive; progress and the result come back through queued signals,
    so no widget is ever touched from the worker.
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
        on_done(result)

    def failed(error: BaseException) -> None:
        dialog.reset()
        dialog.deleteLater()
        on_error(error)

    def cancel() -> None:
        job.cancelled = True

    job.signals.progress.connect(progress, Qt.ConnectionType.QueuedConnection)
    job.signals.finished.connect(finished, Qt.ConnectionType.QueuedConnection)
    job.signals.failed.connect(failed, Qt.ConnectionType.QueuedConnection)
    dialog.canceled.connect(cancel)
    (pool or QThreadPool.globalInstance()).start(job)
    return job
