"""Personal data: a student's right of access (student-data) and the purge of old requests, letters and proofs."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cnam_desk import personal_data
from cnam_desk.db import audit
from cnam_desk.db.engine import Database
from cnam_desk.db.models import (
    AccommodationRequest,
    Arrangement,
    Attestation,
    AttestationKind,
    AuditEvent,
    CourseUnit,
    Enrolment,
    Grade,
    GradeChange,
    Letter,
    OfficeSetting,
    Proof,
    RequestedExam,
    RequestEvent,
    RequestKind,
    RequestReceipt,
    RequestSource,
    RequestStatus,
    Student,
)
from cnam_desk.errors import NotFound, RefusedInput
from cnam_desk.schedule import exam_calendar

NUMBER = "10077001"
SECRET = b"%PDF-1.4 JUSTIFICATIF-MISSION-BERLIN-7f3a9c"
NOW = dt.datetime(2024, 10, 1, 9, 0, tzinfo=dt.UTC)


def _request(s, session_key: str, student: Student | None, number: str, reference: str) -> AccommodationRequest:  # noqa: ANN001
    session = exam_calendar.find_session(s, session_key)
    request = AccommodationRequest(
        session=session, student=student, student_number=number, last_name="Lefèvre-Dupré", first_name="Zoë",
        email="zoe@exemple.fr", kind=RequestKind.TRIP, reason_text="Mission à Berlin", received_at=NOW,
        source=RequestSource.FORM, status=RequestStatus.ACCEPTED, decided_at=NOW, decided_by="greffier.test",
    )
    request.exams.append(RequestedExam(ue_code="NFA031"))
    request.receipts.append(RequestReceipt(received_at=NOW, source=RequestSource.FORM, form_response_id="42", content_hash="h" * 64))
    request.arrangements.append(Arrangement(ue_code="NFA031", date=session.first_day, start=dt.time(18), end=dt.time(21), room="Salle 31.1.25"))
    request.proofs.append(Proof(file_name="ordre-de-mission.pdf", media_type="application/pdf", size=len(SECRET), sha256="0" * 64, content=SECRET, added_at=NOW))
    request.letters.append(Letter(reference=reference, decision=RequestStatus.ACCEPTED, generated_at=NOW, print_count=1, printed_at=NOW))
    request.events.append(RequestEvent(at=NOW, clerk="greffier.test", action="decided", text="Acceptée"))
    s.add(request)
    return request


@pytest.fixture
def office(db: Database) -> Database:
    return fill_office(db)


def fill_office(db: Database) -> Database:
    """Requests of 2020-2021, 2021-2022, 2022-2023 and 2023-2024, grades, an attestation; a stranger's request."""
    for start in (2020, 2021, 2022):
        exam_calendar.set_session(db, f"{start}-{start + 1}/S1/1", dt.date(start + 1, 1, 18), dt.date(start + 1, 1, 30), None)
    with db.transaction() as s:
        student = Student(number=NUMBER, last_name="Lefèvre-Dupré", first_name="Zoë", email="zoe@exemple.fr", postal_address="3 rue des Écoles\n75005 Paris")
        other = Student(number="10077002", last_name="Martin", first_name="Hugo")
        unit = CourseUnit(code="NFA031", title="Programmation avec Java")
        s.add_all([student, other, unit])
        s.flush()
        year = exam_calendar.find_year(s, "2023-2024")
        s.add(Enrolment(student=student, course_unit=unit, year=year))
        for index, key in enumerate(["2020-2021/S1/1", "2021-2022/S1/1", "2022-2023/S1/1", "2023-2024/S1/1"]):
            _request(s, key, student, NUMBER, f"L-{index}")
        _request(s, "2020-2021/S1/1", other, "10077002", "L-other")
        _request(s, "2023-2024/S1/1", None, NUMBER, "L-nostudent")  # the student row may not exist yet for a request
        grade = Grade(session=exam_calendar.find_session(s, "2023-2024/S1/1"), course_unit=unit, student=student,
                      value=Decimal("12.50"), entered_at=NOW, entered_by="greffier.test")
        grade.history.append(GradeChange(changed_at=NOW, changed_by="greffier.test", old=None, new="12.50", reason=""))
        s.add(grade)
        s.add(Attestation(student=student, year=year, kind=AttestationKind.SUCCESS, reference="A-1", issued_at=NOW, issued_by="greffier.test"))
    return db


def test_student_data_holds_everything(office: Database) -> None:
    data = personal_data.student_data(office, NUMBER)
    assert data["identity"]["last_name"] == "Lefèvre-Dupré" and "Écoles" in data["identity"]["postal_address"]
    assert data["enrolments"] == [{"ue": "NFA031", "title": "Programmation avec Java", "year": "2023-2024"}]
    assert len(data["requests"]) == 5  # four linked to the student, one by the number written on the form
    first = data["requests"][0]
    assert first["ues"] == ["NFA031"] and first["receipts"][0]["form_response_id"] == "42"
    assert first["proofs"][0]["file_name"] == "ordre-de-mission.pdf" and first["proofs"][0]["content_kept"] is True
    assert first["letters"][0]["print_count"] == 1
    assert first["arrangements"][0]["room"] == "Salle 31.1.25"
    assert first["history"] == [{"at": NOW.isoformat(), "clerk": "greffier.test", "action": "decided", "text": "Acceptée"}]
    assert data["grades"][0]["value"] == "12.50" and data["grades"][0]["history"][0]["new"] == "12.50"
    assert data["attestations"][0]["reference"] == "A-1"
    entities = {event["entity"] for event in data["audit_events"]}
    assert {"student", "enrolment", "accommodation_request", "proof", "letter", "grade", "attestation"} <= entities
    assert "Martin" not in json.dumps(data, ensure_ascii=False)  # nothing about anyone else
    json.dumps(data)  # all of it is plain JSON


