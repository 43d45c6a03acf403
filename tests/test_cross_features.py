"""Features that meet: the schedule and the enrolments feed the requests' checks."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from cnam_desk.db.models import AccommodationRequest
from cnam_desk.frenchdates import paris_instant
from cnam_desk.requests.manual import HandTypedRequest, add_request
from cnam_desk.schedule import enrolments, planning
from tests.requests_support import SCHEDULE, seed_office
from tests.schedule_files import plain_schedule, write_book


def overlap_check(db, request_id: int) -> str | None:
    with db.transaction() as s:
        return s.scalar(select(AccommodationRequest).where(AccommodationRequest.id == request_id)).checks["overlap"]


def test_schedule_import_recomputes_the_overlap_check(db, tmp_path) -> None:
    seed_office(db)
    request_id = add_request(
        db,
        HandTypedRequest(
            session_key="2023-2024/S1/1", student_number="100001", reason_text="Deux examens le même jour à la même heure",
            codes=["NFA031", "NFA008"], received_at=paris_instant(dt.date(2024, 1, 5), dt.time(10, 0)),
        ),
    )
    assert overlap_check(db, request_id) == "confirmed"
    # The corrected schedule moves NFA008 to the next morning: the clash is gone.
    rows = [
        (code, f"Intitulé de {code}", date + dt.timedelta(days=1) if code == "NFA008" else date,
         start if code != "NFA008" else dt.time(9, 0), end if code != "NFA008" else dt.time(12, 0), room, "Paris")
        for code, date, start, end, room in SCHEDULE["2023-2024/S1/1"]
    ]
    path = write_book(tmp_path / "planning-corrige.xlsx", plain_schedule(rows))
    summary = planning.import_schedule(db, path, "2023-2024/S1/1")
    assert summary.updated == 1
    assert overlap_check(db, request_id) == "no_overlap"


def test_enrolment_import_recomputes_the_enrolment_check(db, tmp_path) -> None:
    seed_office(db)
    # Student 100004 is enrolled in NFA031 only: asking about NFA031 and NFA008 is "not enrolled".
    request_id = add_request(
        db,
        HandTypedRequest(
            session_key="2023-2024/S1/1", student_number="100004", reason_text="chevauchement",
            codes=["NFA031", "NFA008"], received_at=paris_instant(dt.date(2024, 1, 5), dt.time(10, 0)),
        ),
    )
    assert overlap_check(db, request_id) == "not_enrolled"
    path = write_book(
        tmp_path / "inscriptions.xlsx",
        [["Numéro d'auditeur", "Nom", "Prénom", "Code UE"], ["100004", "Martin", "Léa", "NFA008"]],
    )
    enrolments.import_enrolments(db, path, "2023-2024")
    assert overlap_check(db, request_id) == "confirmed"
