"""Taking back a decision (undo) and the student looked up by number for a hand-typed request."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from cnam_desk.db.models import AuditEvent, Letter, RequestStatus, Student
from cnam_desk.requests import detail, intake, manual, queue, review, undo
from cnam_desk.requests.letter_state import LetterState
from tests.requests_support import answer, seed_office, write_export

NOW = dt.datetime(2024, 1, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def office(db, tmp_path):
    seed_office(db)
    intake.import_requests(db, write_export(tmp_path / "f.xlsx", [answer()]))
    return db


def _refuse(db, **kwargs) -> queue.QueueRow:
    reason = review.refusal_reasons(db)[0]
    return review.decide(db, 1, "refuse", reason=reason, comment="vu au guichet", now=NOW, **kwargs)


def test_undo_puts_the_request_back_in_waiting_in_one_audited_change(office) -> None:
    decided = _refuse(office)
    assert decided.letter.state is LetterState.TO_PRINT
    with office.transaction() as s:
        before = s.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    row = undo.undo_decision(office, 1, expect_version=decided.version, now=NOW)
    assert row.status is RequestStatus.PENDING and row.decided_at is None and row.decided_by is None
    assert row.letter.state is LetterState.NONE and row.version == decided.version + 1
    details = detail.request_details(office, 1)
    assert details.decision_reason == "" and details.decision_comment == ""
    assert details.history[-1].text == "Décision « refusée » annulée : demande en attente"
    with office.transaction() as s:
        events = s.execute(
            select(AuditEvent.entity, AuditEvent.action, AuditEvent.after).where(AuditEvent.id > before)
        ).all()
    assert ("accommodation_request", "update") in [(e, a) for e, a, _after in events]
    assert any(e == "accommodation_request" and after.get("status") == "pending" for e, _a, after in events)
    # Decided again afterwards: a first decision once more.
    assert _refuse(office).status is RequestStatus.REFUSED


def test_undo_takes_back_an_arrangement(office) -> None:
    details = detail.request_details(office, 1)
    proposal = review.suggest_arrangement(details, "NFA008")
    review.decide(office, 1, "accept", arrangement=proposal, now=NOW)
    undo.undo_decision(office, 1)
    assert detail.request_details(office, 1).arrangements == []


def test_undo_is_refused_once_the_letter_is_printed(office) -> None:
    decided = _refuse(office)
    with office.transaction() as s:
        s.add(Letter(request_id=1, reference="DA-1", decision=RequestStatus.REFUSED,
                     generated_at=NOW, printed_at=NOW, print_count=1))  # fmt: skip
    with pytest.raises(undo.UndoRefused, match="courrier a été imprimé le mercredi 10 janvier 2024 à 10h00"):
        undo.undo_decision(office, 1)
    assert queue.get_row(office, 1).status is RequestStatus.REFUSED
    assert queue.get_row(office, 1).version == decided.version  # nothing was written


def test_undo_is_refused_when_another_decision_came_after(office) -> None:
    first = _refuse(office)
    review.decide(office, 1, "redirect", reason="service des diplômes", expect_version=first.version, now=NOW)
    with pytest.raises(undo.UndoRefused, match="a changé depuis .*Redirigée vers service des diplômes"):
        undo.undo_decision(office, 1, expect_version=first.version)
    # Without a version: the change replaced an earlier decision, whose words are not kept.
    with pytest.raises(undo.UndoRefused, match="remplaçait une décision précédente"):
        undo.undo_decision(office, 1)
    assert queue.get_row(office, 1).status is RequestStatus.REDIRECTED


def test_undo_of_a_waiting_request_is_refused(office) -> None:
    with pytest.raises(undo.UndoRefused, match="pas de décision à annuler"):
        undo.undo_decision(office, 1)


def test_look_up_a_known_student_by_number(office) -> None:
    with office.transaction() as s:
        s.add(Student(number="0042", last_name="Zéro", first_name="Inès", email="ines@exemple.fr",
                      postal_address="1 rue Saint-Martin, 75003 Paris"))  # fmt: skip
    known = manual.look_up_student(office, " 100001 ")
    assert known is not None
    assert (known.number, known.last_name, known.first_name, known.email) == (
        "100001", "Dupont", "Camille", "100001@exemple.fr"
    )
    lost_zeros = manual.look_up_student(office, "42")  # as a spreadsheet turned it
    assert lost_zeros is not None and lost_zeros.number == "0042"
    assert lost_zeros.postal_address.startswith("1 rue")
    assert manual.look_up_student(office, "999999") is None
    assert manual.look_up_student(office, "../x") is None
    assert manual.look_up_student(office, "") is None
