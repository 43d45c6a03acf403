"""Grade entry: the sheet, saving at once with history, optimistic locking, publication and its lock."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from cnam_desk.database import open_database
from cnam_desk.db.models import AuditEvent, Grade, GradeChange, GradeCode
from cnam_desk.errors import RefusedInput
from cnam_desk.grading import entry
from cnam_desk.grading.entry import GradeConflict, GradeEdit
from cnam_desk.grading.rules import ResultCode
from tests.results_data import grade, seed, student_id

S1 = "2023-2024/S1/1"
S2 = "2023-2024/S1/2"


@pytest.fixture
def ref(db):
    seed(db)
    return entry.exam_ref(db, S1, "nfa031")


def test_sheet_lists_enrolled_students_sorted(db, ref) -> None:
    sheet = entry.load_sheet(db, ref)
    assert [row.last_name for row in sheet.rows] == [
        "=HYPERLINK(\"x\")", "Béranger", "Dupont", "Łukasiewicz", "Martin", "Nguyễn"
    ]
    assert all(row.grade is None and row.version == 0 and row.result is None for row in sheet.rows)
    assert not sheet.published
    assert [c.code for c in entry.unit_choices(db, S1)] == ["NFA008", "NFA031", "STA001"]


def test_save_is_immediate_with_history_and_audit(db, ref, database_url) -> None:
    sid = student_id(db, "100")
    row = entry.save_grade(db, ref, sid, Decimal("12.5"), expect_version=0)
    assert (row.grade, row.version, row.result, row.entered_by) == (Decimal("12.5"), 1, ResultCode.ADM, "greffier.test")
    # Saved at once: another connection (another clerk's machine) sees it.
    other = open_database(database_url, clerk="autre")
    seen = {r.student_number: r for r in entry.sheet_by_keys(other, S1, "NFA031").rows}
    assert seen["100"].grade == Decimal("12.5")
    other.dispose()
    row = entry.save_grade(db, ref, sid, GradeCode.ABJ, expect_version=1)
    assert row.result == ResultCode.ABJ and row.version == 2
    history = entry.grade_history(db, ref, sid)
    assert [(h.old, h.new, h.changed_by) for h in history] == [
        (None, Decimal("12.5"), "greffier.test"), (Decimal("12.5"), GradeCode.ABJ, "greffier.test")
    ]
    with db.transaction() as s:
        events = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "grade"))
    assert events == 2


def test_same_value_again_changes_nothing(db, ref) -> None:
    sid = student_id(db, "100")
    entry.save_grade(db, ref, sid, Decimal("12.5"))
    row = entry.save_grade(db, ref, sid, Decimal("12.50"), expect_version=1)
    assert row.version == 1
    assert len(entry.grade_history(db, ref, sid)) == 1


def test_two_clerks_never_overwrite_each_other(db, ref, database_url) -> None:
    sid = student_id(db, "101")
    seen = entry.load_sheet(db, ref).rows[5]
    assert seen.student_number == "101" and seen.version == 0  # Nguyễn, last
    other = open_database(database_url, clerk="marie.curie")
    entry.save_grade(other, ref, sid, Decimal("14"), expect_version=0)
    other.dispose()
    with pytest.raises(GradeConflict) as caught:
        entry.save_grade(db, ref, sid, Decimal("9"), expect_version=seen.version)
    message = str(caught.value)
    assert "marie.curie" in message and "14" in message and "rien n'a été enregistré" in message
    assert caught.value.current is not None and caught.value.current.grade == Decimal("14")
    # Then the clerk, having seen it, can change it.
    row = entry.save_grade(db, ref, sid, Decimal("9"), expect_version=caught.value.current.version)
    assert row.grade == Decimal("9")


def test_clearing_a_grade_keeps_its_history(db, ref) -> None:
    sid = student_id(db, "102")
    entry.save_grade(db, ref, sid, Decimal("7"))
    row = entry.save_grade(db, ref, sid, None)
    assert row.grade is None and row.version == 2
    assert [h.new for h in entry.grade_history(db, ref, sid)] == [Decimal("7"), None]


def test_not_enrolled_is_refused(db) -> None:
    seed(db)
    ref = entry.exam_ref(db, S1, "STA001")
    with pytest.raises(RefusedInput, match="n'est pas inscrit à STA001"):
        entry.save_grade(db, ref, student_id(db, "105"), Decimal("12"))


def test_batch_is_all_or_nothing(db, ref) -> None:
    edits = [GradeEdit(student_id(db, "100"), Decimal("11")), GradeEdit(student_id(db, "101"), Decimal("12"), 5)]
    with pytest.raises(GradeConflict):
        entry.save_grades(db, ref, edits)
    assert all(row.grade is None for row in entry.load_sheet(db, ref).rows)
    rows = entry.save_grades(db, ref, edits[:1] + [GradeEdit(student_id(db, "101"), Decimal("12"), 0)])
    assert [r.grade for r in rows] == [Decimal("11"), Decimal("12")]


def test_publication_needs_every_grade_then_locks(db, ref) -> None:
    numbers = ["100", "101", "102", "103", "104"]
    for number, value in zip(numbers, ["12", "9,99", "abi", "abj", "10"], strict=True):
        grade(db, S1, "NFA031", number, value)
    with pytest.raises(RefusedInput, match="1 auditeur.* sans note.*BÉRANGER Anne-Sophie"):
        entry.publish(db, ref)
    grade(db, S1, "NFA031", "105", "15")
    info = entry.publish(db, ref)
    assert info.published_by == "greffier.test"
    sheet = entry.load_sheet(db, ref)
    assert sheet.published and "publiées le" in sheet.publication.text
    with pytest.raises(RefusedInput, match="déjà publiées"):
        entry.publish(db, ref)
    sid = student_id(db, "101")
    with pytest.raises(RefusedInput, match="indiquez le motif"):
        entry.save_grade(db, ref, sid, Decimal("10"))
    with pytest.raises(RefusedInput, match="indiquez le motif"):
        entry.save_grade(db, ref, sid, Decimal("10"), reason="   ")
    row = entry.save_grade(db, ref, sid, Decimal("10"), reason="erreur de report de la copie")
    assert row.result == ResultCode.ADM
    last = entry.grade_history(db, ref, sid)[-1]
    assert (last.old, last.new, last.reason) == (Decimal("9.99"), Decimal("10"), "erreur de report de la copie")


def test_session2_sheet_holds_the_absent_and_those_below_ten(db) -> None:
    seed(db)
    for number, value in zip(["100", "101", "102", "103", "104"], ["12", "9,99", "abi", "abj", "10"], strict=True):
        grade(db, S1, "NFA031", number, value)
    ref2 = entry.exam_ref(db, S2, "NFA031")
    rows = entry.load_sheet(db, ref2).rows
    assert sorted(r.student_number for r in rows) == ["101", "102", "103", "105"]
    by_number = {r.student_number: r for r in rows}
    assert by_number["101"].session1 == Decimal("9.99") and by_number["101"].result == ResultCode.AJ
    assert by_number["105"].session1 is None and by_number["105"].result is None
    with pytest.raises(RefusedInput, match="pas sur la liste de session 2"):
        entry.save_grade(db, ref2, student_id(db, "100"), Decimal("15"))
    row = entry.save_grade(db, ref2, student_id(db, "101"), Decimal("8"))
    assert row.result == ResultCode.AJ  # sat session 2: its grade
    entry.set_best_of_two(db, True)
    rows = {r.student_number: r for r in entry.load_sheet(db, ref2).rows}
    assert rows["101"].result == ResultCode.AJ  # best of 9.99 and 8
    assert rows["103"].result == ResultCode.ABJ
    row = entry.save_grade(db, ref2, student_id(db, "102"), Decimal("10"))
    assert row.result == ResultCode.ADM
    # A session 1 correction never hides a session 2 grade already entered.
    grade(db, S1, "NFA031", "102", "11")
    assert "102" in {r.student_number for r in entry.load_sheet(db, ref2).rows}


def test_statistics_at_the_edges() -> None:
    grades = [Decimal("9.99"), Decimal("10"), Decimal("20"), Decimal("0"), GradeCode.ABI, GradeCode.ABJ, None]
    stats = entry.grade_statistics(grades)
    assert (stats.enrolled, stats.entered, stats.missing, stats.absent, stats.present, stats.admitted) == (7, 6, 1, 2, 4, 2)
    assert stats.mean == Decimal("10.00")
    assert stats.median == Decimal("10.00")  # (9.99 + 10) / 2 rounded
    assert stats.pass_rate == Decimal("0.5")
    assert stats.histogram[9] == 1 and stats.histogram[10] == 1 and stats.histogram[19] == 1 and stats.histogram[0] == 1
    assert sum(stats.histogram) == 4
    empty = entry.grade_statistics([None, GradeCode.ABI])
    assert empty.mean is None and empty.median is None and empty.pass_rate is None


def test_history_is_not_written_for_nothing(db, ref) -> None:
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(GradeChange)) == 0
        assert s.scalar(select(func.count()).select_from(Grade)) == 0


def test_unknown_names_are_refused(db) -> None:
    seed(db)
    with pytest.raises(RefusedInput, match="UE « XYZ999 » n'existe pas"):
        entry.exam_ref(db, S1, "XYZ999")
    with pytest.raises(RefusedInput, match="numéro « 999 »"):
        entry.set_grade(db, S1, "NFA031", "999", "12")
    with pytest.raises(RefusedInput, match="Note refusée"):
        entry.set_grade(db, S1, "NFA031", "100", "12,555")

