"""Double entry of grades: the second entry imported or typed, disagreements, settling them, publication, the setting."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select

from cnam_desk import personal_data
from cnam_desk.database import open_database
from cnam_desk.db.models import AuditEvent, GradeCode
from cnam_desk.errors import EditConflict, RefusedInput
from cnam_desk.grading import double_entry, entry, grade_sheet, importing
from tests.results_data import grade, seed, student_id

S1 = "2023-2024/S1/1"
NUMBERS = ["100", "101", "102", "103", "104", "105"]
FIRST = {"100": "12,5", "101": "8", "102": "ABI", "103": "ABJ", "104": "15", "105": "0"}


def _first_entry(db) -> None:
    for number, value in FIRST.items():
        grade(db, S1, "NFA031", number, value)


def _sheet_file(path, rows) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Notes"
    sheet.append(["Relevé de NFA031, seconde saisie"])
    sheet.append(["N° auditeur", "Note"])
    for row in rows:
        sheet.append(list(row))
    book.save(path)


def _rows(db, ue="NFA031"):
    return {row.student_number: row for row in entry.sheet_by_keys(db, S1, ue).rows}


def _import_second(db, path, exam="NFA031") -> importing.GradeImportPreview:
    preview = importing.preview_import(db, path, S1, exam, second_entry=True)
    assert preview.ok, preview.problems
    importing.apply_import(db, preview)
    return preview


def test_rules_compare_codes_as_codes_and_marks_as_numbers() -> None:
    from cnam_desk.grading import rules

    assert not rules.entries_disagree(Decimal("12.5"), Decimal("12.50"))
    assert not rules.entries_disagree(GradeCode.ABI, GradeCode.ABI)
    assert rules.entries_disagree(GradeCode.ABI, GradeCode.ABJ)
    assert rules.entries_disagree(GradeCode.ABI, Decimal(0))
    assert rules.entries_disagree(Decimal("12.5"), Decimal("12.25"))
    assert not rules.entries_disagree(None, Decimal(12)) and not rules.entries_disagree(Decimal(12), None)


def test_second_entry_imported_beside_the_first_with_its_disagreements(db, tmp_path) -> None:
    seed(db)
    _first_entry(db)
    versions = {n: r.version for n, r in _rows(db).items()}
    path = tmp_path / "seconde.xlsx"
    # 12.50 is 12,5; abi is ABI; 104 mistyped; 103 ABI instead of ABJ; 105 not typed yet.
    _sheet_file(path, [("100", "12.50"), ("101", 8), ("102", "abi"), ("103", "ABI"), ("104", "16")])
    preview = _import_second(db, path)
    assert preview.second_entry and len(preview.changes) == 5
    assert all(change.old is None for change in preview.changes)  # the first entry is never shown
    assert preview.mismatches == 2
    rows = _rows(db)
    assert {n: r.grade for n, r in rows.items()}["104"] == Decimal(15)  # the first entry is untouched
    assert {n: r.version for n, r in rows.items()} == versions  # and so is its version
    json_rows = {n: r.as_json() for n, r in rows.items()}
    assert (json_rows["100"]["second_entry"], json_rows["100"]["mismatch"]) == (12.5, False)
    assert (json_rows["102"]["second_entry"], json_rows["102"]["mismatch"]) == ("ABI", False)
    assert (json_rows["103"]["second_entry"], json_rows["103"]["mismatch"]) == ("ABI", True)
    assert (json_rows["104"]["second_entry"], json_rows["104"]["mismatch"]) == (16, True)
    assert (json_rows["105"]["second_entry"], json_rows["105"]["mismatch"]) == (None, False)
    # The same file again changes nothing; with a changed value, only that one.
    again = importing.preview_import(db, path, S1, "NFA031", second_entry=True)
    assert (len(again.changes), again.unchanged) == (0, 5)


def test_second_entry_before_the_first_and_the_teachers_sheet(db, tmp_path) -> None:
    seed(db)
    path = tmp_path / "feuille.xlsx"
    grade_sheet.write_grade_sheet(db, S1, "NFA031", path)
    book = openpyxl.load_workbook(path)
    sheet = book["Notes"]
    for row in sheet.iter_rows():
        if row[0].value == "100":
            row[3].value = 11
    book.save(path)
    preview = importing.preview_import(db, path, S1, second_entry=True)
    assert preview.ok and preview.grade_sheet and len(preview.changes) == 1
    importing.apply_import(db, preview)
    row = _rows(db)["100"]
    assert (row.grade, row.second_entry, row.mismatch, row.version) == (None, Decimal(11), False, 0)
    grade(db, S1, "NFA031", "100", "11,5")
    assert _rows(db)["100"].mismatch


def test_settling_keeps_both_values_in_the_history(db, tmp_path) -> None:
    seed(db)
    _first_entry(db)
    path = tmp_path / "seconde.xlsx"
    _sheet_file(path, [("104", "16"), ("103", "ABI")])
    _import_second(db, path)
    ref = entry.exam_ref(db, S1, "NFA031")
    before, after = double_entry.settle_by_keys(db, S1, "NFA031", "104", "16")
    assert (before.grade, before.second_entry) == (Decimal(15), Decimal(16))
    assert (after.grade, after.second_entry, after.mismatch) == (Decimal(16), Decimal(16), False)
    last = entry.grade_history(db, ref, student_id(db, "104"))[-1]
    assert last.settlement and last.changed_by == "greffier.test"
    assert (last.old, last.second_entry, last.new) == (Decimal(15), Decimal(16), Decimal(16))
    assert "1re saisie 15" in last.reason and "2de saisie 16" in last.reason
    # The student's right of access holds both entries and the settlement.
    held = personal_data.student_data(db, "104")
    assert held["second_entries"][0]["value"] == "16.00" and held["second_entries"][0]["ue"] == "NFA031"
    settlement = held["grades"][0]["history"][-1]
    assert (settlement["kind"], settlement["old"], settlement["second_entry"], settlement["new"]) == (
        "settlement", "15", "16", "16")
    assert "grade_second_entry" in {event["entity"] for event in held["audit_events"]}
    # Neither value may be right: the copy says otherwise.
    settled = double_entry.settle(db, ref, student_id(db, "103"), GradeCode.ABJ)
    assert (settled.grade, settled.second_entry, settled.mismatch) == (GradeCode.ABJ, GradeCode.ABJ, False)
    with pytest.raises(RefusedInput) as nothing:
        double_entry.settle_by_keys(db, S1, "NFA031", "100", "12")
    assert "Rien à trancher" in str(nothing.value) and "une seule saisie" in str(nothing.value)
    with pytest.raises(RefusedInput):
        double_entry.settle_by_keys(db, S1, "NFA031", "104", "")


def test_publication_waits_for_every_disagreement_settled(db, tmp_path) -> None:
    seed(db)
    _first_entry(db)
    path = tmp_path / "seconde.xlsx"
    _sheet_file(path, [("104", "16"), ("103", "ABI"), ("100", "12,5")])
    _import_second(db, path)
    ref = entry.exam_ref(db, S1, "NFA031")
    with pytest.raises(RefusedInput) as refused:
        entry.publish(db, ref)
    text = str(refused.value)
    assert "2 désaccord(s)" in text and "ŁUKASIEWICZ Łukasz (104)" in text and "(103)" in text
    assert "(100)" not in text and "\n" not in text
    assert entry.publication_of(db, ref) is None
    double_entry.settle_by_keys(db, S1, "NFA031", "104", "15")
    with pytest.raises(RefusedInput) as refused:
        entry.publish(db, ref)
    assert "1 désaccord(s)" in str(refused.value) and "(104)" not in str(refused.value)
    double_entry.settle_by_keys(db, S1, "NFA031", "103", "ABJ")
    assert entry.publish(db, ref).published_by == "greffier.test"


def test_the_setting_requires_every_second_entry(db, tmp_path) -> None:
    seed(db)
    _first_entry(db)
    ref = entry.exam_ref(db, S1, "NFA031")
    assert double_entry.required(db) is False
    double_entry.set_required(db, True)
    assert double_entry.required(db) is True
    path = tmp_path / "seconde.xlsx"
    _sheet_file(path, [("100", "12,5"), ("101", "8"), ("102", "ABI"), ("103", "ABJ")])
    _import_second(db, path)
    with pytest.raises(RefusedInput) as refused:
        entry.publish(db, ref)
    text = str(refused.value)
    assert "double saisie est obligatoire" in text and "2 note(s)" in text
    assert "(104)" in text and "(105)" in text and "(100)" not in text
    double_entry.set_required(db, False)
    assert entry.publish(db, entry.exam_ref(db, S1, "NFA031")) is not None


def test_the_setting_off_publishes_without_second_entries(db) -> None:
    seed(db)
    _first_entry(db)
    assert entry.publish(db, entry.exam_ref(db, S1, "NFA031")) is not None


def test_typed_second_entries_conflicts_and_lock(db, database_url) -> None:
    seed(db)
    _first_entry(db)
    ref = entry.exam_ref(db, S1, "NFA031")
    sid = student_id(db, "101")
    first_version = _rows(db)["101"].version
    (row,) = double_entry.save_second_entries(db, ref, [double_entry.SecondEdit(sid, Decimal(9), 0)])
    assert (row.second_entry, row.second_version, row.mismatch, row.version) == (Decimal(9), 1, True, first_version)
    other = open_database(database_url, clerk="marie.curie")
    double_entry.save_second_entries(other, ref, [double_entry.SecondEdit(sid, Decimal(8), 1)])
    other.dispose()
    with pytest.raises(EditConflict) as stale:
        double_entry.save_second_entries(db, ref, [double_entry.SecondEdit(sid, Decimal(7), 1)])
    assert "marie.curie" in str(stale.value) and "seconde saisie" in str(stale.value)
    assert "vaut maintenant 8" in str(stale.value)
    not_enrolled = student_id(db, "103")
    with pytest.raises(RefusedInput):
        double_entry.save_second_entries(db, entry.exam_ref(db, S1, "STA001"),
                                         [double_entry.SecondEdit(not_enrolled, Decimal(7))])
    rows = _rows(db)
    double_entry.save_second_entries(
        db, ref, [double_entry.SecondEdit(rows[n].student_id, rows[n].grade) for n in ("100", "101", "102", "103", "104", "105")]
    )
    entry.publish(db, ref)
    with pytest.raises(RefusedInput) as closed:
        double_entry.save_second_entries(db, ref, [double_entry.SecondEdit(sid, Decimal(9))])
    assert "publiées" in str(closed.value)
    # A correction after publication, with its reason, is the settled value: the second entry follows.
    entry.set_grade(db, S1, "NFA031", "104", "16", reason="copie recomptée")
    row = _rows(db)["104"]
    assert (row.grade, row.second_entry, row.mismatch) == (Decimal(16), Decimal(16), False)


def test_second_entry_import_of_a_published_exam_is_refused(db, tmp_path) -> None:
    seed(db)
    _first_entry(db)
    entry.publish(db, entry.exam_ref(db, S1, "NFA031"))
    path = tmp_path / "seconde.xlsx"
    _sheet_file(path, [("100", "13")])
    preview = importing.preview_import(db, path, S1, "NFA031", second_entry=True)
    assert [p.kind for p in preview.problems] == [importing.ProblemKind.PUBLISHED]
    assert "double saisie est close" in preview.problems[0].message


def test_the_trail_holds_second_entries_as_it_holds_grades(db, tmp_path) -> None:
    seed(db)
    _first_entry(db)
    ref = entry.exam_ref(db, S1, "NFA031")
    double_entry.save_second_entries(db, ref, [double_entry.SecondEdit(student_id(db, "104"), Decimal(16))])
    path = tmp_path / "seconde.xlsx"
    _sheet_file(path, [("101", "9")])
    _import_second(db, path)
    with db.transaction() as s:
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.entity == "grade_second_entry")))
    inserted = [e for e in events if e.action == "insert"]
    imported = [e for e in events if e.action == "import"]
    assert len(inserted) == 1 and Decimal(inserted[0].after["value"]) == 16
    assert len(imported) == 1 and imported[0].after["second_entries"] == 1
    text = str([(e.before, e.after) for e in events])
    assert "Łukasiewicz" not in text and "Nguyễn" not in text


def test_upgrade_from_0008_keeps_grades_and_their_history(tmp_path) -> None:
    from alembic import command
    from sqlalchemy import text

    from cnam_desk.db import migrate
    from cnam_desk.db.engine import make_engine
    from tests.conftest import POSTGRES_URL, reset_postgres

    url = POSTGRES_URL or f"sqlite:///{tmp_path / 'old.sqlite3'}"
    if POSTGRES_URL:
        reset_postgres(url)
    engine = make_engine(url)
    migrate.upgrade(engine, "0008")
    with engine.begin() as connection:
        connection.execute(text("insert into academic_year (id, label, start_year) values (1, '2023-2024', 2023)"))
        connection.execute(text("insert into semester (id, year_id, number) values (1, 1, 1)"))
        connection.execute(text("insert into exam_session (id, semester_id, number, first_day, last_day, version) "
                                "values (1, 1, 1, '2024-01-22', '2024-02-03', 1)"))
        connection.execute(text("insert into course_unit (id, code, title, version) values (1, 'NFA031', 'Java', 1)"))
        connection.execute(text("insert into student (id, number, last_name, first_name, email, postal_address, version) "
                                "values (1, '100', 'Martin', 'Léa', '', '', 1)"))
        connection.execute(text("insert into grade (id, session_id, course_unit_id, student_id, value, entered_at, "
                                "entered_by, version) values (1, 1, 1, 1, 12.5, '2024-02-05 10:00:00', 'x', 1)"))
        connection.execute(text("insert into grade_change (id, grade_id, changed_at, changed_by, old, new, reason) "
                                "values (1, 1, '2024-02-05 10:00:00', 'x', null, '12.5', '')"))
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.HEAD == "0009"
    with engine.connect() as connection:
        assert connection.execute(text("select kind, second_entry from grade_change")).one() == ("entry", None)
        assert connection.execute(text("select count(*) from grade_second_entry")).scalar_one() == 0
    config = migrate.alembic_config(engine)  # and back
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")
    with engine.connect() as connection:
        assert connection.execute(text("select count(*) from grade_change")).scalar_one() == 1
    engine.dispose()
