"""Session 2 roster, the portal export (never a formula), attestations and the M1 programmes."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, select

from cnam_desk import frenchdates
from cnam_desk.db.models import (
    AccommodationRequest,
    Attestation,
    Letter,
    RequestKind,
    RequestStatus,
)
from cnam_desk.errors import EditConflict, RefusedInput
from cnam_desk.grading import attestations, entry, export, session2
from cnam_desk.grading.rules import ResultCode
from cnam_desk.requests import review
from tests.results_data import grade, seed, session_id, student_id

S1 = "2023-2024/S1/1"
S2 = "2023-2024/S1/2"


def test_session2_roster(db, tmp_path) -> None:
    seed(db)
    for number, value in zip(["100", "101", "102", "103", "104"], ["12", "9,99", "abi", "abj", "10"], strict=True):
        grade(db, S1, "NFA031", number, value)
    grade(db, S1, "NFA008", "100", "0")
    roster = session2.session2_roster(db, "2023-2024/S1")
    items = [(e.ue_code, e.student_number, e.outcome_text) for e in roster.entries]
    assert ("NFA031", "101", "9,99") in items and ("NFA031", "102", "ABI") in items
    assert ("NFA031", "103", "ABJ") in items and ("NFA031", "105", "sans note") in items
    assert ("NFA008", "100", "0") in items
    assert not any(code == "NFA031" and number in ("100", "104") for code, number, _ in items)
    assert {e.ue_code for e in roster.entries} == {"NFA031", "NFA008", "STA001"}
    assert roster.entries[0].as_json() == {"student_number": "103", "ue": "NFA008", "outcome": None}
    assert [e.as_json()["outcome"] for e in roster.entries if e.ue_code == "NFA031"] == ["ABJ", None, "ABI", 9.99]
    out = session2.write_roster_xlsx(roster, tmp_path / "s2.xlsx")
    sheet = openpyxl.load_workbook(out).active
    assert "Pas de convocation" in sheet["A2"].value
    assert [c.value for c in sheet[3]] == session2.HEADERS
    values = [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=4)]
    assert ("101", "Nguyễn", "Thị Minh", "NFA031", "Programmation Java", 9.99) in values
    assert sheet.cell(4, 2).value == "=HYPERLINK(\"x\")" and sheet.cell(4, 2).data_type == "s"
    with pytest.raises(RefusedInput, match="2023-2024/S3"):
        session2.session2_roster(db, "2023-2024/S3")


def test_portal_export_only_published_and_never_a_formula(db, tmp_path) -> None:
    seed(db, enrol={"NFA031": ["100", "101", "102", "103"], "NFA008": ["100"]})
    for number, value in zip(["100", "101", "102", "103"], ["12,5", "9,99", "abi", "abj"], strict=True):
        grade(db, S1, "NFA031", number, value)
    grade(db, S1, "NFA008", "100", "15")  # not published: not exported
    with pytest.raises(RefusedInput, match="Aucune note publiée"):
        export.export_results(db, S1, tmp_path / "x.xlsx")
    entry.publish_by_keys(db, S1, "NFA031")
    summary = export.export_results(db, S1, tmp_path / "portail.xlsx")
    assert (summary.rows, summary.units) == (4, ["NFA031"])
    sheet = openpyxl.load_workbook(summary.path).active
    assert [c.value for c in sheet[1]] == ["N° auditeur", "Nom", "Prénom", "UE", "Session", "Note", "Résultat"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert [c.value for c in rows["103"]] == ["103", "=HYPERLINK(\"x\")", "@Marc", "NFA031", S1, "ABJ", "ABJ"]
    assert rows["103"][1].data_type == "s" and rows["103"][2].data_type == "s"
    assert [c.value for c in rows["100"]][5:] == [12.5, "ADM"]
    assert [c.value for c in rows["101"]][5:] == [9.99, "AJ"]
    assert [c.value for c in rows["102"]][5:] == ["ABI", "ABI"]
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"


def test_session2_export_gives_the_ue_result(db, tmp_path) -> None:
    seed(db, enrol={"NFA031": ["100", "101"]})
    grade(db, S1, "NFA031", "100", "8")
    grade(db, S1, "NFA031", "101", "abj")
    entry.publish_by_keys(db, S1, "NFA031")
    grade(db, S2, "NFA031", "100", "6")
    grade(db, S2, "NFA031", "101", "11")
    entry.publish_by_keys(db, S2, "NFA031")
    rows = {r.student_number: r for r in export.portal_rows(db, S2)}
    assert (rows["100"].grade, rows["100"].result) == (Decimal("6"), ResultCode.AJ)
    assert rows["101"].result == ResultCode.ADM
    entry.set_best_of_two(db, True)
    assert {r.student_number: r for r in export.portal_rows(db, S2)}["100"].result == ResultCode.AJ


def _published_year(db) -> None:
    seed(db)
    for number, value in zip(["100", "101", "102", "103", "104", "105"], ["12", "9", "abi", "abj", "10", "15"],
                             strict=True):
        grade(db, S1, "NFA031", number, value)
    for number, value in zip(["100", "101", "102", "103", "104", "105"], ["14", "13", "16", "2", "10", "4"],
                             strict=True):
        grade(db, S1, "NFA008", number, value)
    for number, value in zip(["100", "101", "102"], ["18", "10", "3"], strict=True):
        grade(db, S1, "STA001", number, value)
    for ue in ("NFA031", "NFA008", "STA001"):
        entry.publish_by_keys(db, S1, ue)
    grade(db, S2, "NFA031", "101", "11")  # not published yet: does not count
    grade(db, S2, "NFA031", "102", "13")


def test_success_attestation_data(db) -> None:
    _published_year(db)
    items = attestations.success_data(db, "2023-2024")
    by_number = {d.student.number: d for d in items}
    assert set(by_number) == {"100", "101", "102", "104", "105"}
    first = by_number["100"]
    assert [(u.ue_code, u.grade, u.session, u.ects) for u in first.units] == [
        ("NFA008", Decimal("14"), 1, Decimal("6")), ("NFA031", Decimal("12"), 1, Decimal("6")),
        ("STA001", Decimal("18"), 1, Decimal("4")),
    ]
    assert first.total_ects == Decimal("16")
    assert [u.ue_code for u in by_number["101"].units] == ["NFA008", "STA001"]
    # Session 2 grades count once published.
    with pytest.raises(RefusedInput, match="1 auditeur.* sans note"):
        entry.publish_by_keys(db, S2, "NFA031")
    grade(db, S2, "NFA031", "103", "abi")
    entry.publish_by_keys(db, S2, "NFA031")
    units = attestations.success_data(db, "2023-2024", "101")[0].units
    assert [(u.ue_code, u.grade, u.session, u.session_label) for u in units if u.ue_code == "NFA031"] == [
        ("NFA031", Decimal("11"), 2, "semestre 1, session 2")
    ]
    with pytest.raises(RefusedInput, match="aucune UE réussie"):
        attestations.success_data(db, "2023-2024", "103")
    issued = attestations.issue_success(db, attestations.success_data(db, "2023-2024", "100"))
    again = attestations.issue_success(db, attestations.success_data(db, "2023-2024", "100"))
    assert issued[0].reference == "AR-2023-2024-100-1" and again[0].reference == "AR-2023-2024-100-2"
    assert issued[0].issued_on == frenchdates.paris(frenchdates.now()).date()


def test_programmes_and_the_m1_check(db) -> None:
    _published_year(db)
    with pytest.raises(RefusedInput, match="doit exiger"):
        attestations.save_programme(db, "Vide", [], None)
    with pytest.raises(RefusedInput, match="UE inconnue"):
        attestations.save_programme(db, "X", ["ABC123"], None)
    info = attestations.save_programme(db, "Master informatique", ["nfa031", "NFA008"], None)
    assert info.units == [("NFA008", "Bases de données"), ("NFA031", "Programmation Java")]
    attestations.save_programme(db, "Master statistique", ["STA001"], Decimal("16"))
    with pytest.raises(RefusedInput, match="s'appelle déjà"):
        attestations.save_programme(db, "Master statistique", ["STA001"], None, original_name="Master informatique")
    assert [p.name for p in attestations.list_programmes(db)] == ["Master informatique", "Master statistique"]

    met = attestations.check_m1(db, "100", "Master informatique", "2023-2024")
    assert met.met and met.missing_lines() == [] and [u.ue_code for u in met.counted_units] == ["NFA008", "NFA031"]
    short = attestations.check_m1(db, "101", "Master statistique", "2023-2024")
    assert not short.met
    assert short.missing_lines() == ["crédits ECTS : 10 obtenus sur 16 requis (il en manque 6)"]
    missing = attestations.check_m1(db, "103", "Master informatique", "2023-2024")
    assert missing.missing_lines() == [
        "UE NFA008 (Bases de données) : pas encore réussie", "UE NFA031 (Programmation Java) : pas encore réussie"
    ]
    assert "ne remplit pas encore les conditions" in missing.summary
    with pytest.raises(RefusedInput, match="pas encore réussie"):
        attestations.issue_m1(db, "103", "Master informatique", "2023-2024")
    issued = attestations.issue_m1(db, "100", "Master informatique", "2023-2024")
    assert issued.reference == "M1-2023-2024-100-1"
    checks = attestations.m1_checks(db, "100", "2023-2024")
    assert [c.met for c in checks] == [True, True]
    renamed = attestations.save_programme(db, "Master info", ["NFA031"], None, original_name="Master informatique",
                                          expect_version=info.version)
    assert renamed.units == [("NFA031", "Programmation Java")]
    attestations.delete_programme(db, "Master statistique")
    assert [p.name for p in attestations.list_programmes(db)] == ["Master info"]


def _attestation_request(db, number: str) -> int:
    with db.transaction() as s:
        request = AccommodationRequest(
            session_id=session_id(db, S2), student_id=student_id(db, number) if number != "999" else None,
            student_number=number, last_name="x", kind=RequestKind.ATTESTATION, received_at=frenchdates.now(),
        )
        s.add(request)
        s.flush()
        return request.id


def test_attestation_requests_are_decided_by_the_programme(db) -> None:
    _published_year(db)
    attestations.save_programme(db, "Master informatique", ["NFA031", "NFA008"], None)
    good, bad, unknown = (_attestation_request(db, n) for n in ("100", "103", "999"))
    verdict = attestations.attestation_verdict(db, good)
    assert verdict.accepted and verdict.check.programme.name == "Master informatique"
    verdict, issued = review.decide_attestation(db, good)
    assert verdict.status is RequestStatus.ACCEPTED and issued is not None
    verdict, issued = review.decide_attestation(db, bad, "Master informatique")
    assert verdict.status is RequestStatus.REFUSED and issued is None
    assert "UE NFA031 (Programmation Java) : pas encore réussie" in verdict.reason
    verdict, _ = review.decide_attestation(db, unknown)
    assert verdict.status is RequestStatus.INCOMPLETE
    with pytest.raises(EditConflict, match="a changé depuis que vous l'avez ouverte"):
        review.decide_attestation(db, bad, expect_version=1)
    with db.transaction() as s:
        rows = {r.id: r for r in s.scalars(select(AccommodationRequest))}
        assert rows[good].status is RequestStatus.ACCEPTED and rows[good].decided_by == "greffier.test"
        assert [e.action for e in rows[good].events] == ["decided"]
        assert rows[good].events[0].text.startswith("Acceptée : attestation de M1 M1-2023-2024-100-1")
        assert rows[bad].events[-1].text.startswith("Refusée : ")
        assert rows[good].decision_comment.startswith("Attestation de M1 M1-2023-2024-100-")
        assert rows[bad].status is RequestStatus.REFUSED and "NFA008" in rows[bad].decision_reason
        assert "999" in rows[unknown].missing_items
        assert len(list(s.scalars(select(Attestation)))) == 1


def test_the_queue_accepts_an_attestation_request_only_when_earned(db, cli, tmp_path) -> None:
    import json

    _published_year(db)
    attestations.save_programme(db, "Master informatique", ["NFA031", "NFA008"], None)
    good, bad = _attestation_request(db, "100"), _attestation_request(db, "103")
    refused = cli("decide", str(bad), "accept")
    assert refused.code == 1
    assert "Attestation de M1 impossible" in refused.err and "NFA031" in refused.err
    accepted = cli("decide", str(good), "accept", "--json")
    assert accepted.code == 0, accepted
    assert json.loads(accepted.out)["status"] == "accepted"
    with db.transaction() as s:
        assert s.scalar(select(Attestation.reference)) == "M1-2023-2024-100-1"
        assert s.get(AccommodationRequest, bad).status is RequestStatus.PENDING
    letters = cli("letters", "--session", S2, "--request", str(good), "--out", str(tmp_path), "--json")
    assert letters.code == 0, letters
    assert json.loads(letters.out)["letters"][0]["decision"] == "accepted"
    from tests.pdf_reading import page_texts

    text = " ".join(" ".join(page_texts(next(tmp_path.glob("*.pdf")))).split())
    assert "Objet : Demande d'attestation de réussite de la première année de master (M1)" in text
    assert "vous remplissez les conditions de l'attestation de M1" in text
    assert "M1-2023-2024-100-1" in text
    assert "aménagement" not in text



def test_an_attestation_decision_whose_letter_was_printed_changes_only_with_a_reason(db) -> None:
    _published_year(db)
    attestations.save_programme(db, "Master informatique", ["NFA031", "NFA008"], None)
    request_id = _attestation_request(db, "100")
    review.decide(db, request_id, "refuse", reason=review.refusal_reasons(db)[0])
    with db.transaction() as s:
        s.add(Letter(request_id=request_id, reference="SE-TEST-1", decision=RequestStatus.REFUSED,
                     generated_at=frenchdates.now(), printed_at=frenchdates.now(), print_count=1))
    with pytest.raises(review.ChangeReasonRequired, match="a été imprimé"):
        review.decide(db, request_id, "accept")
    with pytest.raises(review.ChangeReasonRequired, match="a été imprimé"):
        review.decide_attestation(db, request_id)
    with db.transaction() as s:
        assert s.get(AccommodationRequest, request_id).status is RequestStatus.REFUSED
        assert s.scalar(select(func.count()).select_from(Attestation)) == 0
    row = review.decide(db, request_id, "accept", change_reason="programme validé après correction")
    assert row.status is RequestStatus.ACCEPTED
    with db.transaction() as s:
        request = s.get(AccommodationRequest, request_id)
        assert [e.action for e in request.events] == ["decided", "changed"]
        assert "motif du changement : programme validé après correction" in request.events[-1].text
        assert s.scalar(select(func.count()).select_from(Attestation)) == 1
