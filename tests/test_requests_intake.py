"""Requests coming in: Forms exports in French and English, mappings, duplicates, bad exports, desk requests, proofs."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, text

from cnam_desk import frenchdates, parsing
from cnam_desk.db.models import (
    FormMapping,
    Proof,
    RequestKind,
    RequestReceipt,
    RequestSource,
    RequestStatus,
)
from cnam_desk.errors import EditConflict, RefusedInput
from cnam_desk.requests import answers, columns, detail, exports, intake, manual, queue
from tests.requests_support import FR_QUESTIONS, answer, seed_office, write_export


@pytest.fixture
def office(db):
    seed_office(db)
    return db


def count(db, table: str) -> int:
    with db.transaction() as s:
        return s.execute(text(f"select count(*) from {table}")).scalar_one()


TRIP = {"reason": "Déplacement professionnel à l'étranger", "ues": "RSX101"}


def mixed_answers() -> list[dict]:
    return [
        answer(),
        answer(
            "100002",
            response_id=2,
            trip_start="24/01/2024",
            trip_end=dt.date(2024, 1, 26),
            proof="https://exemple.sharepoint.com/ordre de mission.pdf",
            **TRIP,
        ),
        answer("100003", "Autre : je souhaite changer de centre", "NFP107", response_id=3),
    ]


# --- recognising -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wording", "kind"),
    [
        ("Deux examens le même jour à la même heure", RequestKind.OVERLAP),
        ("Chevauchement d'examens", RequestKind.OVERLAP),
        ("Mes épreuves sont au même créneau", RequestKind.OVERLAP),
        ("Two exams at the same time", RequestKind.OVERLAP),
        ("Déplacement professionnel à l'étranger", RequestKind.TRIP),
        ("Mission professionnelle à l'étranger (Londres)", RequestKind.TRIP),
        ("Business trip abroad", RequestKind.TRIP),
        ("Situation de handicap", RequestKind.DISABILITY),
        ("Tiers temps", RequestKind.DISABILITY),
        ("Tiers-temps accordé par Handi'Cnam", RequestKind.DISABILITY),
        ("Je suis suivi par la mission Handi'Cnam", RequestKind.DISABILITY),
        ("Disability", RequestKind.DISABILITY),
        ("Attestation de réussite du M1", RequestKind.ATTESTATION),
        ("Je serai en vacances", RequestKind.OTHER),
        ("", RequestKind.OTHER),
    ],
)
def test_recognise_kind(wording: str, kind: RequestKind) -> None:
    assert columns.recognise_kind(wording) is kind


@pytest.mark.parametrize(
    ("title", "field"),
    [
        ("Numéro d'auditeur", "student_number"),
        ("N° auditeur", "student_number"),
        ("Nº d'auditeur", "student_number"),
        ("Votre matricule", "student_number"),
        ("Identifiant Cnam", "student_number"),
        ("Nom", "last_name"),
        ("Nom de famille", "last_name"),
        ("Prénom", "first_name"),
        ("Courriel", "email"),
        ("Adresse mail", "email"),
        ("E-mail", "email"),
        ("Motif", "reason"),
        ("Raison de votre demande", "reason"),
        ("Type de demande", "reason"),
        ("UE", "exams"),
        ("Examens concernés", "exams"),
        ("Codes UE (séparés par des virgules)", "exams"),
        ("Date de départ", "trip_start"),
        ("Début du déplacement", "trip_start"),
        ("Date de retour", "trip_end"),
        ("Fin du déplacement", "trip_end"),
        ("Justificatif (ordre de mission)", "proof"),
        ("Pièce jointe", "proof"),
        ("Commentaire", "comment"),
        ("Remarques", "comment"),
        ("Précisions éventuelles", "comment"),
    ],
)
def test_recognise_question_titles(title: str, field: str) -> None:
    assert columns.recognise_mapping([(7, title)]) == {field: [7]}


def test_several_exam_columns_are_all_kept() -> None:
    mapping = columns.recognise_mapping(
        [(5, "Numéro d'auditeur"), (6, "Premier examen"), (7, "Second examen")]
    )
    assert mapping == {"student_number": [5], "exams": [6, 7]}


@pytest.mark.parametrize(
    ("cell", "codes"),
    [
        ("NFA031, NFA008", ["NFA031", "NFA008"]),
        ("NFA031;NFA008", ["NFA031", "NFA008"]),
        ("nfa031 nfa008", ["NFA031", "NFA008"]),
        ("NFA031 et NFA 008", ["NFA031", "NFA008"]),
        ("NFA031 - Programmation Java", ["NFA031"]),
        ("US331H", ["US331H"]),
        ("NFA031, NFA031", ["NFA031"]),
        ("", []),
    ],
)
def test_extract_codes(cell: str, codes: list[str]) -> None:
    assert columns.extract_codes(cell) == codes


# --- importing --------------------------------------------------------------------------------------


def test_french_export(office, tmp_path) -> None:
    path = write_export(tmp_path / "Demandes.xlsx", mixed_answers())
    report = intake.import_requests(office, path)
    assert report.as_json() == {"added": 3, "merged": 0, "unchanged": 0, "errors": [], "warnings": [], "numbers_matched": []}
    rows = {r.student_number: r for r in queue.list_requests(office, "2023-2024/S1/1")}
    assert set(rows) == {"100001", "100002", "100003"}
    overlap = rows["100001"]
    assert overlap.kind is RequestKind.OVERLAP
    assert overlap.ues == ("NFA031", "NFA008")
    assert overlap.as_json()["received_at"] == "2024-01-05T10:30:00+01:00"
    assert overlap.checks["overlap"] == "confirmed"
    trip = detail.request_details(office, rows["100002"].id)
    assert (trip.trip_start, trip.trip_end) == (dt.date(2024, 1, 24), dt.date(2024, 1, 26))
    assert trip.row.checks == {
        "deadline": "on_time",
        "overlap": None,
        "proof": "present",
        "trip_covers_exam": True,
    }
    assert (
        trip.proofs[0].link.endswith("ordre de mission.pdf")
        and trip.proofs[0].file_name == "ordre de mission.pdf"
    )
    other = detail.request_details(office, rows["100003"].id)
    assert other.row.kind is RequestKind.OTHER
    assert other.reason_text == "Autre : je souhaite changer de centre"  # the original text is kept
    assert rows["100003"].checks["overlap"] is None


def test_english_export_with_text_times(office, tmp_path) -> None:
    answers = mixed_answers()
    answers[0]["completed"] = "1/7/24 23:59:59"  # month/day/year, Paris time
    answers[1]["completed"] = "1/8/2024 0:00:05"
    answers[2]["completed"] = dt.datetime(2024, 1, 3, 9, 0)
    path = write_export(tmp_path / "Requests.xlsx", answers, english=True)
    report = intake.import_requests(office, path)
    assert report.added == 3
    rows = {r.student_number: r for r in queue.list_requests(office)}
    assert rows["100001"].as_json()["received_at"] == "2024-01-07T23:59:59+01:00"
    assert rows["100001"].checks["deadline"] == "on_time"
    assert rows["100002"].checks["deadline"] == "late"
    assert rows["100002"].kind is RequestKind.TRIP


def test_french_text_times_are_day_first(office, tmp_path) -> None:
    path = write_export(tmp_path / "f.xlsx", [answer(completed="07/01/2024 23:59:59")])
    intake.import_requests(office, path)
    assert queue.list_requests(office)[0].as_json()["received_at"] == "2024-01-07T23:59:59+01:00"


def test_summer_time_is_paris_time(office, tmp_path) -> None:
    path = write_export(
        tmp_path / "f.xlsx",
        [answer("100003", ues="NFA032, NFA035", completed=dt.datetime(2024, 5, 20, 12, 0))],
    )
    intake.import_requests(office, path)
    row = queue.list_requests(office, "2023-2024/S2/1")[0]
    assert row.as_json()["received_at"] == "2024-05-20T12:00:00+02:00"
    assert row.checks["overlap"] == "confirmed"


def test_mapping_given_by_hand_then_remembered(office, tmp_path) -> None:
    questions = ["Q1", "Q2", "Q3", "Q4", "Votre motif", "Q6"]
    path = write_export(tmp_path / "f.xlsx", [answer()], questions=questions)
    with pytest.raises(RefusedInput) as refused:
        intake.import_requests(office, path)
    assert "numéro d'auditeur" in str(refused.value) and "UE concernées" in str(refused.value)
    assert "« Q1 »" in str(refused.value) and "--column" in str(refused.value)
    columns = exports.parse_column_options(
        ["student_number=Q1", "last_name=Q2", "exams=Q6", "email=q4"]
    )
    report = intake.import_requests(office, path, columns=columns)
    assert report.added == 1
    row = queue.list_requests(office)[0]
    assert (
        row.student_number == "100001"
        and row.ues == ("NFA031", "NFA008")
        and row.last_name == "Dupont"
    )
    # The next export of the same form needs no --column.
    second = write_export(
        tmp_path / "g.xlsx",
        [answer("100002", response_id=9, ues="NFA031 RSX101")],
        questions=questions,
    )
    export = exports.read_export(office, second)
    assert export.mapping_origin == "remembered"
    assert export.mapping_by_title()["exams"] == ["Q6"]
    assert intake.import_requests(office, second).added == 1


def test_exams_in_several_columns_by_hand(office, tmp_path) -> None:
    questions = ["Numéro d'auditeur", "Nom", "Prénom", "Courriel", "Motif", "Choix 1", "Choix 2"]
    rows = [answer()]
    rows[0]["ues"] = "NFA031"
    rows[0]["trip_start"] = "NFA008"  # the 7th question column holds the second UE
    path = write_export(tmp_path / "f.xlsx", rows, questions=questions)
    columns = exports.parse_column_options(["exams=Choix 1", "exams=Choix 2"])
    intake.import_requests(office, path, columns=columns)
    assert queue.list_requests(office)[0].ues == ("NFA031", "NFA008")


def test_column_option_errors(office, tmp_path) -> None:
    path = write_export(tmp_path / "f.xlsx", [answer()])
    with pytest.raises(RefusedInput, match="Champ « matiere » inconnu"):
        exports.parse_column_options(["matiere=UE"])
    with pytest.raises(RefusedInput, match="CHAMP=EN-TÊTE"):
        exports.parse_column_options(["exams"])
    with pytest.raises(RefusedInput, match="colonne « Pas là » introuvable"):
        intake.import_requests(office, path, columns={"exams": ["Pas là"]})
    with pytest.raises(RefusedInput, match="qu'une colonne"):
        intake.import_requests(office, path, columns={"email": ["Commentaire", "Prénom"]})


def test_the_same_export_twice_adds_nothing(office, tmp_path) -> None:
    path = write_export(tmp_path / "f.xlsx", mixed_answers())
    intake.import_requests(office, path)
    before = {
        t: count(office, t)
        for t in ("accommodation_request", "request_receipt", "requested_exam", "proof")
    }
    again = intake.import_requests(office, path)
    assert again.as_json() == {"added": 0, "merged": 0, "unchanged": 3, "errors": [], "warnings": [], "numbers_matched": []}
    assert {t: count(office, t) for t in before} == before


def test_a_request_sent_twice_is_one_request_with_two_receipts(office, tmp_path) -> None:
    first = write_export(tmp_path / "a.xlsx", [answer(completed=dt.datetime(2024, 1, 6, 9, 0))])
    intake.import_requests(office, first)
    # The next export holds the first answer again and a second sending, earlier in the file.
    second = write_export(
        tmp_path / "b.xlsx",
        [
            answer(completed=dt.datetime(2024, 1, 6, 9, 0)),
            answer(response_id=2, ues="NFA008 ; NFA031", completed=dt.datetime(2024, 1, 8, 7, 0)),
        ],
    )
    report = intake.import_requests(office, second)
    assert report.as_json() == {"added": 0, "merged": 1, "unchanged": 1, "errors": [], "warnings": [], "numbers_matched": []}
    rows = queue.list_requests(office)
    assert len(rows) == 1 and rows[0].receipts == 2
    # The first sending counts: the request is on time.
    assert rows[0].checks["deadline"] == "on_time"
    history = [h.text for h in detail.request_details(office, rows[0].id).history]
    assert any("envoi en double" in line for line in history)


def test_duplicates_inside_one_export(office, tmp_path) -> None:
    path = write_export(
        tmp_path / "f.xlsx",
        [answer(), answer(response_id=2, completed=dt.datetime(2024, 1, 4, 8, 0))],
    )
    report = intake.import_requests(office, path)
    assert (report.added, report.merged) == (1, 1)
    row = queue.list_requests(office)[0]
    assert row.receipts == 2
    assert row.as_json()["received_at"] == "2024-01-04T08:00:00+01:00"
    with office.transaction() as s:
        receipts = s.scalars(select(RequestReceipt).order_by(RequestReceipt.received_at)).all()
        assert [r.form_response_id for r in receipts] == ["2", "1"]


def test_disability_is_redirected_and_keeps_nothing_medical(office, tmp_path) -> None:
    secret = "dyslexie sévère et trouble de l'attention"
    path = write_export(
        tmp_path / "f.xlsx",
        [
            answer(
                "100004",
                f"Situation de handicap : {secret}",
                "NFA031",
                comment="Dossier MDPH n° 12345, traitement en cours",
                proof="https://x/certificat-medical.pdf",
                trip_start="22/01/2024",
            )
        ],
    )
    intake.import_requests(office, path)
    row = queue.list_requests(office)[0]
    assert row.kind is RequestKind.DISABILITY
    assert row.status is RequestStatus.REDIRECTED
    assert row.checks["deadline"] == "exempt"
    details = detail.request_details(office, row.id)
    assert details.reason_text == "motif médical non conservé"
    assert details.comment == "" and details.proofs == [] and details.trip_start is None
    assert "Handi'Cnam" in details.decision_reason
    # Nothing medical anywhere in the database, the audit trail included.
    with office.transaction() as s:
        dump = json.dumps(
            [
                list(map(str, r))
                for table in (
                    "accommodation_request",
                    "request_event",
                    "requested_exam",
                    "request_receipt",
                    "proof",
                    "audit_event",
                    "form_mapping",
                )
                for r in s.execute(text(f"select * from {table}"))
            ],
            ensure_ascii=False,
        ).lower()
    for word in ("dyslexie", "attention", "mdph", "12345", "traitement", "certificat", "medical"):
        assert word not in dump


def test_session_is_found_from_the_exams_and_the_date(office, tmp_path) -> None:
    path = write_export(
        tmp_path / "f.xlsx",
        [
            answer(),  # January: NFA031 is in S1/1 and S1/2, S1/1 comes first
            answer(
                "100004", ues="NFA031", response_id=2, completed=dt.datetime(2024, 3, 1, 9, 0)
            ),  # after S1/1
            answer("100003", ues="NFA032, NFA035", response_id=3),
        ],
    )
    intake.import_requests(office, path)
    assert [r.student_number for r in queue.list_requests(office, "2023-2024/S1/1")] == ["100001"]
    assert [r.student_number for r in queue.list_requests(office, "2023-2024/S1/2")] == ["100004"]
    assert [r.student_number for r in queue.list_requests(office, "2023-2024/S2/1")] == ["100003"]


def test_session_given_on_the_command_line_wins(office, tmp_path) -> None:
    path = write_export(tmp_path / "f.xlsx", [answer()])
    intake.import_requests(office, path, "2023-2024/S1/2")
    assert len(queue.list_requests(office, "2023-2024/S1/2")) == 1


def test_no_session_for_the_exams(office, tmp_path) -> None:
    path = write_export(tmp_path / "f.xlsx", [answer(ues="NFA031, NFA032")])
    with pytest.raises(intake.ImportRefused) as refused:
        intake.import_requests(office, path)
    assert "feuille « Feuil1 », ligne 2" in str(refused.value)
    assert "--session" in str(refused.value)
    assert count(office, "accommodation_request") == 0


def test_ambiguous_session_is_refused(office, tmp_path) -> None:
    # After both sessions of NFA031 began: no way to tell.
    path = write_export(
        tmp_path / "f.xlsx", [answer(ues="NFA031", completed=dt.datetime(2024, 4, 20, 9, 0))]
    )
    with pytest.raises(
        intake.ImportRefused,
        match=r"plusieurs sessions possibles \(2023-2024/S1/1, 2023-2024/S1/2\)",
    ):
        intake.import_requests(office, path)


# --- bad exports --------------------------------------------------------------------------------------


def test_not_a_forms_export(office, tmp_path) -> None:
    import openpyxl  # heavy, and only this test writes a workbook by hand

    path = tmp_path / "planning.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["UE", "Date", "Salle"])
    workbook.save(path)
    with pytest.raises(RefusedInput, match="n'est pas un export Microsoft Forms"):
        intake.import_requests(office, path)


def test_missing_question_columns(office, tmp_path) -> None:
    questions = [q for q in FR_QUESTIONS if q != "Numéro d'auditeur"]
    path = write_export(tmp_path / "f.xlsx", [], questions=questions)
    with pytest.raises(RefusedInput) as refused:
        intake.import_requests(office, path)
    message = str(refused.value)
    assert message.startswith(
        "fichier « f.xlsx », feuille « Feuil1 » : aucune colonne pour numéro d'auditeur"
    )


def test_empty_rows_are_skipped_and_rows_counted_as_the_sheet_shows_them(office, tmp_path) -> None:
    rows = mixed_answers()
    rows[2]["number"] = ""
    path = write_export(tmp_path / "f.xlsx", rows, blank_rows_after={0, 1})
    with pytest.raises(intake.ImportRefused) as refused:
        intake.import_requests(office, path)
    assert [p.as_json() for p in refused.value.problems] == [
        {"sheet": "Feuil1", "row": 6, "column": "G", "message": "numéro d'auditeur manquant"}
    ]
    rows[2]["number"] = "100003"
    path = write_export(tmp_path / "g.xlsx", rows, blank_rows_after={0, 1})
    assert intake.import_requests(office, path).added == 3


def test_an_answer_with_every_question_blank_is_skipped(office, tmp_path) -> None:
    blank = answer(
        number="", reason="", ues="", last_name="", first_name="", email="", response_id=2
    )
    path = write_export(tmp_path / "f.xlsx", [answer(), blank])
    assert intake.import_requests(office, path).added == 1


def test_row_problems_name_row_and_column(office, tmp_path) -> None:
    """Only what cannot be a request refuses the export; what a student typed wrong is a warning."""
    rows = [
        answer(reason=""),
        answer("100002", response_id=2, ues="voir pièce jointe"),
        answer("100003", response_id=3, trip_start="bientôt", **TRIP),
        answer("100004", response_id=4, trip_start="26/01/2024", trip_end="24/01/2024", **TRIP),
        answer("100001", response_id=5, completed="hier soir"),
    ]
    path = write_export(tmp_path / "f.xlsx", rows)
    with pytest.raises(intake.ImportRefused) as refused:
        intake.import_requests(office, path)
    found = [(p.row, p.column, p.message) for p in refused.value.problems]
    assert len(found) == 1
    assert found[0][:2] == (6, "C") and "hier soir" in found[0][2]
    report = intake.import_requests(office, write_export(tmp_path / "g.xlsx", rows[:4]))
    assert report.added == 4
    warnings = [(w.row, w.column, w.message) for w in report.warnings]
    assert warnings[0] == (2, "K", "motif de la demande manquant : demande gardée sans motif")
    assert warnings[1] == (3, "L", "aucun code d'UE reconnu dans « voir pièce jointe » : gardé tel que saisi")
    assert warnings[2] == (
        3, None, ("aucune UE d'un planning : demande rangée dans la session 2023-2024/S1/1 "
                  "(celle des autres réponses de l'export)"),
    )
    assert warnings[3][:2] == (4, "M") and "bientôt" in warnings[3][2] and "gardée telle que saisie" in warnings[3][2]
    assert warnings[4] == (5, "N", "date de retour avant la date de départ")
    assert len(warnings) == 5
    typed = {row.student_number: row.as_typed for row in queue.list_requests(office)}
    assert typed["100002"] == {"exams": "voir pièce jointe"}
    assert typed["100003"] == {"trip_start": "bientôt"}


# --- hand-typed requests -----------------------------------------------------------------------------


def test_hand_typed_request(office) -> None:
    received = frenchdates.paris_instant(dt.date(2024, 1, 6), dt.time(14, 30))
    request_id = manual.add_request(
        office,
        manual.HandTypedRequest(
            session_key="2023-2024/S1/1",
            student_number=" 100002 ",
            reason_text="Mission à l'étranger",
            codes=["rsx101"],
            received_at=received,
            source=RequestSource.DESK,
            trip_start=dt.date(2024, 1, 25),
            trip_end=dt.date(2024, 1, 25),
        ),
    )
    row = queue.get_row(office, request_id)
    assert (row.student_number, row.kind, row.source, row.ues) == (
        "100002",
        RequestKind.TRIP,
        RequestSource.DESK,
        ("RSX101",),
    )
    assert row.checks == {
        "deadline": "on_time",
        "overlap": None,
        "proof": "missing",
        "trip_covers_exam": True,
    }
    # The same request received again by mail: one request, two receipts.
    again = manual.add_request(
        office,
        manual.HandTypedRequest(
            session_key="2023-2024/S1/1",
            student_number="100002",
            reason_text="Mission à l'étranger",
            codes=["RSX101"],
            received_at=received + dt.timedelta(days=1),
            source=RequestSource.MAIL,
        ),
    )
    assert again == request_id and queue.get_row(office, request_id).receipts == 2


def test_hand_typed_request_rules(office) -> None:
    received = frenchdates.paris_instant(dt.date(2024, 1, 6), dt.time(14, 30))

    def typed(**changes) -> manual.HandTypedRequest:
        values = {
            "session_key": "2023-2024/S1/1",
            "student_number": "100001",
            "reason_text": "Chevauchement",
            "codes": ["NFA031", "NFA008"],
            "received_at": received,
        }
        return manual.HandTypedRequest(**(values | changes))

    with pytest.raises(RefusedInput, match="numéro d'auditeur"):
        manual.add_request(office, typed(student_number=" "))
    with pytest.raises(RefusedInput, match="UE inconnue : ZZZ123"):
        manual.add_request(office, typed(codes=["ZZZ123"]))
    with pytest.raises(RefusedInput, match="au moins une UE"):
        manual.add_request(office, typed(codes=[]))
    with pytest.raises(RefusedInput, match="motif"):
        manual.add_request(office, typed(reason_text=""))
    with pytest.raises(RefusedInput, match="retour est avant"):
        manual.add_request(
            office, typed(trip_start=dt.date(2024, 1, 3), trip_end=dt.date(2024, 1, 2))
        )
    with pytest.raises(RefusedInput, match="n'existe pas"):
        manual.add_request(office, typed(session_key="2030-2031/S1/1"))
    first = manual.add_request(office, typed())
    with pytest.raises(RefusedInput, match="déjà été saisie"):
        manual.add_request(office, typed())
    disability = manual.add_request(
        office,
        typed(
            reason_text="tiers temps, suivi psychiatrique", codes=[], kind=RequestKind.DISABILITY
        ),
    )
    details = detail.request_details(office, disability)
    assert (
        details.reason_text == "motif médical non conservé"
        and details.row.status is RequestStatus.REDIRECTED
    )
    assert first != disability


# --- proofs -----------------------------------------------------------------------------------------


def _trip_request(office, tmp_path) -> int:
    path = write_export(tmp_path / "f.xlsx", [answer("100002", trip_start="25/01/2024", **TRIP)])
    intake.import_requests(office, path)
    return queue.list_requests(office)[0].id


def test_attach_a_pdf_proof(office, tmp_path) -> None:
    request_id = _trip_request(office, tmp_path)
    row = queue.get_row(office, request_id)
    assert row.checks["proof"] == "missing"
    pdf = tmp_path / "ordre de mission.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + b"0" * 1000)
    version = manual.attach_proof(office, request_id, pdf, expect_version=row.version)
    assert version == row.version + 1
    row = queue.get_row(office, request_id)
    assert row.checks["proof"] == "present" and row.version == version
    details = detail.request_details(office, request_id)
    assert details.proofs[0].file_name == "ordre de mission.pdf" and details.proofs[0].size == 1009
    name, media, content, link = manual.proof_content(office, details.proofs[0].id)
    assert (name, media, link) == (
        "ordre de mission.pdf",
        "application/pdf",
        "",
    ) and content == pdf.read_bytes()
    # A second clerk who read the old version is told.
    image = tmp_path / "billet.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    with pytest.raises(EditConflict, match="Justificatif joint"):
        manual.attach_proof(office, request_id, image, expect_version=row.version - 1)
    manual.attach_proof(office, request_id, image)
    with pytest.raises(RefusedInput, match="déjà joint"):
        manual.attach_proof(office, request_id, image)


def test_proof_limits(office, tmp_path) -> None:
    request_id = _trip_request(office, tmp_path)
    big = tmp_path / "gros.pdf"
    big.write_bytes(b"%PDF-" + b"0" * (manual.PROOF_MAX_BYTES))
    with pytest.raises(RefusedInput, match="ne peut dépasser 10 Mo"):
        manual.attach_proof(office, request_id, big)
    word = tmp_path / "lettre.docx"
    word.write_bytes(b"PK\x03\x04")
    with pytest.raises(RefusedInput, match="PDF ou une image"):
        manual.attach_proof(office, request_id, word)
    fake = tmp_path / "faux.pdf"
    fake.write_bytes(b"MZ\x90\x00 not a pdf")
    with pytest.raises(RefusedInput, match="pas un vrai PDF"):
        manual.attach_proof(office, request_id, fake)
    empty = tmp_path / "vide.pdf"
    empty.write_bytes(b"")
    with pytest.raises(RefusedInput, match="vide"):
        manual.attach_proof(office, request_id, empty)
    with pytest.raises(RefusedInput, match="introuvable"):
        manual.attach_proof(office, request_id, tmp_path / "absent.pdf")
    assert count(office, "proof") == 0


def test_no_proof_kept_for_a_disability_request(office, tmp_path) -> None:
    path = write_export(tmp_path / "f.xlsx", [answer("100004", "handicap", "NFA031")])
    intake.import_requests(office, path)
    pdf = tmp_path / "certificat.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    with pytest.raises(RefusedInput, match="Aucun justificatif n'est conservé"):
        manual.attach_proof(office, queue.list_requests(office)[0].id, pdf)
    with office.transaction() as s:
        assert s.scalars(select(Proof)).all() == []


def test_import_progress_and_one_transaction(office, tmp_path) -> None:
    path = write_export(
        tmp_path / "f.xlsx",
        [
            answer(
                "100001",
                response_id=i,
                completed=dt.datetime(2024, 1, 1, 8, 0) + dt.timedelta(minutes=i),
            )
            for i in range(120)
        ],
    )
    export = exports.read_export(office, path)
    steps = intake.import_steps(office, export)
    progress = []
    with pytest.raises(RuntimeError):
        while True:
            progress.append(next(steps))
            if len(progress) == 3:
                steps.throw(RuntimeError("annulé"))
    assert progress[1].done == 50 and progress[1].total == 120
    assert count(office, "accommodation_request") == 0
    assert count(office, "form_mapping") == 0


def test_mapping_is_remembered_per_form(office, tmp_path) -> None:
    path = write_export(tmp_path / "f.xlsx", [answer()])
    intake.import_requests(office, path)
    with office.transaction() as s:
        stored = s.scalar(select(FormMapping))
        assert stored.mapping["student_number"] == ["Numéro d'auditeur"]
        assert stored.signature == exports.read_export(None, path).signature


def test_completion_time_beyond_any_spreadsheet_date_is_a_row_error() -> None:
    with pytest.raises(parsing.ParseError, match="pas une date de tableur"):
        answers.parse_received(2958466.0, english=False)


HEALTH_ANSWERS = [
    ("Je suis dyslexique", ""),
    ("Dyslexie reconnue", ""),
    ("Aménagement pour diabète (insuline pendant l'épreuve)", ""),
    ("Crises d'épilepsie, traitement médical en cours", ""),
    ("voir mon médecin", ""),
    ("Je suis enceinte, terme prévu pendant la session", ""),
    ("Autre", "RQTH depuis 2022, temps majoré"),
    ("Deux examens le même jour", "je suis aussi dyspraxique"),
]


def test_any_answer_that_speaks_of_health_keeps_no_text_of_it(office, tmp_path) -> None:
    path = write_export(
        tmp_path / "f.xlsx",
        [answer(str(100001 + i % 4), reason, "NFA031", response_id=i + 1, comment=comment,
                email=f"a{i}@exemple.fr", last_name=f"Nom{i}")
         for i, (reason, comment) in enumerate(HEALTH_ANSWERS)],
    )
    intake.import_requests(office, path)
    rows = queue.list_requests(office)
    # The same student's answers are one redirected request with several receipts.
    assert sum(row.receipts for row in rows) == len(HEALTH_ANSWERS)
    assert {row.kind for row in rows} == {RequestKind.DISABILITY}
    assert {row.status for row in rows} == {RequestStatus.REDIRECTED}
    with office.transaction() as s:
        dump = json.dumps(
            [list(map(str, r)) for table in ("accommodation_request", "request_event", "request_receipt", "audit_event")
             for r in s.execute(text(f"select * from {table}"))],
            ensure_ascii=False,
        ).lower()
    for word in ("dyslex", "diab", "insuline", "epilep", "épilep", "médecin", "enceinte", "rqth", "majoré", "dyspra"):
        assert word not in dump
    assert "motif médical non conservé" in dump
