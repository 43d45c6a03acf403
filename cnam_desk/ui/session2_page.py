"""The session 2 page of the Résultats tab."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import (
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cnam_desk.errors import RefusedInput
from cnam_desk.grading import session2
from cnam_desk.progress import Progress
from cnam_desk.schedule import exam_calendar
from cnam_desk.ui import msgbox
from cnam_desk.ui.results_controller import ERROR_STYLE, ResultsController
from cnam_desk.ui.results_models import (
    RosterModel,
    SortProxy,
)
from cnam_desk.ui.table_columns import remember_columns


class Session2Page(QWidget):
    """The session 2 roster of a semester: who, which UE, the session 1 outcome. No convocation."""

    def __init__(self, tab: ResultsController):
        super().__init__(tab)
        self.tab = tab
        self.roster: session2.Roster | None = None
        self.semester_combo = QComboBox(self)
        self.semester_combo.setObjectName("semesterChooser")
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Filtrer (UE, numéro, nom)")
        self.search.setClearButtonEnabled(True)
        self.model = RosterModel(self)
        self.proxy = SortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.view = QTableView(self)
        self.view.setObjectName("rosterView")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.view.setAlternatingRowColors(True)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        remember_columns(self.view, "rosterView", stretch=1)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.summary = QLabel(self)
        self.summary.setObjectName("rosterSummary")
        self.summary.setWordWrap(True)
        # Session 1 exams not published yet: the roster is built on grades that may still change.
        self.warning = QLabel(self)
        self.warning.setObjectName("rosterWarning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(ERROR_STYLE)
        self.warning.setVisible(False)
        self.export_button = QPushButton("Exporter la liste (.xlsx)…", self)
        self.sheets_button = QPushButton("Feuilles d'émargement (PDF)…", self)
        form = QFormLayout()
        form.addRow("Semestre", self.semester_combo)
        top = QHBoxLayout()
        top.addLayout(form)
        top.addWidget(self.search, 1)
        top.addWidget(self.export_button)
        top.addWidget(self.sheets_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.warning)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        self.semester_combo.currentIndexChanged.connect(lambda _i: self.load())
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.export_button.clicked.connect(self.export_xlsx)
        self.sheets_button.clicked.connect(self.attendance_sheets)

    def show_semester(self, semester_key: str) -> None:
        if self.semester_combo.findData(semester_key) < 0:
            keys = sorted({"/".join(view.key.split("/")[:2]) for view in exam_calendar.list_sessions(self.tab.db)})
            self.semester_combo.blockSignals(True)
            self.semester_combo.clear()
            for key in keys:
                year, number = key.split("/")
                self.semester_combo.addItem(f"{year} – semestre {number[1:]}", key)
            self.semester_combo.blockSignals(False)
        index = self.semester_combo.findData(semester_key)
        if index != self.semester_combo.currentIndex():
            self.semester_combo.setCurrentIndex(index)
        else:
            self.load()

    def load(self) -> None:
        key = self.semester_combo.currentData()
        if not key:
            return
        self.roster = session2.session2_roster(self.tab.db, key)
        self.model.set_rows(self.roster.entries)
        units = len(self.roster.by_unit())
        self.summary.setText(
            f"<b>{self.roster.title}</b> : {len(self.roster.entries)} inscription(s) à l'épreuve dans {units} UE "
            f"(absents de la session 1 ou moins de 10/20). {session2.NO_CONVOCATION}"
        )
        self.warning.setText(self.roster.warning)
        self.warning.setVisible(bool(self.roster.warning))

    def _confirmed(self, what: str) -> bool:
        """Before a file is written from an unfinished roster, the clerk agrees to it knowingly."""
        if self.roster is None:
            return False
        if not self.roster.warning:
            return True
        return msgbox.question(self, "Session 2", f"{self.roster.warning}\n\n{what} quand même ?")

    def export_xlsx(self) -> None:
        if self.roster is None or not self._confirmed("Exporter la liste de session 2"):
            return
        name = f"session2-{msgbox.session_name(self.roster.semester_key)}.xlsx"
        path = self.tab.ask_save_path("Liste de session 2", name, "Classeur Excel (*.xlsx)")
        if not path:
            return
        try:
            session2.write_roster_xlsx(self.roster, path)
        except RefusedInput as refused:
            self.tab.show_error(str(refused))
            return
        self.tab.show_info(f"Liste de session 2 écrite : {path}.")

    def attendance_sheets(self) -> None:
        roster = self.roster
        if roster is None or not self._confirmed("Écrire les feuilles d'émargement de session 2"):
            return
        name = f"emargement-session2-{msgbox.session_name(roster.semester_key)}.pdf"
        path = self.tab.ask_save_path("Feuilles d'émargement de session 2", name, "PDF (*.pdf)")
        if not path:
            return

        from cnam_desk.grading import paper  # deferred: reportlab, when the sheets are written

        def work() -> Iterator[Any]:
            yield Progress(0, 0, "Préparation des feuilles d'émargement…")
            return paper.write_roster_attendance(self.tab.db, roster, path)

        self.tab.run_job("Feuilles d'émargement", work,
                         lambda pages: self.tab.show_info(f"Feuilles d'émargement écrites ({pages} page(s)) : {path}."))

