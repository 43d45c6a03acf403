"""Column widths of every table: sized from contents, one text column takes the spare room, the clerk's widths kept."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QTreeView

from cnam_desk import settings

SAVE_DELAY_MS = 400  # a drag of the handle gives many widths: the last one is written
MAX_FITTED = 420  # a column sized from its contents stays under this; the clerk may widen it
ROWS_MEASURED = 300  # enough rows to judge a width, few enough for 100,000-row tables


class ColumnMemory(QObject):
    """The widths of one table, under its `name`, keyed by column title so a new column moves nothing."""

    def __init__(self, view: QAbstractItemView, name: str, stretch: int | None):
        super().__init__(view)
        self.view = view
        self.name = name
        self.stretch = stretch
        self.header: QHeaderView = view.header() if isinstance(view, QTreeView) else view.horizontalHeader()  # type: ignore[attr-defined]
        self.widths: dict[str, int] = dict(settings.workstation()["column_widths"].get(name, {}))
        self._fitting = False
        self._fitted: set[str] = set()
        self._model = None
        self.header.setStretchLastSection(False)
        self.header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.header.setResizeContentsPrecision(ROWS_MEASURED)
        self.header.sectionResized.connect(self._resized)
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.save)
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self.fit)
        self._alive = True
        self._view_object: QObject = view
        self._viewport: QObject = view.viewport()
        view.destroyed.connect(self._gone)
        self.header.destroyed.connect(self._gone)
        self._viewport.installEventFilter(self)
        view.installEventFilter(self)
        self._watch_model()
        self.fit()

    # --- the model's columns ------------------------------------------------------------------

    def _watch_model(self) -> None:
        model = self.view.model()
        if model is None or model is self._model:
            return
        self._model = model
        for signal in (model.modelReset, model.layoutChanged, model.rowsInserted, model.columnsInserted,
                       model.headerDataChanged):
            signal.connect(self._schedule_fit)

    def _schedule_fit(self, *_args: object) -> None:
        if self._alive:  # a model may outlive its view; Qt drops this slot once the view is gone
            self._fit_timer.start()

    def title(self, column: int) -> str:
        model = self.view.model()
        value = model.headerData(column, self.header.orientation()) if model is not None else None
        return str(value) if value is not None else str(column)

    def stretched(self) -> int:
        """The column given the spare room: the chosen one, else the last."""
        count = self.header.count()
        return self.stretch if self.stretch is not None and self.stretch < count else count - 1

    # --- sizing -------------------------------------------------------------------------------

    def fit(self) -> None:
        """Saved widths first; unsized columns from their contents (once they have rows); the spare room."""
        self._watch_model()
        model = self.view.model()
        if model is None or self.header.count() == 0:
            return
        has_rows = model.rowCount() > 0
        self._fitting = True
        try:
            stretched = self.stretched()
            for column in range(self.header.count()):
                title = self.title(column)
                if title in self.widths:
                    self.header.resizeSection(column, self.widths[title])
                elif column != stretched and title not in self._fitted:
                    wanted = max(self.header.sectionSizeHint(column), self.view.sizeHintForColumn(column))
                    self.header.resizeSection(column, min(wanted, MAX_FITTED))
                    if has_rows:
                        self._fitted.add(title)
            self._fill(stretched)
        finally:
            self._fitting = False

    def _fill(self, column: int) -> None:
        """The stretched column: at least its contents, and all the room the others leave."""
        if column < 0 or self.title(column) in self.widths:
            return
        others = sum(self.header.sectionSize(c) for c in range(self.header.count())
                     if c != column and not self.header.isSectionHidden(c))
        room = self.view.viewport().width() - others
        contents = max(self.header.sectionSizeHint(column), self.view.sizeHintForColumn(column))
        self.header.resizeSection(column, max(room, contents, self.header.minimumSectionSize()))

    # --- the clerk's widths -------------------------------------------------------------------

    def _resized(self, column: int, _old: int, new: int) -> None:
        if self._fitting:
            return
        self.widths[self.title(column)] = new
        self._save_timer.start()

    def save(self) -> None:
        self._save_timer.stop()
        every = dict(settings.workstation()["column_widths"])
        if every.get(self.name) == self.widths:
            return
        every[self.name] = dict(self.widths)
        settings.save_workstation({"column_widths": every})

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        # Compared with the wrappers kept, not asked of the view: it may be half-destroyed already.
        kind = event.type()
        if watched is self._view_object and kind == QEvent.Type.Hide and self._save_timer.isActive():
            self.save()  # the window closes before the delay is over
        elif watched is self._viewport and kind == QEvent.Type.Resize and self._alive:
            self._fitting = True
            try:
                self._fill(self.stretched())
            finally:
                self._fitting = False
        return False

    def _gone(self) -> None:
        self._alive = False


def remember_columns(view: QTableView | QTreeView, name: str, *, stretch: int | None = None) -> ColumnMemory:
    """Size `view`'s columns and keep the widths the clerk gives them, between runs, under `name`.

    `stretch` is the text column that takes the spare room (the last one when None).
    """
    memory = ColumnMemory(view, name, stretch)
    view.setProperty("columnMemory", name)
    return memory