def test_student_data_of_nobody(office: Database) -> None:
    with pytest.raises(NotFound):
        personal_data.student_data(office, "99999999")


def test_student_data_command(cli, office: Database, tmp_path: Path) -> None:
    out = tmp_path / "Zoë.json"
    done = cli("student-data", NUMBER, "--out", str(out))
    assert done.code == 0, done
    assert "5 demandes" in done.out
    assert json.loads(out.read_text(encoding="utf-8"))["student_number"] == NUMBER
    missing = cli("student-data", "99999999", "--out", str(tmp_path / "x.json"))
    assert missing.code == 1 and "99999999" in missing.err and not (tmp_path / "x.json").exists()


def _counts(db: Database) -> dict[str, int]:
    with db.transaction(write=False) as s:
        return {
            model.__tablename__: s.scalar(select(func.count()).select_from(model))
            for model in (AccommodationRequest, Letter, Proof, Arrangement, RequestReceipt, RequestedExam, RequestEvent,
                          Grade, Attestation, Student)
        }


def test_purge_respects_both_year_and_retention(office: Database) -> None:
    before = _counts(office)
    today = dt.date(2024, 10, 1)  # academic year 2024-2025: with 2 years of retention, 2021-2022 and older may go
    dry = personal_data.purge(office, "2023-2024", dry_run=True, today=today)
    assert _counts(office) == before
    assert dry.purged_years == ["2020-2021", "2021-2022"] and dry.kept_years == ["2022-2023"]
    assert dry.counts["requests"] == 3 and dry.counts["letters"] == 3 and dry.counts["proofs"] == 3
    report = personal_data.purge(office, "2023-2024", today=today)
    assert report.as_json() | {"dry_run": True} == dry.as_json()
    after = _counts(office)
    for table in ("accommodation_request", "letter", "proof", "arrangement", "request_receipt", "requested_exam", "request_event"):
        assert after[table] == before[table] - 3, table
    assert after["grade"] == before["grade"] and after["attestation"] == before["attestation"] and after["student"] == before["student"]
    with office.transaction(write=False) as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "purge")).one()
        assert event.after["requests"] == 3
        # The purged rows are not copied into the audit trail by the purge itself.
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "delete")) == 0
    again = personal_data.purge(office, "2023-2024", today=today)
    assert again.counts["requests"] == 0


def test_retention_setting(office: Database) -> None:
    today = dt.date(2024, 10, 1)
    with office.transaction() as s:
        s.add(OfficeSetting(key=personal_data.RETENTION_SETTING, value=3))
    report = personal_data.purge(office, "2030", dry_run=True, today=today)
    assert report.purged_years == ["2020-2021"] and report.retention_years == 3
    with office.transaction() as s:
        s.get(OfficeSetting, personal_data.RETENTION_SETTING).value = "toujours"
    with pytest.raises(RefusedInput) as refused:
        personal_data.purge(office, "2030", dry_run=True, today=today)
    assert "retention_years" in str(refused.value)


def test_purge_is_all_or_nothing(office: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _counts(office)

    def fail(*_args, **_kwargs) -> None:  # noqa: ANN002, ANN003
        raise OSError("disque plein")

    monkeypatch.setattr(audit, "record", fail)
    with pytest.raises(OSError):
        personal_data.purge(office, "2023-2024", today=dt.date(2024, 10, 1))
    assert _counts(office) == before


def test_purged_proofs_leave_no_trace_in_the_file(office: Database) -> None:
    if not office.is_sqlite:
        pytest.skip("fichier SQLite")
    personal_data.purge(office, "2023", today=dt.date(2030, 10, 1))
    with office.transaction(write=False) as s:
        remaining = s.scalar(select(func.count()).select_from(Proof))
    assert remaining == 2  # 2023-2024: kept, asked to purge only before 2023-2024
    personal_data.purge(office, "2030", today=dt.date(2030, 10, 1))
    path = Path(office.engine.url.database)
    office.dispose()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    assert SECRET not in path.read_bytes()


@pytest.mark.parametrize("year", ["23", "2023-2025", "l'an dernier", "2023/2024 ", "2023 - 2024"])
def test_purge_year_format(year: str) -> None:
    if year.strip() in ("2023/2024", "2023 - 2024"):
        assert personal_data.parse_before(year) == 2023
    else:
        with pytest.raises(RefusedInput):
            personal_data.parse_before(year)


def test_purge_command(cli, office: Database) -> None:
    dry = cli("purge", "--before", "2022-2023", "--dry-run", "--json")
    assert dry.code == 0, dry
    report = json.loads(dry.out)
    assert set(report) >= {"before", "retention_years", "dry_run", "purged_years", "kept_years", "requests", "letters",
                           "proofs", "request_events"}
    assert report["purged_years"] == ["2020-2021", "2021-2022"] and report["requests"] == 3 and report["dry_run"] is True
    done = cli("purge", "--before", "2022-2023")
    assert done.code == 0 and "3 demandes, 3 courriers, 3 justificatifs supprimés" in done.out
    refused = cli("purge", "--before", "bientôt")
    assert refused.code == 1 and "bientôt" in refused.err
