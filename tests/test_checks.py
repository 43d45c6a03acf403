"""The automatic checks of a request, each rule at its edges, and their recomputation when the schedule changes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from cnam_desk import frenchdates
from cnam_desk.db.models import AccommodationRequest, Exam, RequestKind
from cnam_desk.requests import checks, intake, queue
from cnam_desk.requests.checks import ExamSlot
from cnam_desk.schedule import exam_calendar
from tests.requests_support import answer, seed_office, write_export

DEADLINE = frenchdates.paris_instant(dt.date(2024, 1, 7), dt.time(23, 59))
D = dt.date(2024, 1, 22)


def paris(day: dt.date, hour: int, minute: int, second: int = 0, micro: int = 0) -> dt.datetime:
    return frenchdates.paris_instant(day, dt.time(hour, minute, second, micro))


# --- deadline -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (paris(dt.date(2024, 1, 7), 23, 58, 59), checks.ON_TIME),
        (paris(dt.date(2024, 1, 7), 23, 59, 0), checks.ON_TIME),
        (paris(dt.date(2024, 1, 7), 23, 59, 59), checks.ON_TIME),
        (paris(dt.date(2024, 1, 7), 23, 59, 59, 999_999), checks.ON_TIME),
        (paris(dt.date(2024, 1, 8), 0, 0, 0), checks.LATE),
        (paris(dt.date(2024, 1, 8), 0, 0, 1), checks.LATE),
        (paris(dt.date(2023, 11, 1), 9, 0), checks.ON_TIME),
    ],
)
def test_deadline_to_the_last_second_of_the_minute(received: dt.datetime, expected: str) -> None:
    assert checks.deadline_check(received, DEADLINE, RequestKind.OVERLAP) == expected


def test_deadline_compares_instants_not_wall_clocks() -> None:
    # 23:30 UTC is 00:30 in Paris on the 8th: late.
    assert (
        checks.deadline_check(
            dt.datetime(2024, 1, 7, 23, 30, tzinfo=dt.UTC), DEADLINE, RequestKind.TRIP
        )
        == checks.LATE
    )
    assert (
        checks.deadline_check(
            dt.datetime(2024, 1, 7, 22, 59, 59, tzinfo=dt.UTC), DEADLINE, RequestKind.TRIP
        )
        == checks.ON_TIME
    )


def test_disability_is_exempt_whatever_the_date() -> None:
    late = paris(dt.date(2024, 3, 1), 12, 0)
    assert checks.deadline_check(late, DEADLINE, RequestKind.DISABILITY) == checks.EXEMPT
    assert checks.deadline_check(late, None, RequestKind.DISABILITY) == checks.EXEMPT


def test_session_without_deadline_never_makes_a_request_late() -> None:
    assert (
        checks.deadline_check(paris(dt.date(2030, 1, 1), 0, 0), None, RequestKind.OTHER)
        == checks.ON_TIME
    )


# --- same day, same time ------------------------------------------------------------------------


def slot(
    code: str, day: dt.date, start: int, end: int, start_min: int = 0, end_min: int = 0
) -> ExamSlot:
    return ExamSlot(code, day, dt.time(start, start_min), dt.time(end, end_min))


def test_times_overlap_edges() -> None:
    t = dt.time
    assert checks.times_overlap(D, t(18), t(21), D, t(20, 59), t(23))
    assert not checks.times_overlap(D, t(18), t(21), D, t(21), t(23))  # touching ends
    assert checks.times_overlap(D, t(18), t(21), D, t(18), t(21))
    assert checks.times_overlap(D, t(9), t(17), D, t(12), t(13))  # one inside the other
    assert not checks.times_overlap(D, t(18), t(21), D + dt.timedelta(days=1), t(18), t(21))


def test_overlap_confirmed() -> None:
    named = {"A": slot("A", D, 18, 21), "B": slot("B", D, 20, 23)}
    assert checks.overlap_check(RequestKind.OVERLAP, named, {"A", "B"}) == checks.CONFIRMED


def test_overlap_touching_is_no_overlap() -> None:
    named = {"A": slot("A", D, 18, 21), "B": slot("B", D, 21, 23)}
    assert checks.overlap_check(RequestKind.OVERLAP, named, {"A", "B"}) == checks.NO_OVERLAP


def test_overlap_other_day_is_no_overlap() -> None:
    named = {"A": slot("A", D, 18, 21), "B": slot("B", D + dt.timedelta(days=1), 18, 21)}
    assert checks.overlap_check(RequestKind.OVERLAP, named, {"A", "B"}) == checks.NO_OVERLAP


def test_overlap_exam_not_in_schedule() -> None:
    named = {"A": slot("A", D, 18, 21), "B": None}
    assert checks.overlap_check(RequestKind.OVERLAP, named, {"A", "B"}) == checks.NOT_FOUND
    assert checks.overlap_check(RequestKind.OVERLAP, {}, set()) == checks.NOT_FOUND


def test_overlap_not_enrolled() -> None:
    named = {"A": slot("A", D, 18, 21), "B": slot("B", D, 18, 21)}
    assert checks.overlap_check(RequestKind.OVERLAP, named, {"A"}) == checks.NOT_ENROLLED
    assert checks.overlap_check(RequestKind.OVERLAP, named, set()) == checks.NOT_ENROLLED


def test_overlap_one_exam_named_against_the_students_other_exams() -> None:
    named = {"A": slot("A", D, 18, 21)}
    other = slot("B", D, 19, 22)
    assert checks.overlap_check(RequestKind.OVERLAP, named, {"A", "B"}, [other]) == checks.CONFIRMED
    # The student does not take B: it does not count.
    assert checks.overlap_check(RequestKind.OVERLAP, named, {"A"}, [other]) == checks.NO_OVERLAP


def test_overlap_every_named_exam_must_overlap() -> None:
    named = {"A": slot("A", D, 18, 21), "B": slot("B", D, 19, 22), "C": slot("C", D, 9, 12)}
    assert checks.overlap_check(RequestKind.OVERLAP, named, {"A", "B", "C"}) == checks.NO_OVERLAP


def test_overlap_does_not_apply_to_other_kinds() -> None:
    named = {"A": slot("A", D, 18, 21)}
    for kind in (
        RequestKind.TRIP,
        RequestKind.DISABILITY,
        RequestKind.ATTESTATION,
        RequestKind.OTHER,
    ):
        assert checks.overlap_check(kind, named, {"A"}) is None


# --- proof and trip -------------------------------------------------------------------------------


def test_proof_only_for_trips() -> None:
    assert checks.proof_check(RequestKind.TRIP, True) == checks.PRESENT
    assert checks.proof_check(RequestKind.TRIP, False) == checks.MISSING
    assert checks.proof_check(RequestKind.OVERLAP, False) is None
    assert checks.proof_check(RequestKind.DISABILITY, True) is None


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D, D, True),
        (D - dt.timedelta(days=3), D, True),
        (D, D + dt.timedelta(days=3), True),
        (D + dt.timedelta(days=1), D + dt.timedelta(days=3), False),
        (D - dt.timedelta(days=3), D - dt.timedelta(days=1), False),
        (D, None, True),  # one date only: that one day
        (None, D, True),
        (None, None, None),
    ],
)
def test_trip_covers_exam_edges(start, end, expected) -> None:
    assert checks.trip_covers_exam_check(RequestKind.TRIP, start, end, [D]) is expected


def test_trip_must_cover_every_named_exam() -> None:
    later = D + dt.timedelta(days=5)
    assert (
        checks.trip_covers_exam_check(RequestKind.TRIP, D, D + dt.timedelta(days=1), [D, later])
        is False
    )
    assert checks.trip_covers_exam_check(RequestKind.TRIP, D, later, [D, later]) is True


def test_trip_covers_is_null_without_exam_or_for_other_kinds() -> None:
    assert checks.trip_covers_exam_check(RequestKind.TRIP, D, D, []) is None
    assert checks.trip_covers_exam_check(RequestKind.OVERLAP, D, D, [D]) is None


def test_needs_attention() -> None:
    assert not checks.needs_attention(
        {"deadline": "on_time", "overlap": "confirmed", "proof": None, "trip_covers_exam": None}
    )
    assert checks.needs_attention(
        {"deadline": "late", "overlap": None, "proof": None, "trip_covers_exam": None}
    )
    assert checks.needs_attention(
        {"deadline": "on_time", "overlap": None, "proof": "present", "trip_covers_exam": False}
    )


# --- recomputation ---------------------------------------------------------------------------------


def test_recompute_after_the_schedule_changes(db, tmp_path) -> None:
    seed_office(db)
    path = write_export(
        tmp_path / "f.xlsx",
        [
            answer(),
            answer(
                "100002",
                "Déplacement professionnel à l'étranger",
                "RSX101",
                response_id=2,
                trip_start="24/01/2024",
                trip_end="26/01/2024",
                proof="https://exemple.fr/ordre.pdf",
            ),
        ],
    )
    intake.import_requests(db, path)
    rows = {r.student_number: r for r in queue.list_requests(db, "2023-2024/S1/1")}
    assert rows["100001"].checks["overlap"] == checks.CONFIRMED
    assert rows["100002"].checks["trip_covers_exam"] is True
    assert rows["100001"].version == 1

    # The schedule moves NFA008 to the next morning and RSX101 to the 29th.
    with db.transaction() as s:
        session = exam_calendar.find_session(s, "2023-2024/S1/1")
        for exam in s.scalars(select(Exam).where(Exam.session_id == session.id)):
            if exam.course_unit.code == "NFA008":
                exam.date = dt.date(2024, 1, 24)
            if exam.course_unit.code == "RSX101":
                exam.date = dt.date(2024, 1, 29)
    assert checks.recompute_checks(db, "2023-2024/S1/1") == 2
    rows = {r.student_number: r for r in queue.list_requests(db, "2023-2024/S1/1")}
    assert rows["100001"].checks["overlap"] == checks.NO_OVERLAP
    assert rows["100002"].checks["trip_covers_exam"] is False
    # A clerk who opened them before must look again.
    assert rows["100001"].version == 2
    assert checks.recompute_checks(db, "2023-2024/S1/1") == 0

    # An exam taken off the schedule: not found, and the link to it is gone.
    with db.transaction() as s:
        session = exam_calendar.find_session(s, "2023-2024/S1/1")
        for exam in s.scalars(select(Exam).where(Exam.session_id == session.id)):
            if exam.course_unit.code == "NFA008":
                s.delete(exam)
    checks.recompute_checks(db, "2023-2024/S1/1")
    assert queue.get_row(db, rows["100001"].id).checks["overlap"] == checks.NOT_FOUND


def test_recompute_after_the_deadline_changes(db, tmp_path) -> None:
    seed_office(db)
    path = write_export(tmp_path / "f.xlsx", [answer(completed=dt.datetime(2024, 1, 9, 8, 0))])
    intake.import_requests(db, path)
    assert queue.list_requests(db)[0].checks["deadline"] == checks.LATE
    view = exam_calendar.get_session(db, "2023-2024/S1/1")
    # Changing the deadline recomputes the session's checks in the same transaction.
    exam_calendar.set_session(db, view.key, view.first_day, view.last_day, None)
    assert queue.list_requests(db)[0].checks["deadline"] == checks.ON_TIME
    later = frenchdates.paris_instant(dt.date(2024, 1, 9), dt.time(23, 59))
    exam_calendar.set_session(db, view.key, view.first_day, view.last_day, later)
    assert queue.list_requests(db)[0].checks["deadline"] == checks.ON_TIME
    exam_calendar.set_session(db, view.key, view.first_day, view.last_day, DEADLINE)
    assert queue.list_requests(db)[0].checks["deadline"] == checks.LATE


def test_recompute_on_an_empty_session(db) -> None:
    assert checks.recompute_checks(db, "2023-2024/S2/2") == 0


def test_stored_checks_match_the_rules(db, tmp_path) -> None:
    seed_office(db)
    path = write_export(tmp_path / "f.xlsx", [answer("100004", ues="NFA031, NFA008")])
    intake.import_requests(db, path)
    with db.transaction() as s:
        request = s.scalar(select(AccommodationRequest))
        assert request.checks == {
            "deadline": "on_time",
            "overlap": "not_enrolled",
            "proof": None,
            "trip_covers_exam": None,
        }
