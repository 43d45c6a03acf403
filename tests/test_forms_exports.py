"""Forms exports as the office gets them: typos in UE codes, midnight, lost zeros, and the order files arrive in."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from cnam_desk import frenchdates
from cnam_desk.db.models import AccommodationRequest, CourseUnit, Enrolment, Student
from cnam_desk.requests import answers, checks, detail, intake, letters, manual, queue, review
from cnam_desk.schedule import enrolments, exam_calendar, planning
from cnam_desk.ui.request_detail import details_html
from tests.requests_support import (
    FR_QUESTIONS_WITH_ADDRESS,
    answer,
    seed_office,
    write_export,
    write_export_as,
)
from tests.schedule_files import plain_schedule, write_book

FORMATS = ["xlsx", "xls", "ods"]


@pytest.fixture
def office(db):
    seed_office(db)
    return db


def request_of(db, number: str) -> queue.QueueRow:
    (row,) = [r for r in queue.list_requests(db) if r.student_number == number]
    return row


# --- an unknown UE code ----------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", FORMATS)
def test_a_typo_in_an_ue_code_is_a_request_like_the_others(office, tmp_path, suffix) -> None:
    path = write_export_as(
        tmp_path / f"Demandes.{suffix}",
        [
            answer(),
            answer("100002", response_id=2, ues="NFE14"),
            answer("100004", response_id=3, ues="NFA031, NFE14"),
        ],
    )
    report = intake.import_requests(office, path)
    assert (report.added, report.errors) == (3, [])
    assert [(w.row, w.column, w.message) for w in report.warnings] == [
        (3, "L", "UE inconnue : NFE14 (gardée telle que saisie ; examen introuvable dans le planning)"),
        (3, None, ("aucune UE d'un planning : demande rangée dans la session 2023-2024/S1/1 "
                   "(celle des autres réponses de l'export)")),
        (4, "L", "UE inconnue : NFE14 (gardée telle que saisie ; examen introuvable dans le planning)"),
    ]  # fmt: skip
    typo = request_of(office, "100002")
    assert typo.ues == ("NFE14",)
    assert typo.as_typed == {"exams": "NFE14"}
    assert typo.checks["overlap"] == checks.NOT_FOUND
    assert request_of(office, "100004").checks["overlap"] == checks.NOT_FOUND
    assert request_of(office, "100001").checks["overlap"] == checks.CONFIRMED
    shown = detail.request_details(office, typo.id)
    assert [(e.code, e.date) for e in shown.exams] == [("NFE14", None)]
    html = details_html(shown)
    assert "NFE14" in html and "UE inconnue" in html and "Tel que saisi" in html


def test_only_what_cannot_be_a_request_refuses_the_export(office, tmp_path) -> None:
    path = write_export(
        tmp_path / "f.xlsx", [answer(ues="NFE14"), answer("", response_id=2), answer("100003", response_id=3)]
    )
    with pytest.raises(intake.ImportRefused) as refused:
        intake.import_requests(office, path)
    assert [p.as_json() for p in refused.value.problems] == [
        {"sheet": "Feuil1", "row": 3, "column": "G", "message": "numéro d'auditeur manquant"}
    ]
    assert "Rien n'a été importé" in str(refused.value)
    assert queue.list_requests(office) == []


def test_a_request_with_an_unknown_ue_can_be_refused_and_gets_its_letter(office, tmp_path) -> None:
    intake.import_requests(office, write_export(tmp_path / "f.xlsx", [answer(ues="NFE14")]))
    row = request_of(office, "100001")
    decided = review.decide(office, row.id, "refuse", reason="1")
    assert decided.status.value == "refused"
    made, _letterhead = letters.generate(office, "2023-2024/S1/1")
    assert [letter.decision for letter in made] == ["refused"]
    assert made[0].exams == ()  # no exam of the schedule to name


def test_cli_unknown_ue_as_the_clerk_types_it(office, cli, tmp_path) -> None:
    path = write_export(tmp_path / "Demandes.xlsx", [answer(), answer("100002", response_id=2, ues="NFE14")])
    result = cli("import-requests", str(path), "--json")
    assert result.code == 0, result
    out = json.loads(result.out)
    assert (out["added"], out["errors"]) == (2, [])
    assert out["warnings"][0] == {
        "sheet": "Feuil1", "row": 3, "column": "L",
        "message": "UE inconnue : NFE14 (gardée telle que saisie ; examen introuvable dans le planning)",
    }  # fmt: skip
    listed = json.loads(cli("requests", "--json").out)
    typo = next(r for r in listed if r["student_number"] == "100002")
    assert typo["ues"] == ["NFE14"] and typo["as_typed"] == {"exams": "NFE14"}
    assert typo["checks"]["overlap"] == "not_found"
    refused = cli("decide", str(typo["id"]), "refuse", "--reason", "1")
    assert refused.code == 0, refused
    plain = cli("import-requests", str(write_export(tmp_path / "Autre.xlsx", [answer("100003", response_id=9, ues="XYZ99")])))
    assert plain.code == 0, plain
    assert "À vérifier (2)" in plain.out and "ligne 2, colonne L : UE inconnue : XYZ99" in plain.out


# --- midnight ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", FORMATS)
def test_an_answer_completed_at_midnight_exactly(office, tmp_path, suffix) -> None:
    midnight = dt.datetime(2024, 1, 7, 0, 0, 0)
    path = write_export_as(tmp_path / f"Demandes.{suffix}", [answer(completed=midnight)])
    assert intake.import_requests(office, path).added == 1
    row = request_of(office, "100001")
    assert row.received_at == frenchdates.paris_instant(dt.date(2024, 1, 7), dt.time(0, 0))
    assert row.checks["deadline"] == checks.ON_TIME


def test_a_bare_date_is_midnight() -> None:
    expected = frenchdates.paris_instant(dt.date(2024, 1, 7), dt.time(0, 0))
    assert answers.parse_received(dt.date(2024, 1, 7), english=False) == expected
    assert answers.parse_received("07/01/2024", english=False) == expected
    assert answers.parse_received("1/7/2024", english=True) == expected


# --- lost leading zeros -----------------------------------------------------------------------------


def add_student(db, number: str, codes: tuple[str, ...] = ("NFA031", "NFA008"), address: str = "") -> None:
    with db.transaction() as s:
        student = Student(number=number, last_name="Zéro", first_name="Inès", postal_address=address)
        s.add(student)
        year = exam_calendar.find_year(s, "2023-2024")
        for code in codes:
            unit = s.scalar(select(CourseUnit).where(CourseUnit.code == code))
            s.add(Enrolment(student=student, course_unit=unit, year=year))


@pytest.mark.parametrize(("suffix", "typed"), [("xlsx", 1234567), ("xlsx", 1234567.0), ("xls", 1234567.0), ("ods", 1234567)])
def test_a_number_that_lost_its_zero_is_the_one_student_it_fits(office, tmp_path, suffix, typed) -> None:
    add_student(office, "01234567")
    path = write_export_as(tmp_path / f"Demandes.{suffix}", [answer(typed)])  # type: ignore[arg-type]
    report = intake.import_requests(office, path)
    assert report.numbers_matched == [
        {"sheet": "Feuil1", "row": 2, "column": "G", "typed": "1234567", "number": "01234567"}
    ]
    assert report.warnings == []
    assert any("« 1234567 » lu comme 01234567" in line for line in report.notes())
    row = request_of(office, "01234567")
    assert row.checks["overlap"] == checks.CONFIRMED  # the student's enrolments are read
    assert detail.request_details(office, row.id).student_known


def test_a_number_that_fits_several_students_or_none_is_kept_and_flagged(office, tmp_path) -> None:
    add_student(office, "01234567")
    add_student(office, "001234567")
    path = write_export(tmp_path / "f.xlsx", [answer(1234567), answer(7654321, response_id=2)])  # type: ignore[arg-type]
    report = intake.import_requests(office, path)
    assert report.added == 2 and report.numbers_matched == []
    assert [(w.row, w.column, w.message) for w in report.warnings] == [
        (2, "G", ("numéro d'auditeur « 1234567 » : plusieurs auditeurs possibles (001234567, 01234567) ; "
                  "gardé tel que saisi")),
        (3, "G", ("numéro d'auditeur « 7654321 » écrit comme un nombre (un zéro initial a pu être perdu) et "
                  "d'aucun auditeur connu ; gardé tel que saisi")),
    ]  # fmt: skip
    assert request_of(office, "1234567").checks["overlap"] == checks.NOT_ENROLLED
    assert json.loads(json.dumps(report.as_json()))["warnings"][0]["row"] == 2


# --- the order files arrive in ----------------------------------------------------------------------


def enrolment_file(tmp_path, rows):
    header = ["N° auditeur", "NOM", "Prénom", "Courriel", "Adresse", "Code postal", "Ville", "Code UE"]
    return write_book(tmp_path / "inscriptions.xlsx", {"Inscrits": [header, *rows]})


def test_requests_before_the_enrolments_are_checked_again_when_they_come(office, tmp_path) -> None:
    path = write_export(
        tmp_path / "f.xlsx",
        [answer("200001", ues="NFA031, NFA008"), answer(2000002, response_id=2, ues="NFA031, NFA008"),  # type: ignore[arg-type]
         answer("200003", response_id=3, ues="NFA031, NFA008")],
    )  # fmt: skip
    intake.import_requests(office, path)
    assert {r.checks["overlap"] for r in queue.list_requests(office)} == {checks.NOT_ENROLLED}
    decided = review.decide(office, request_of(office, "200003").id, "refuse", reason="1")
    made, _ = letters.generate(office, "2023-2024/S1/1")
    assert made[0].address_lines == ()  # the student is not known yet
    enrolments.import_enrolments(
        office,
        enrolment_file(tmp_path, [
            ["200001", "Petit", "Jules", "", "5 rue Monge", "75005", "Paris", "NFA031"],
            ["200001", "Petit", "Jules", "", "", None, "", "NFA008"],
            ["02000002", "Roux", "Anna", "", "8 quai de Seine", "75019", "Paris", "NFA031"],
            ["02000002", "Roux", "Anna", "", "", None, "", "NFA008"],
            ["200003", "Blanc", "Yves", "", "1 place d'Italie", "75013", "Paris", "NFA031"],
            ["200003", "Blanc", "Yves", "", "", None, "", "NFA008"],
        ]),
        "2023-2024",
    )  # fmt: skip
    assert request_of(office, "200001").checks["overlap"] == checks.CONFIRMED
    linked = request_of(office, "02000002")  # the lost zero is found once the student is known
    assert linked.checks["overlap"] == checks.CONFIRMED
    refused = request_of(office, "200003")
    assert refused.checks["overlap"] == checks.CONFIRMED  # its checks follow...
    assert refused.status is decided.status and refused.version > decided.version  # ...not its decision
    made, _ = letters.generate(office, "2023-2024/S1/1")
    assert made[0].address_lines == ("1 place d'Italie", "75013 Paris")


def test_the_letter_falls_back_to_the_address_given_in_the_answer(office, tmp_path) -> None:
    path = write_export(
        tmp_path / "f.xlsx",
        [answer("300001", address="4 rue Réaumur\n75003 Paris")],
        questions=FR_QUESTIONS_WITH_ADDRESS,
    )
    intake.import_requests(office, path)
    row = request_of(office, "300001")
    review.decide(office, row.id, "refuse", reason="1")
    made, _ = letters.generate(office, "2023-2024/S1/1")
    assert made[0].address_lines == ("4 rue Réaumur", "75003 Paris")
    summary = letters.letters_for_session(office, "2023-2024/S1/1", pending_only=False)
    assert summary[0].has_address


def test_requests_before_the_schedule_follow_the_schedule_import(db, tmp_path) -> None:
    path = write_export(tmp_path / "f.xlsx", [answer(ues="NFA031, NFA008")])
    report = intake.import_requests(db, path)  # nothing is known yet: not even the UEs
    assert report.added == 1
    assert report.warnings[-1].message.endswith("(la prochaine après sa réception)")
    row = request_of(db, "100001")
    assert row.checks["overlap"] == checks.NOT_FOUND
    schedule = write_book(tmp_path / "planning.xlsx", plain_schedule([
        ["NFA031", "Java", "22/01/2024", "18h00", "21h00", "Amphi A", "Paris"],
        ["NFA008", "Bases de données", "22/01/2024", "19h00", "22h00", "Amphi B", "Paris"],
    ]))  # fmt: skip
    planning.import_schedule(db, schedule, "2023-2024/S1/1")
    assert request_of(db, "100001").checks["overlap"] == checks.NOT_ENROLLED
    enrolments.import_enrolments(
        db,
        enrolment_file(tmp_path, [["100001", "Dupont", "Camille", "", "", None, "", "NFA031"],
                                  ["100001", "Dupont", "Camille", "", "", None, "", "NFA008"]]),
        "2023-2024",
    )  # fmt: skip
    assert request_of(db, "100001").checks["overlap"] == checks.CONFIRMED


def test_a_proof_links_a_request_to_its_student_known_since(office, tmp_path) -> None:
    intake.import_requests(
        office, write_export(tmp_path / "f.xlsx", [answer("400001", reason="Déplacement professionnel", ues="RSX101")])
    )
    row = request_of(office, "400001")
    assert row.checks["proof"] == checks.MISSING
    add_student(office, "400001", ("RSX101",))
    proof = tmp_path / "ordre de mission.pdf"
    proof.write_bytes(b"%PDF-1.4\n%%EOF\n")
    manual.attach_proof(office, row.id, proof)
    with office.transaction() as s:
        stored = s.get(AccommodationRequest, row.id)
        assert stored.student_id is not None
        assert stored.checks["proof"] == checks.PRESENT


def test_health_words_typed_in_the_ue_cell_are_not_kept(office, tmp_path) -> None:
    path = write_export(tmp_path / "f.xlsx", [answer(reason="Autre", ues="voir mon certificat médical")])
    report = intake.import_requests(office, path)
    assert all("certificat" not in w.message for w in report.warnings)
    row = request_of(office, "100001")
    assert row.kind.value == "disability" and row.as_typed == {}
    with office.transaction() as s:
        stored = s.get(AccommodationRequest, row.id)
        assert stored.reason_text == "motif médical non conservé"
        assert "certificat" not in json.dumps([stored.as_typed, stored.comment, stored.events[0].text], ensure_ascii=False)
