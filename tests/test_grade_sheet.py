"""The teacher's grade sheet: written, filled in with openpyxl as a teacher would, and read back."""

from __future__ import annotations

import json
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import delete, select

from cnam_desk.database import open_database
from cnam_desk.db.models import CourseUnit, Enrolment, GradeCode, Student
from cnam_desk.errors import RefusedInput
from cnam_desk.grading import entry, grade_sheet, importing
from cnam_desk.schedule import exam_calendar
from tests.results_data import grade, seed

S1 = "2023-2024/S1/1"
S2 = "2023-2024/S1/2"


def _header_row(sheet) -> int:
    for row in sheet.iter_rows():
        if row[0].value == "N° d'auditeur":
            return row[0].row
    raise AssertionError("no header row")


def _fill(path, grades: dict[str, object]) -> None:
    """What a teacher does: type the grades in the Note column, save."""
    book = openpyxl.load_workbook(path)
    sheet = book["Notes"]
    for row in sheet.iter_rows(min_row=_header_row(sheet) + 1):
        number = row[0].value
        if number in grades:
            row[3].value = grades[number]
    book.save(path)


def _grades(db, ue="NFA031", key=S1) -> dict[str, object]:
    return {row.student_number: row.grade for row in entry.sheet_by_keys(db, key, ue).rows}


def test_sheet_lists_the_exam_students_locked_with_a_validated_note_column(db, tmp_path) -> None:
    seed(db)
    path = tmp_path / "notes.xlsx"
    written = grade_sheet.write_grade_sheet(db, S1, "nfa031", path)
    assert (written.ue_code, written.students) == ("NFA031", 6)
    assert not list(tmp_path.glob(".*part"))
    book = openpyxl.load_workbook(path)
    sheet = book["Notes"]
    titles = [sheet.cell(row, 1).value for row in range(1, _header_row(sheet))]
    assert "Épreuve : NFA031 – Programmation Java" in titles
    assert any(t and t.startswith("Session : 2023-2024/S1/1") for t in titles)
    assert any(t and t.startswith("Date : ") and "9h00 – 12h00" in t and "Salle 1" in t for t in titles)
    header = _header_row(sheet)
    assert [c.value for c in sheet[header]] == ["N° d'auditeur", "Nom", "Prénom", "Note"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=header + 1)]
    expected = [(r.student_number, r.last_name, r.first_name) for r in entry.sheet_by_keys(db, S1, "NFA031").rows]
    assert [tuple(r[:3]) for r in rows] == expected
    # Names as text, never formulas; Ł kept.
    hyperlink = next(row for row in sheet.iter_rows(min_row=header + 1) if row[0].value == "103")
    assert hyperlink[1].value == '=HYPERLINK("x")' and hyperlink[1].data_type == "s"
    assert any(r[1] == "Łukasiewicz" for r in rows)
    # Protection: the sheet is protected, identity cells locked, Note cells open.
    assert sheet.protection.sheet
    first = sheet.cell(header + 1, 1)
    assert first.protection.locked and not sheet.cell(header + 1, 4).protection.locked
    (validation,) = sheet.data_validations.dataValidation
    assert validation.type == "custom" and validation.showInputMessage and validation.prompt
    assert "ABI" in validation.formula1 and "ABJ" in validation.formula1 and "ROUND" in validation.formula1
    assert str(validation.sqref) == f"D{header + 1}:D{header + 6}"
    marker = book[grade_sheet.MARKER_SHEET]
    assert marker.sheet_state == "veryHidden"
    assert marker["B2"].value == "NFA031" and marker["B3"].value == S1


def test_names_with_markup_and_formulas_stay_text(db, tmp_path) -> None:
    seed(db)
    with db.transaction() as s:
        year = exam_calendar.find_year(s, "2023-2024")
        unit = s.scalar(select(CourseUnit).where(CourseUnit.code == "STA001"))
        student = Student(number="=1+1", last_name="<b>Łoś</b>", first_name="+33")
        s.add(Enrolment(student=student, course_unit=unit, year=year))
    path = tmp_path / "sta.xlsx"
    grade_sheet.write_grade_sheet(db, S1, "STA001", path)
    sheet = openpyxl.load_workbook(path)["Notes"]
    row = next(r for r in sheet.iter_rows() if r[1].value == "<b>Łoś</b>")
    assert row[0].value == "=1+1" and row[0].data_type == "s" and row[2].value == "+33" and row[2].data_type == "s"


