"""Every Qt model of the Résultats tab and its dialogs, through pytest-qt's model tester, on realistic data."""

from __future__ import annotations

import openpyxl
import pytest
from PySide6.QtCore import Qt

from cnam_desk.grading import attestations, entry, importing, session2
from cnam_desk.ui.results_dialogs import CheckModel, ProgrammeModel
from cnam_desk.ui.results_models import (
    GradeProxy,
    GradeTableModel,
    HistoryModel,
    PlannedModel,
    ProblemModel,
    RosterModel,
    SortProxy,
)
from tests.results_data import grade, seed, student_id

S1 = "2023-2024/S1/1"


@pytest.fixture
def graded(db):
    """Grades of every kind in NFA031: marks, a decimal, ABI, ABJ, one missing, one corrected."""
    seed(db)
    for number, value in (("100", "12,5"), ("101", "8"), ("102", "abi"), ("103", "abj"), ("104", "15")):
        grade(db, S1, "NFA031", number, value)
    grade(db, S1, "NFA031", "100", "13", reason="erreur de report")
    grade(db, S1, "NFA008", "100", "11")
    return db


def test_grade_table_and_its_proxy(qtmodeltester, graded) -> None:
    model = GradeTableModel()
    model.set_rows(entry.sheet_by_keys(graded, S1, "NFA031").rows)
    assert model.rowCount() == 6
    qtmodeltester.check(model)
    proxy = GradeProxy()
    proxy.setSourceModel(model)
    for column in range(model.columnCount()):
        proxy.sort(column, Qt.SortOrder.DescendingOrder)
        qtmodeltester.check(proxy)
    proxy.set_search("lukas")
    assert proxy.rowCount() == 1
    qtmodeltester.check(proxy)


def test_history(qtmodeltester, graded) -> None:
    sheet = entry.sheet_by_keys(graded, S1, "NFA031")
    model = HistoryModel()
    model.set_rows(entry.grade_history(graded, sheet.ref, student_id(graded, "100")))
    assert model.rowCount() == 2
    qtmodeltester.check(model)


def test_session2_roster_and_its_proxy(qtmodeltester, graded) -> None:
    model = RosterModel()
    model.set_rows(session2.session2_roster(graded, "2023-2024/S1").entries)
    assert model.rowCount() > 3
    qtmodeltester.check(model)
    proxy = SortProxy()
    proxy.setSourceModel(model)
    for column in range(model.columnCount()):
        proxy.sort(column)
        qtmodeltester.check(proxy)
    proxy.setFilterFixedString("nfa031")
    qtmodeltester.check(proxy)


def test_import_preview(qtmodeltester, graded, tmp_path) -> None:
    book = openpyxl.Workbook()
    for row in (["numéro", "note"], ["100", "14"], ["105", "9,5"], ["999", "8"], ["101", "vingt"]):
        book.active.append(row)
    book.save(tmp_path / "notes.xlsx")
    preview = importing.preview_import(graded, tmp_path / "notes.xlsx", S1, "NFA031")
    problems, planned = ProblemModel(), PlannedModel()
    problems.set_rows(preview.problems)
    planned.set_rows(preview.changes)
    assert problems.rowCount() >= 1 and planned.rowCount() >= 1
    qtmodeltester.check(problems)
    qtmodeltester.check(planned)


def test_m1_checks_and_programmes(qtmodeltester, graded) -> None:
    attestations.save_programme(graded, "Master informatique", ["NFA031", "NFA008"], None)
    attestations.save_programme(graded, "Crédits", [], 60)
    grade(graded, S1, "NFA031", "105", "10")
    for number, value in (("101", "9"), ("102", "14"), ("103", "abi"), ("104", "10"), ("105", "7,5")):
        grade(graded, S1, "NFA008", number, value)
    entry.publish_by_keys(graded, S1, "NFA031")
    entry.publish_by_keys(graded, S1, "NFA008")
    checks = CheckModel()
    checks.set_rows(attestations.m1_checks(graded, "100", "2023-2024"))
    assert checks.rowCount() == 2
    assert {checks.index(r, 1).data() for r in range(2)} - {"remplies"}  # one met, one with what is missing
    qtmodeltester.check(checks)
    programmes = ProgrammeModel()
    programmes.set_rows(attestations.list_programmes(graded))
    assert programmes.rowCount() == 2
    qtmodeltester.check(programmes)
