"""Schedules as offices write them: notes and totals, French dates, centres typed differently, several UEs in a cell, removals."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from cnam_desk.db.models import (
    AccommodationRequest,
    Arrangement,
    CourseUnit,
    Exam,
    Grade,
    RequestedExam,
    RequestEvent,
    RequestKind,
    Student,
)
from cnam_desk.importing import RefusedFile
from cnam_desk.requests import checks
from cnam_desk.schedule import conflicts, exam_calendar, planning, schedule_file
from cnam_desk.schedule.removals import RemovalsRefused
from tests.schedule_files import (
    FORMATS,
    PLAIN_HEADER,
    SESSION,
    plain_schedule,
    write_book,
    write_sheet,
)

D = dt.date
T = dt.time
HEADER = PLAIN_HEADER  # UE, Intitulé, Date, Début, Fin, Salle, Centre
EMPTY = [None] * 6


def read(db, path, key=SESSION):
    return schedule_file.read_schedule(path, exam_calendar.get_session(db, key))


# --- 1. lines that are no exam -----------------------------------------------------------------

OFFICE_SHEET = [
    ["CNAM PARIS – SERVICE DES EXAMENS", *EMPTY],  # merged A1:G1
    ["Planning des examens – semestre 1, session 1", *EMPTY],
    [],
    HEADER,
    ["NFA031", "Programmation Java", D(2024, 1, 22), T(18), T(21), "Amphi A", "Paris"],
    ["NFA032", "Java objet", "23/01/2024", "18h", "21h", "Salle 12", "Paris"],
    [],
    ["Planning des examens – semestre 1, session 1", *EMPTY],  # the title repeated over the next block
    HEADER,  # and the header
    ["NFP107", "SGBD", "mardi 30/01/2024", "9h30", "12h30", "Salle 12", "Lyon"],
    ["Semaine 2 : les salles du samedi restent à confirmer", *EMPTY],  # merged A11:G11
    ["Total", None, "3 épreuves", None, None, None, None],  # a count in the date column
    ["Total : 3 épreuves", *EMPTY],
    [None, None, "Fait à Paris, le", "03/01/2024", None, None, None],
    ["Document non contractuel, sous réserve de modifications.", *EMPTY],  # merged A15:G15
    [None, None, None, None, None, "Le responsable du service", "Signature :"],
    [None, None, None, None, None, None, "Mme Durand"],
]
OFFICE_MERGED = [(0, 0, 0, 6), (10, 0, 10, 6), (14, 0, 14, 6)]


@pytest.mark.parametrize("kind", FORMATS)
def test_notes_totals_signatures_and_titles_are_skipped_and_listed(db, tmp_path, kind) -> None:
    path = write_sheet(tmp_path / f"planning.{kind}", OFFICE_SHEET, merged=OFFICE_MERGED)
    schedule = read(db, path)
    assert schedule.errors == []
    assert sorted(e.ue for e in schedule.exams) == ["NFA031", "NFA032", "NFP107"]
    assert schedule.rows_read == 3
    skipped = {(line.row, line.text) for line in schedule.skipped}
    assert skipped == {
        (1, "CNAM PARIS – SERVICE DES EXAMENS"),
        (2, "Planning des examens – semestre 1, session 1"),
        (8, "Planning des examens – semestre 1, session 1"),
        (9, "UE Intitulé Date Début Fin Salle Centre"),
        (11, "Semaine 2 : les salles du samedi restent à confirmer"),
        (12, "Total 3 épreuves"),
        (13, "Total : 3 épreuves"),
        (14, "Fait à Paris, le 03/01/2024"),
        (15, "Document non contractuel, sous réserve de modifications."),
        (16, "Le responsable du service Signature :"),
        (17, "Mme Durand"),
    }
    assert {line.sheet for line in schedule.skipped} == {"Planning"}
    summary = planning.import_schedule(db, path, SESSION)
    assert summary.added == 3
    assert summary.as_json()["skipped"][0] == {"sheet": "Planning", "row": 1, "text": "CNAM PARIS – SERVICE DES EXAMENS"}


@pytest.mark.parametrize("kind", FORMATS)
def test_an_ue_code_with_a_date_that_cannot_be_read_is_still_a_row_in_error(db, tmp_path, kind) -> None:
    rows = [
        ["Planning S1", *EMPTY],
        HEADER,
        ["NFA031", "Java", "22/01/2024", "18h", "21h", "Amphi A", "Paris"],
        ["NFA035 - Algorithmique", None, "31/02/2024", "18h", "21h", "Amphi B", "Paris"],
        ["nfa 036", None, "le jour d'après", "18h", "21h", "Amphi B", "Paris"],
        ["Total : 3 épreuves", *EMPTY],
    ]
    path = write_sheet(tmp_path / f"erreurs.{kind}", rows)
    with pytest.raises(RefusedFile) as caught:
        planning.import_schedule(db, path, SESSION)
    described = [error.describe() for error in caught.value.errors]
    assert described == [
        (
            f"fichier « erreurs.{kind} », feuille « Planning », ligne 4, colonne C : "
            "date « 31/02/2024 » invalide : ce jour n’existe pas"
        ),
        (
            f"fichier « erreurs.{kind} », feuille « Planning », ligne 5, colonne C : "
            "date « le jour d'après » invalide : attendu par exemple 22/01/2024, 22 janvier 2024 ou 22-janv.-24"
        ),
    ]
    assert planning.list_exams(db, SESSION) == []


def test_a_row_with_a_date_and_times_but_no_ue_is_an_error_not_a_note(db, tmp_path) -> None:
    path = write_book(tmp_path / "p.xlsx", plain_schedule([["NFA031", "", "22/01/2024", "18h", "21h", "", ""],
                                                          [None, "Java", "23/01/2024", "18h", "21h", "Amphi A", ""]]))  # fmt: skip
    schedule = read(db, path)
    assert [(e.row, e.column, e.message) for e in schedule.errors] == [(3, "A", "UE manquante")]


# --- 2. French dates ------------------------------------------------------------------------------

DATES = [
    ("23-janv.-24", D(2024, 1, 23)),
    ("mardi 23/01/2024", D(2024, 1, 23)),
    ("mar. 23/01", D(2024, 1, 23)),
    ("23 janv. 2024", D(2024, 1, 23)),
    ("23 janvier 2024", D(2024, 1, 23)),
    ("23/01", D(2024, 1, 23)),
    ("lundi 22 janvier", D(2024, 1, 22)),
    ("Jeudi 1er février", D(2024, 2, 1)),
    ("1-févr.-24", D(2024, 2, 1)),
    ("2 fevr. 2024", D(2024, 2, 2)),
    ("sam. 3 fév.", D(2024, 2, 3)),
    ("MER 24/01/24", D(2024, 1, 24)),
    ("25.01", D(2024, 1, 25)),
    (dt.datetime(2024, 1, 26, 0, 0), D(2024, 1, 26)),
    (D(2024, 1, 29), D(2024, 1, 29)),
]


@pytest.mark.parametrize("kind", FORMATS)
def test_french_dates_as_spreadsheets_write_them(db, tmp_path, kind) -> None:
    rows = [HEADER] + [
        [f"NFA{100 + i}", "", value, "18h", "21h", "", ""] for i, (value, _day) in enumerate(DATES)
    ]
    schedule = read(db, write_sheet(tmp_path / f"dates.{kind}", rows))
    assert schedule.errors == []
    assert [e.date for e in schedule.exams] == [day for _value, day in DATES]


def test_a_date_without_its_year_takes_the_sessions(db, tmp_path) -> None:
    # Session 2 of semester 1 is in April 2024; session 1 of semester 1 straddles nothing but January.
    rows = plain_schedule([["NFA031", "", "lundi 8 avril", "18h", "21h", "", ""], ["NFA032", "", "09/04", "18h", "21h", "", ""]])
    schedule = read(db, write_book(tmp_path / "s2.xlsx", rows), "2023-2024/S1/2")
    assert [e.date for e in schedule.exams] == [D(2024, 4, 8), D(2024, 4, 9)]
    wrong = read(db, write_book(tmp_path / "jour.xlsx", plain_schedule([["NFA031", "", "mardi 22 janvier", "18h", "21h", "", ""]])))
    assert [e.message for e in wrong.errors] == [
        "date « mardi 22 janvier » incohérente : le 22 janvier 2024 est un lundi"
    ]


# --- 3. centres and rooms typed differently ----------------------------------------------------


def test_centres_and_rooms_compare_without_case_accents_or_spaces(db, tmp_path) -> None:
    first = plain_schedule([
        ["NFA031", "Java", "22/01/2024", "18h", "21h", "Salle A.01", "Paris 3e"],
        ["NFA032", "Java 2", "23/01/2024", "18h", "21h", "Amphi Émile", "Paris 3e"],
    ])  # fmt: skip
    planning.import_schedule(db, write_book(tmp_path / "v1.xlsx", first), SESSION)
    before = {(e.ue, e.centre): (e.id, e.room) for e in planning.list_exams(db, SESSION)}
    second = plain_schedule([
        ["NFA031", "Java", "22/01/2024", "18h", "21h", "salle  a.01", "PARIS 3E"],
        ["NFA032", "Java 2", "23/01/2024", "18h", "21h", "AMPHI EMILE", "paris 3ème"],
        # a new exam in the same room, at the same time as NFA031, typed yet another way
        ["NFA033", "Java 3", "22/01/2024", "19h", "20h", "SALLE A.01 ", " Paris  3E"],
    ])  # fmt: skip
    summary = planning.import_schedule(db, write_book(tmp_path / "v2.xlsx", second), SESSION)
    assert (summary.added, summary.updated, summary.removed, summary.unchanged) == (1, 0, 0, 2)
    after = {(e.ue, e.centre): (e.id, e.room) for e in planning.list_exams(db, SESSION)}
    assert after == {**before, ("NFA033", "Paris 3e"): (after[("NFA033", "Paris 3e")][0], "Salle A.01")}
    (clash,) = conflicts.find_conflicts(db, SESSION).rooms  # one room, not two rooms that do not clash
    assert (clash.room, clash.centre, sorted(e.ue for e in clash.exams)) == ("Salle A.01", "Paris 3e", ["NFA031", "NFA033"])


def test_one_exam_in_several_rooms_typed_differently_is_one_room(db, tmp_path) -> None:
    rows = plain_schedule([
        ["NFA031", "Java", "22/01/2024", "18h", "21h", "Amphi A", "Paris"],
        ["NFA031", "Java", "22/01/2024", "18h", "21h", "AMPHI A", "PARIS"],
        ["NFA031", "Java", "22/01/2024", "18h", "21h", "Salle 12", "paris"],
    ])  # fmt: skip
    (exam,) = read(db, write_book(tmp_path / "p.xlsx", rows)).exams
    assert (exam.centre, exam.room) == ("Paris", "Amphi A ; Salle 12")


# --- 4. several UEs in a cell, a code with its title ------------------------------------------


@pytest.mark.parametrize("kind", FORMATS)
def test_several_codes_in_a_cell_and_a_code_with_its_title(db, tmp_path, kind) -> None:
    with db.transaction() as s:
        s.add_all([CourseUnit(code="NFA041", title=""), CourseUnit(code="NFA042", title="Titre de l'office")])
    rows = [
        HEADER,
        ["NFA031 / NFA032", "", "22/01/2024", "18h", "21h", "Amphi A", "Paris"],
        ["NFA033, NFA034", "", "23/01/2024", "18h", "21h", "Amphi B", "Paris"],
        ["NFA035 + NFA036", "", "24/01/2024", "18h", "21h", "", ""],
        ["NFA037 et nfa 038", "", "25/01/2024", "18h", "21h", "", ""],
        ["NFA039 ; NFA040", "", "26/01/2024", "18h", "21h", "", ""],
        ["NFA041 - Programmation avec Java", "", "29/01/2024", "18h", "21h", "", ""],
        ["NFA042 – Java avancé", "", "30/01/2024", "18h", "21h", "", ""],
        ["NFA043 : Réseaux", "", "31/01/2024", "18h", "21h", "", ""],
        ["NFA044 - Bases", "Bases de données", "01/02/2024", "18h", "21h", "", ""],
    ]
    summary = planning.import_schedule(db, write_sheet(tmp_path / f"codes.{kind}", rows), SESSION)
    assert summary.added == 14
    exams = {e.ue: e for e in planning.list_exams(db, SESSION)}
    assert sorted(exams) == [f"NFA0{n}" for n in range(31, 45)]
    assert (exams["NFA031"].date, exams["NFA031"].room) == (exams["NFA032"].date, exams["NFA032"].room)
    assert exams["NFA038"].date == D(2024, 1, 25)
    with db.transaction() as s:
        titles = dict(s.execute(select(CourseUnit.code, CourseUnit.title)).all())
    assert titles["NFA041"] == "Programmation avec Java"  # had no title
    assert titles["NFA042"] == "Titre de l'office"  # kept
    assert titles["NFA043"] == "Réseaux"  # new
    assert titles["NFA044"] == "Bases de données"  # the title column first
    assert "NFA031/NFA032" not in titles and "NFA031 / NFA032" not in titles


# --- 5. removals that something rests on -------------------------------------------------------

THREE = [
    ["NFA031", "Java", "22/01/2024", "18h", "21h", "Amphi A", "Paris"],
    ["NFA008", "Bases", "22/01/2024", "19h", "22h", "Amphi B", "Paris"],
    ["RSX101", "Réseaux", "24/01/2024", "14h", "17h", "Salle 3", "Paris"],
]


def seed_requests(db, tmp_path) -> int:
    """Three exams; an overlap request on NFA031 and NFA008 with an arrangement on NFA031; grades in RSX101."""
    planning.import_schedule(db, write_book(tmp_path / "v1.xlsx", plain_schedule(THREE)), SESSION)
    with db.transaction() as s:
        session = exam_calendar.find_session(s, SESSION)
        ids = {code: exam_id for exam_id, code in s.execute(select(Exam.id, CourseUnit.code).join(Exam.course_unit))}
        student = Student(number="100001", last_name="Dupont", first_name="Camille")
        s.add(student)
        s.flush()
        request = AccommodationRequest(
            session_id=session.id, student_id=student.id, kind=RequestKind.OVERLAP,
            received_at=dt.datetime(2024, 1, 5, 10, 0, tzinfo=dt.UTC), checks={},
        )  # fmt: skip
        request.exams = [RequestedExam(ue_code="NFA031", exam_id=ids["NFA031"]), RequestedExam(ue_code="NFA008", exam_id=ids["NFA008"])]
        request.arrangements = [Arrangement(exam_id=ids["NFA031"], ue_code="NFA031", date=D(2024, 1, 22), start=T(14), end=T(17))]
        s.add(request)
        unit = s.scalar(select(CourseUnit).where(CourseUnit.code == "RSX101"))
        s.add(Grade(session_id=session.id, course_unit=unit, student=student, value=12, entered_at=dt.datetime(2024, 2, 5, tzinfo=dt.UTC)))
        s.flush()
        checks.recompute_session(s, session)
        return request.id


def test_removing_exams_something_rests_on_is_refused_then_allowed(db, tmp_path) -> None:
    request_id = seed_requests(db, tmp_path)
    path = write_book(tmp_path / "v2.xlsx", plain_schedule([THREE[1]]))  # only NFA008 left
    with pytest.raises(RemovalsRefused) as caught:
        planning.import_schedule(db, path, SESSION)
    message = str(caught.value)
    assert "l'import supprimerait 2 épreuves sur lesquelles reposent" in message
    assert "NFA031 (Paris) du 22/01/2024 : 1 demande, 1 aménagement" in message
    assert "RSX101 (Paris) du 24/01/2024 : 1 note" in message
    assert "--allow-removals" in message
    with pytest.raises(RemovalsRefused):
        planning.import_schedule(db, path, SESSION, dry_run=True)
    assert len(planning.list_exams(db, SESSION)) == 3  # nothing written

    summary = planning.import_schedule(db, path, SESSION, allow_removals=True)
    assert (summary.removed, summary.unchanged, summary.requests_to_review) == (2, 1, 1)
    assert [e.ue for e in planning.list_exams(db, SESSION)] == ["NFA008"]
    with db.transaction() as s:
        request = s.get(AccommodationRequest, request_id)
        assert request.checks["overlap"] == checks.NOT_FOUND
        (event,) = s.scalars(select(RequestEvent).where(RequestEvent.action == "review")).all()
        assert event.request_id == request_id
        assert event.text == (
            "Épreuve supprimée du planning par l'import de « v2.xlsx » : NFA031 (Paris) du 22/01/2024. Demande à revoir."
        )


def test_removing_exams_nothing_rests_on_needs_no_leave(db, tmp_path) -> None:
    seed_requests(db, tmp_path)
    path = write_book(tmp_path / "v2.xlsx", plain_schedule([*THREE, ["NFP107", "", "25/01/2024", "9h", "12h", "", ""]]))
    planning.import_schedule(db, path, SESSION)
    summary = planning.import_schedule(db, write_book(tmp_path / "v3.xlsx", plain_schedule(THREE)), SESSION)
    assert (summary.removed, summary.requests_to_review) == (1, 0)


# --- 6. the command line, as a clerk types it --------------------------------------------------


def test_cli_lists_skipped_lines_and_guards_removals(cli, db, tmp_path) -> None:
    office = write_sheet(tmp_path / "planning.ods", OFFICE_SHEET, merged=OFFICE_MERGED)
    result = cli("import-planning", str(office), "--session", SESSION, "--json")
    assert result.code == 0, result
    payload = json.loads(result.out)
    assert payload["added"] == 3 and payload["errors"] == []
    assert {"sheet": "Planning", "row": 15, "text": "Document non contractuel, sous réserve de modifications."} in payload["skipped"]
    text = cli("import-planning", str(office), "--session", SESSION)
    assert text.code == 0, text
    assert "ligne ignorée : feuille « Planning », ligne 12 : Total 3 épreuves" in text.out

    request_id = seed_requests(db, tmp_path)  # replaces the schedule by THREE, with a request on NFA031
    fewer = write_book(tmp_path / "moins.xlsx", plain_schedule([THREE[1], THREE[2]]))
    refused = cli("import-planning", str(fewer), "--session", SESSION)
    assert refused.code == 1, refused
    assert "fichier « moins.xlsx » refusé, rien n'a été modifié" in refused.err
    assert "NFA031 (Paris) du 22/01/2024 : 1 demande, 1 aménagement" in refused.err
    as_json = cli("import-planning", str(fewer), "--session", SESSION, "--json")
    assert as_json.code == 1
    assert json.loads(as_json.out)["refused_removals"] == [
        {"ue": "NFA031", "centre": "Paris", "date": "2024-01-22", "requests": 1, "arrangements": 1, "grades": 0}
    ]
    allowed = cli("import-planning", str(fewer), "--session", SESSION, "--allow-removals")
    assert allowed.code == 0, allowed
    assert "1 supprimée" in allowed.out and "1 demande à revoir" in allowed.out
    with db.transaction() as s:
        assert s.get(AccommodationRequest, request_id).checks["overlap"] == checks.NOT_FOUND


def test_cli_refusal_json_lists_skipped_lines_too(cli, tmp_path) -> None:
    rows = [["Planning S1", *EMPTY], HEADER, ["NFA031", "", "31/02/2024", "18h", "21h", "", ""]]
    result = cli("import-planning", str(write_sheet(tmp_path / "p.xls", rows)), "--session", SESSION, "--json")
    assert result.code == 1
    payload = json.loads(result.out)
    assert payload["skipped"] == [{"sheet": "Planning", "row": 1, "text": "Planning S1"}]
    assert payload["errors"][0]["row"] == 3