def test_round_trip_without_exam(db, tmp_path) -> None:
    seed(db)
    grade(db, S1, "NFA031", "105", "8")
    path = tmp_path / "notes.xlsx"
    grade_sheet.write_grade_sheet(db, S1, "NFA031", path)
    _fill(path, {"100": "12,5", "101": 14.25, "102": "ABI", "103": "abj", "104": None, "105": 8})
    preview = importing.preview_import(db, path, S1)
    assert preview.ok, preview.problems
    assert preview.grade_sheet and preview.warnings == []
    assert (len(preview.changes), preview.unchanged, preview.empty) == (4, 1, 1)
    assert importing.apply_import(db, preview) == 4
    grades = _grades(db)
    assert grades["100"] == Decimal("12.5") and grades["101"] == Decimal("14.25")
    assert grades["102"] == GradeCode.ABI and grades["103"] == GradeCode.ABJ
    assert grades["104"] is None and grades["105"] == Decimal(8)


def test_sheet_for_another_exam_or_session_is_refused(db, tmp_path) -> None:
    seed(db)
    path = tmp_path / "notes.xlsx"
    grade_sheet.write_grade_sheet(db, S1, "NFA031", path)
    _fill(path, {"100": 12})
    with pytest.raises(RefusedInput) as error:
        importing.preview_import(db, path, S1, "NFA008")
    assert "NFA031" in str(error.value) and "NFA008" in str(error.value) and "\n" not in str(error.value)
    with pytest.raises(RefusedInput) as error:
        importing.preview_import(db, path, S2)
    assert S1 in str(error.value) and S2 in str(error.value)
    assert _grades(db)["100"] is None


def test_roster_changed_since_the_sheet_was_made(db, tmp_path) -> None:
    seed(db)
    path = tmp_path / "notes.xlsx"
    grade_sheet.write_grade_sheet(db, S1, "NFA031", path)
    with db.transaction() as s:
        year = exam_calendar.find_year(s, "2023-2024")
        unit = s.scalar(select(CourseUnit).where(CourseUnit.code == "NFA031"))
        s.add(Enrolment(student=Student(number="106", last_name="Nouveau", first_name="Paul"), course_unit=unit, year=year))
        gone = s.scalar(select(Student.id).where(Student.number == "102"))
        s.execute(delete(Enrolment).where(Enrolment.student_id == gone, Enrolment.course_unit_id == unit.id))
    _fill(path, {"100": "15", "102": "11"})
    preview = importing.preview_import(db, path, S1)
    assert preview.ok, preview.problems
    assert len(preview.warnings) == 2
    added, removed = preview.warnings
    assert "NOUVEAU Paul (106)" in added and "ajouté" in added
    assert "DUPONT Jean (102)" in removed and "plus sur la liste" in removed
    assert importing.apply_import(db, preview) == 1
    grades = _grades(db)
    assert grades["100"] == Decimal(15) and grades["106"] is None and "102" not in grades


def test_ordinary_file_still_needs_an_exam(db, tmp_path) -> None:
    seed(db)
    book = openpyxl.Workbook()
    book.active.append(["N° auditeur", "Note"])
    book.active.append(["100", 12])
    path = tmp_path / "simple.xlsx"
    book.save(path)
    with pytest.raises(RefusedInput, match="aucune colonne UE"):
        importing.preview_import(db, path, S1)
    preview = importing.preview_import(db, path, S1, "NFA031")
    assert preview.ok and preview.grade_sheet is None and preview.warnings == []


def test_cli_grade_sheet_and_import(cli, database_url, tmp_path) -> None:
    db = open_database(database_url)
    seed(db)
    db.dispose()
    out = tmp_path / "feuille.xlsx"
    result = cli("grade-sheet", "--session", S1, "--exam", "NFA031", "--out", str(out), "--json")
    assert result.code == 0, result
    assert json.loads(result.out) == {"file": str(out), "exam": "NFA031", "students": 6}
    _fill(out, {"100": "12,5", "101": "ABI"})
    refused = cli("import-grades", str(out), "--session", S2)
    assert refused.code == 1 and refused.out == "" and len(refused.err.strip().splitlines()) == 1
    assert "NFA031" in refused.err and S2 in refused.err
    result = cli("import-grades", str(out), "--session", S1)
    assert result.code == 0, result
    assert "2 note(s) enregistrée(s)" in result.out
    folder = tmp_path / "feuilles"
    result = cli("grade-sheet", "--session", S1, "--all", "--out", str(folder))
    assert result.code == 0, result
    assert "3 feuille(s) de notes" in result.out
    assert sorted(p.name for p in folder.iterdir()) == [
        "Notes-NFA008-2023-2024-S1-1.xlsx", "Notes-NFA031-2023-2024-S1-1.xlsx", "Notes-STA001-2023-2024-S1-1.xlsx",
    ]
    as_json = cli("grade-sheet", "--session", S1, "--all", "--out", str(tmp_path / "encore"), "--json")
    assert json.loads(as_json.out)["students"] == 15
    missing = cli("grade-sheet", "--session", S1, "--exam", "XXX999", "--out", str(tmp_path / "x.xlsx"))
    assert missing.code == 1 and len(missing.err.strip().splitlines()) == 1
