"""Nothing left behind: purged values and medical words are nowhere in the SQLite file, its WAL or the trail."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from cnam_desk import integrity, personal_data
from cnam_desk.db import audit
from cnam_desk.db.engine import Database
from cnam_desk.db.models import (
    AccommodationRequest,
    AuditEvent,
    RequestKind,
    RequestSource,
    RequestStatus,
    Student,
)
from cnam_desk.errors import NotFound
from cnam_desk.requests import intake
from cnam_desk.schedule import exam_calendar
from tests.requests_support import answer, seed_office, write_export
from tests.test_requests_intake import HEALTH_ANSWERS

NOW = dt.datetime(2021, 1, 10, 9, 0, tzinfo=dt.UTC)
# Values written only on the requests of 2020-2021, that the purge must erase everywhere.
PURGED = {
    "student_number": "100770099",
    "last_name": "Quérésiménil",
    "first_name": "Anaïs-Purgée",
    "email": "anais.purgee@exemple.fr",
    "reason_text": "Mission à Tromsø pour le chantier XJ-4411",
    "comment": "Commentaire confidentiel QW-7788",
    "decision_comment": "Décision motivée ZK-3141",
}
DRAFT = "Brouillon effacé BR-5566"  # a value overwritten before the purge: its old copy must go too


def _files(path: Path) -> bytes:
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def _sqlite(db: Database) -> Path:
    if not db.is_sqlite:
        pytest.skip("fichier SQLite")
    return Path(db.engine.url.database)


def _fill(db: Database) -> tuple[int, int]:
    exam_calendar.set_session(db, "2020-2021/S1/1", dt.date(2021, 1, 18), dt.date(2021, 1, 30), None)
    with db.transaction() as s:
        student = Student(number="100770001", last_name="Gardé", first_name="Kept", email="garde@exemple.fr")
        s.add(student)
        s.flush()
        old = AccommodationRequest(
            session=exam_calendar.find_session(s, "2020-2021/S1/1"), student=None, kind=RequestKind.TRIP,
            received_at=NOW, source=RequestSource.DESK, status=RequestStatus.PENDING,
            **(PURGED | {"comment": DRAFT}),
        )  # fmt: skip
        kept = AccommodationRequest(
            session=exam_calendar.find_session(s, "2023-2024/S1/1"), student=student, student_number="100770001",
            last_name="Gardé", email="garde@exemple.fr", kind=RequestKind.OVERLAP, received_at=NOW,
            source=RequestSource.DESK, reason_text="Deux examens le même jour",
        )  # fmt: skip
        s.add_all([old, kept])
        s.flush()
        ids = old.id, kept.id
    with db.transaction() as s:
        s.get(AccommodationRequest, ids[0]).comment = PURGED["comment"]
    return ids


def test_purge_leaves_no_value_in_file_wal_or_trail(db: Database) -> None:
    path = _sqlite(db)
    _fill(db)
    with db.transaction(write=False) as s:
        trail = json.dumps([[e.before, e.after] for e in s.scalars(select(AuditEvent))], ensure_ascii=False)
    # The trail never held them: it says a personal value was set, not which.
    for value in [*PURGED.values(), DRAFT]:
        assert value not in trail
    assert audit.WITHHELD in trail
    before = _files(path)
    assert all(value.encode() in before for value in PURGED.values())  # the search does find them

    report = personal_data.purge(db, "2023-2024", today=dt.date(2024, 10, 1))
    assert report.counts["requests"] == 1 and report.wiped
    raw = _files(path)
    for value in [*PURGED.values(), DRAFT]:
        assert value.encode() not in raw, value
    assert b"garde@exemple.fr" in raw  # what is kept is still there
    # Nobody's access request hands out a purged value either.
    data = json.dumps(personal_data.student_data(db, "100770001"), ensure_ascii=False)
    assert not any(value in data for value in PURGED.values())
    with pytest.raises(NotFound):  # no request left with the purged number: nothing to hand out
        personal_data.student_data(db, PURGED["student_number"])
    assert integrity.check(path).ok  # the trail is still whole and chained


def test_reused_row_id_does_not_show_the_purged_request_history(db: Database) -> None:
    _sqlite(db)
    _old_id, kept_id = _fill(db)
    with db.transaction() as s:
        s.delete(s.get(AccommodationRequest, kept_id))  # the newest request goes: its id may come back
    personal_data.purge(db, "2023-2024", today=dt.date(2024, 10, 1))
    with db.transaction() as s:
        s.add(Student(number="100770555", last_name="Nouveau"))
        again = AccommodationRequest(
            session=exam_calendar.find_session(s, "2023-2024/S1/1"), student_number="100770555", last_name="Nouveau",
            kind=RequestKind.OVERLAP, received_at=NOW, source=RequestSource.DESK, reason_text="Deux examens",
        )  # fmt: skip
        s.add(again)
        s.flush()
        new_id = again.id
    data = personal_data.student_data(db, "100770555")
    mine = [e for e in data["audit_events"] if e["entity"] == "accommodation_request"]
    assert mine and mine[0]["action"] == "insert" and all(e["entity_id"] == str(new_id) for e in mine)
    assert all(e["at"] >= data["requests"][0]["received_at"][:10] for e in mine)


def test_no_medical_word_in_file_or_wal(db: Database, tmp_path: Path) -> None:
    path = _sqlite(db)
    seed_office(db)
    export = write_export(
        tmp_path / "f.xlsx",
        [answer(str(100001 + i % 4), reason, "NFA031", response_id=i + 1, comment=comment,
                email=f"a{i}@exemple.fr", last_name=f"Nom{i}")
         for i, (reason, comment) in enumerate(HEALTH_ANSWERS)],
    )  # fmt: skip
    intake.import_requests(db, export)
    raw = _files(path).lower()
    words = ["dyslex", "diab", "insuline", "epilep", "épilep", "médecin", "enceinte", "rqth", "majoré", "dyspra",
             "crises", "traitement"]  # fmt: skip
    for word in words:
        assert word.encode() not in raw, word
    assert "motif médical non conservé".encode() in raw
