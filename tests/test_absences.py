"""Publishing without surprise: the pre-check publish applies, « Marquer les autres ABI », the exam list's progress."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from cnam_desk.db.models import AuditEvent, GradeCode
from cnam_desk.errors import EditConflict, RefusedInput
from cnam_desk.grading import absences, entry
from tests.results_data import grade, seed

S1 = "2023-2024/S1/1"
S2 = "2023-2024/S1/2"


@pytest.fixture
def ref(db):
    seed(db)
    return entry.exam_ref(db, S1, "NFA031")


def grades(db, ref):
    return {row.student_number: row.grade for row in entry.load_sheet(db, ref).rows}


def grade_events(db) -> int:
    with db.transaction(write=False) as s:
        return s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "grade"))


def test_the_pre_check_is_the_refusal_publish_gives(db, ref) -> None:
    for number, value in (("100", "12"), ("101", "8"), ("102", "abj")):
        grade(db, S1, "NFA031", number, value)
    refusal = entry.publication_refusal(db, ref)
    assert refusal is not None and "3 auditeur(s) sans note sur 6" in str(refusal)
    with pytest.raises(RefusedInput) as raised:
        entry.publish(db, ref)
    assert str(raised.value) == str(refusal)
    absences.mark_others_absent(db, ref)
    assert entry.publication_refusal(db, ref) is None
    entry.publish(db, ref)
    assert "déjà publiées" in str(entry.publication_refusal(db, ref))


def test_mark_others_absent_fills_only_empty_grades_in_one_audited_change(db, ref) -> None:
    grade(db, S1, "NFA031", "100", "12")
    grade(db, S1, "NFA031", "101", "abj")
    grade(db, S1, "NFA031", "102", "5")
    grade(db, S1, "NFA031", "102", "")  # cleared: a grade row with no value is still « sans note »
    before = grade_events(db)
    missing = {row.student_number for row in absences.without_grade(db, ref)}
    assert missing == {"102", "103", "104", "105"}
    marking = absences.mark_others_absent(db, ref, expected=4)
    assert marking.count == 4 and all(row.grade == GradeCode.ABI for row in marking.marked)
    assert grades(db, ref) == {
        "100": Decimal("12"), "101": GradeCode.ABJ, "102": GradeCode.ABI, "103": GradeCode.ABI,
        "104": GradeCode.ABI, "105": GradeCode.ABI,
    }
    assert grade_events(db) == before + 4
    history = entry.grade_history(db, ref, marking.marked[0].student_id)
    assert history[-1].new == GradeCode.ABI and history[-1].reason == absences.REASON
    with pytest.raises(RefusedInput, match="rien à marquer"):
        absences.mark_others_absent(db, ref)


def test_a_count_that_changed_since_the_confirmation_writes_nothing(db, ref) -> None:
    grade(db, S1, "NFA031", "100", "12")
    with pytest.raises(EditConflict, match="5 auditeur.* au lieu de 6"):
        absences.mark_others_absent(db, ref, expected=6)
    assert sum(1 for value in grades(db, ref).values() if value is not None) == 1


def test_published_grades_are_not_marked(db, ref) -> None:
    absences.mark_others_absent(db, ref)
    entry.publish(db, ref)
    with pytest.raises(RefusedInput, match="publiées"):
        absences.mark_others_absent(db, ref)


def test_exam_list_says_grades_entered_out_of_enrolled_and_published(db, ref) -> None:
    grade(db, S1, "NFA031", "100", "12")
    grade(db, S1, "NFA031", "101", "8")
    grade(db, S1, "STA001", "100", "abi")
    grade(db, S1, "STA001", "101", "15")
    grade(db, S1, "STA001", "102", "9")
    entry.publish_by_keys(db, S1, "STA001")
    choices = {c.code: c for c in entry.unit_choices(db, S1)}
    assert (choices["NFA031"].graded, choices["NFA031"].enrolled, choices["NFA031"].published) == (2, 6, False)
    assert choices["NFA031"].progress_text == "2/6 notes, non publiées"
    assert choices["STA001"].progress_text == "3/3 notes, publiées"
    assert choices["NFA008"].progress_text == "0/6 notes, non publiées"
    # Session 2: those sent to it (absent or below 10), not every enrolled student.
    second = {c.code: c for c in entry.unit_choices(db, S2)}
    assert second["STA001"].enrolled == 2  # 100 (ABI) and 102 (9)
    assert second["NFA031"].enrolled == 5  # everyone but 100 (12)
    assert second["NFA031"].enrolled == len(entry.sheet_by_keys(db, S2, "NFA031").rows)
