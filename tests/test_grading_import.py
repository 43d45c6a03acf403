"""Grades from a spreadsheet: columns in any order under title lines, a preview by row, all or nothing."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, select

from cnam_desk.db.models import AuditEvent, GradeChange, GradeCode
from cnam_desk.errors import EditConflict, RefusedInput
from cnam_desk.grading import entry, importing
from cnam_desk.grading.importing import ProblemKind
from tests.results_data import grade, seed

S1 = "2023-2024/S1/1"
S2 = "2023-2024/S1/2"


def workbook(path, rows, title="Notes"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def grades_of(db, key="2023-2024/S1/1", ue="NFA031"):
    return {r.student_number: r.grade for r in entry.sheet_by_keys(db, key, ue).rows}


def test_columns_in_any_order_under_title_lines(db, tmp_path) -> None:
    seed(db)
    path = workbook(tmp_path / "notes.xlsx", [
        ["Conservatoire national des arts et métiers"],
        ["Notes NFA031, session 1"],
        [],
        ["Nom", "Note /20", "Prénom", "N° d'auditeur"],
        ["Martin", "12,5", "Léa", "100"],
        ["Nguyễn", 9.99, "Thị Minh", 101],
        ["Dupont", "abi", "Jean", "102"],
        ["Béranger", None, "Anne-Sophie", "105"],
        ["Łukasiewicz", 20, "Łukasz", "104"],
    ])
    preview = importing.preview_import(db, path, S1, "nfa031")
    assert preview.ok, preview.problems
    assert (len(preview.changes), preview.unchanged, preview.empty) == (4, 0, 1)
    assert grades_of(db)["100"] is None  # nothing saved before confirmation
    assert importing.apply_import(db, preview) == 4
    saved = grades_of(db)
    assert saved["100"] == Decimal("12.5") and saved["101"] == Decimal("9.99")
    assert saved["102"] == GradeCode.ABI and saved["104"] == Decimal("20") and saved["105"] is None
    ref = entry.exam_ref(db, S1, "NFA031")
    history = entry.grade_history(db, ref, entry.sheet_by_keys(db, S1, "NFA031").rows[4].student_id)
    assert history[-1].reason == "import du fichier « notes.xlsx »"
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "import")) == 1
    again = importing.preview_import(db, path, S1, "NFA031")
    assert (len(again.changes), again.unchanged) == (0, 4)


def test_every_problem_is_shown_by_row_and_nothing_is_saved(db, tmp_path) -> None:
    seed(db)
    path = workbook(tmp_path / "notes.xlsx", [
        ["numéro", "note"],
        ["100", "12"],
        ["999", "12"],  # unknown student
        ["101", "21"],  # out of range
        ["102", "12,555"],  # three decimals
        ["103", "20.001"],
        ["104", "douze"],
        ["100", "13"],  # twice, another grade
    ])
    grade(db, S1, "STA001", "100", "10")
    path2 = workbook(tmp_path / "sta.xlsx", [["numéro", "note"], ["105", "11"]])
    preview = importing.preview_import(db, path, S1, "NFA031")
    assert not preview.ok
    kinds = [(p.kind, p.location.row, p.location.column) for p in preview.problems]
    assert kinds == [
        (ProblemKind.UNKNOWN_STUDENT, 3, "A"),
        (ProblemKind.INVALID_GRADE, 4, "B"),
        (ProblemKind.INVALID_GRADE, 5, "B"),
        (ProblemKind.INVALID_GRADE, 6, "B"),
        (ProblemKind.INVALID_GRADE, 7, "B"),
        (ProblemKind.DUPLICATE, 8, "B"),
    ]
    text = preview.problems[1].text
    assert text.startswith("fichier « notes.xlsx », feuille « Notes », ligne 4, colonne B : ")
    assert "entre 0 et 20" in text
    assert "décimales" in preview.problems[2].message
    with pytest.raises(RefusedInput, match="rien n'a été enregistré : fichier « notes.xlsx », feuille « Notes », ligne 3"):
        importing.apply_import(db, preview)
    assert grades_of(db)["100"] is None
    not_enrolled = importing.preview_import(db, path2, S1, "STA001")
    assert [p.kind for p in not_enrolled.problems] == [ProblemKind.NOT_ENROLLED]
    assert "n'est pas inscrit à STA001" in not_enrolled.problems[0].message


def test_ue_column_for_several_units(db, tmp_path) -> None:
    seed(db)
    path = workbook(tmp_path / "toutes.xlsx", [
        ["Code UE", "N° auditeur", "Note"],
        ["nfa031", "100", "14"],
        ["NFA008", "100", "8"],
        ["XYZ999", "100", "8"],
        [None, "101", "8"],
    ])
    preview = importing.preview_import(db, path, S1)
    assert [(p.kind, p.location.row) for p in preview.problems] == [
        (ProblemKind.UNKNOWN_UE, 4), (ProblemKind.MISSING_UE, 5)
    ]
    path = workbook(tmp_path / "ok.xlsx", [["Code UE", "N° auditeur", "Note"], ["nfa031", "100", "14"],
                                           ["NFA008", "100", "8"]])
    preview = importing.preview_import(db, path, S1)
    importing.apply_import(db, preview)
    assert grades_of(db)["100"] == Decimal("14") and grades_of(db, ue="NFA008")["100"] == Decimal("8")
    other = importing.preview_import(db, path, S1, "NFA031")
    assert [p.kind for p in other.problems] == [ProblemKind.OTHER_UE]


def test_without_unit_the_file_is_refused(db, tmp_path) -> None:
    seed(db)
    path = workbook(tmp_path / "n.xlsx", [["numéro", "note"], ["100", "12"]])
    with pytest.raises(RefusedInput, match="aucune colonne UE"):
        importing.preview_import(db, path, S1)
    bad = workbook(tmp_path / "b.xlsx", [["nom", "prénom"], ["x", "y"]])
    with pytest.raises(RefusedInput, match="colonnes introuvables"):
        importing.preview_import(db, bad, S1, "NFA031")


def test_published_grades_are_not_changed_by_an_import(db, tmp_path) -> None:
    seed(db, enrol={"NFA031": ["100", "101"]})
    grade(db, S1, "NFA031", "100", "12")
    grade(db, S1, "NFA031", "101", "8")
    entry.publish_by_keys(db, S1, "NFA031")
    same = workbook(tmp_path / "same.xlsx", [["numéro", "note"], ["100", "12"]])
    assert importing.preview_import(db, same, S1, "NFA031").ok
    changed = workbook(tmp_path / "changed.xlsx", [["numéro", "note"], ["100", "13"], ["101", "9"]])
    preview = importing.preview_import(db, changed, S1, "NFA031")
    assert [p.kind for p in preview.problems] == [ProblemKind.PUBLISHED]


def test_a_grade_changed_after_the_preview_refuses_the_whole_import(db, tmp_path) -> None:
    seed(db)
    path = workbook(tmp_path / "n.xlsx", [["numéro", "note"], ["100", "12"], ["101", "13"]])
    preview = importing.preview_import(db, path, S1, "NFA031")
    grade(db, S1, "NFA031", "101", "5")
    with pytest.raises(EditConflict, match="modifiée par greffier.test"):
        importing.apply_import(db, preview)
    assert grades_of(db)["100"] is None and grades_of(db)["101"] == Decimal("5")


def test_session2_import_only_for_the_session2_list(db, tmp_path) -> None:
    seed(db)
    grade(db, S1, "NFA031", "100", "12")
    grade(db, S1, "NFA031", "101", "7")
    path = workbook(tmp_path / "n.xlsx", [["numéro", "note"], ["100", "15"], ["101", "11"]])
    preview = importing.preview_import(db, path, S2, "NFA031")
    assert [p.kind for p in preview.problems] == [ProblemKind.NOT_ENROLLED]
    assert "liste de session 2" in preview.problems[0].message
    path = workbook(tmp_path / "n2.xlsx", [["numéro", "note"], ["101", "11"]])
    importing.apply_import(db, importing.preview_import(db, path, S2, "NFA031"))
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(GradeChange)) == 3
    existing = workbook(tmp_path / "n3.xlsx", [["numéro", "note"], ["101", "abj"]])
    importing.apply_import(db, importing.preview_import(db, existing, S2, "NFA031"))
    assert grades_of(db, S2)["101"] == GradeCode.ABJ


def test_window_import_lets_a_ue_column_win(db, tmp_path) -> None:
    seed(db)
    path = workbook(tmp_path / "mix.xlsx", [["UE", "numéro", "note"], ["NFA008", "100", "8"], [None, "101", "9"]])
    preview = importing.preview_import(db, path, S1, "NFA031", exam_is_default=True)
    assert preview.ok
    assert sorted((c.ref.ue_code, c.student_number) for c in preview.changes) == [("NFA008", "100"), ("NFA031", "101")]
