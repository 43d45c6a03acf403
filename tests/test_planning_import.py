"""Schedule import: messy files read right, bad rows and bad files refused, re-imports idempotent."""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest
from sqlalchemy import func, select

from cnam_desk import slots
from cnam_desk.db.models import AuditEvent, CourseUnit, Exam
from cnam_desk.errors import EditConflict, RefusedInput
from cnam_desk.importing import RefusedFile
from cnam_desk.progress import Progress
from cnam_desk.schedule import exam_calendar, planning, schedule_file
from cnam_desk.schedule.planning import HeldExam, compare_schedule
from cnam_desk.schedule.schedule_file import ScheduledExam, ScheduleFile
from tests.schedule_files import SESSION, plain_schedule, write_book

D = dt.date
T = dt.time


def read(db, path, key=SESSION):
    return schedule_file.read_schedule(path, exam_calendar.get_session(db, key))


def exams_of(db, key=SESSION):
    return {(e.ue, e.centre): e for e in planning.list_exams(db, key)}


def snapshot(db):
    """Everything an import may touch: exams (with versions), UEs and audit events."""
    with db.transaction() as s:
        return (
            sorted(s.execute(select(Exam.id, Exam.course_unit_id, Exam.centre, Exam.date, Exam.start, Exam.end,
                                    Exam.room, Exam.version)).all()),
            sorted(s.execute(select(CourseUnit.code, CourseUnit.title, CourseUnit.version)).all()),
            s.scalar(select(func.count()).select_from(AuditEvent)),
        )  # fmt: skip


# --- the quirks of real files ------------------------------------------------------------------


def test_messy_file_with_every_quirk(db, tmp_path) -> None:
    path = write_book(
        tmp_path / "planning session 1.xlsx",
        {
            "Semaine 1": [
                ["CNAM PARIS – SERVICE DES EXAMENS"],
                ["Planning des examens – semestre 1, session 1", None, None, "version du 3 janvier"],
                [],
                # any order, accents and case lost, an extra column
                ["Remarques", "SALLE", "heure de debut", "Heure de FIN", "date de l'epreuve", "Code UE", "LIBELLE", "Site"],
                [None, "Amphi A", "18h", "21h00", "22/01/2024", "NFA031", "Programmation Java", "Paris"],
                ["prévoir calculatrice", "Salle 12", "18:00", "21:00", "23/01/24", "nfa 032", "Java objet", None],
                [],
                ["Attention : les salles du samedi restent à confirmer"],
                [None, None, None, None, None, "Semaine 2"],  # a note in the UE column
                [None, "Salle 12", "9 h 30", "12 h 30", "samedi 27 janvier 2024", "NFP107", "SGBD", "Lyon"],
                [None, "Salle 3", T(14, 0), T(17, 0), D(2024, 1, 24), "RSX101", "Réseaux", "Paris"],
                [None, "Salle 3", "14h00", "17h00", "25 janv. 2024", "SEC101", "Sécurité", "paris"],
                [None, "Salle 4", "14h", "17h", "1er février 2024", "STA001", "Statistique", "Paris"],
            ],
            "Semaine 2": [
                ["Suite du planning"],
                ["UE", "Intitulé", "Jour", "Début", "Fin", "Salle", "Lieu"],
                ["ANG320", "Anglais", "2024-02-02", "10h", "12h", "Amphi B", "Paris"],
                ["Total : 7 épreuves"],
            ],
        },
    )
    schedule = read(db, path)
    assert schedule.errors == []
    assert schedule.sheets == ["Semaine 1", "Semaine 2"]
    assert schedule.rows_read == 7
    got = {(e.ue, e.centre): (e.title, e.date, e.start, e.end, e.room) for e in schedule.exams}
    assert got == {
        ("NFA031", "Paris"): ("Programmation Java", D(2024, 1, 22), T(18), T(21), "Amphi A"),
        ("NFA032", "Paris"): ("Java objet", D(2024, 1, 23), T(18), T(21), "Salle 12"),
        ("NFP107", "Lyon"): ("SGBD", D(2024, 1, 27), T(9, 30), T(12, 30), "Salle 12"),
        ("RSX101", "Paris"): ("Réseaux", D(2024, 1, 24), T(14), T(17), "Salle 3"),
        ("SEC101", "paris"): ("Sécurité", D(2024, 1, 25), T(14), T(17), "Salle 3"),
        ("STA001", "Paris"): ("Statistique", D(2024, 2, 1), T(14), T(17), "Salle 4"),
        ("ANG320", "Paris"): ("Anglais", D(2024, 2, 2), T(10), T(12), "Amphi B"),
    }
    summary = planning.apply_schedule(db, schedule)
    assert (summary.added, summary.updated, summary.removed, summary.unchanged) == (7, 0, 0, 0)
    assert summary.course_units_created == 7
    assert exams_of(db)[("NFA031", "Paris")].title == "Programmation Java"


@pytest.mark.parametrize(
    "header",
    [
        ["UE", "Intitulé", "Date", "Début", "Fin", "Salle", "Centre"],
        ["Code UE", "Libellé", "Date de l'épreuve", "Heure de début", "Heure de fin", "Salle", "Site"],
        ["Code", "LIBELLÉ", "JOUR", "DÉBUT", "FIN", "salle", "lieu"],
        ["code ue", "intitule", "date de l epreuve", "heure de debut", "heure de fin", "SALLE", "CENTRE"],
    ],
)
def test_header_synonyms(db, tmp_path, header) -> None:
    path = write_book(tmp_path / "p.xlsx", [header, ["NFA031", "Java", "22/01/2024", "18h", "21h", "A", "Paris"]])
    schedule = read(db, path)
    assert schedule.errors == []
    assert schedule.exams[0][:7] == ("NFA031", "Java", "Paris", D(2024, 1, 22), T(18), T(21), "A")


@pytest.mark.parametrize(
    "text", ["22/01/2024", "22/01/24", "lundi 22 janvier 2024", "22 janvier 2024", "2024-01-22", "Lundi 22 Janvier 2024"]
)
def test_text_dates(db, tmp_path, text) -> None:
    path = write_book(tmp_path / "p.xlsx", plain_schedule([["NFA031", "", text, "18h", "21h", "", ""]]))
    assert read(db, path).exams[0].date == D(2024, 1, 22)


@pytest.mark.parametrize(
    ("start", "end"),
    [("18h", "21h"), ("18h00", "21h00"), ("18:00", "21:00"), ("18 h 00", "21 h"), (T(18), T(21)), (0.75, 0.875)],
)
def test_text_and_spreadsheet_times(db, tmp_path, start, end) -> None:
    path = write_book(tmp_path / "p.xlsx", plain_schedule([["NFA031", "", D(2024, 1, 22), start, end, "", ""]]))
    exam = read(db, path).exams[0]
    assert (exam.start, exam.end) == (T(18), T(21))


def test_horaire_column(db, tmp_path) -> None:
    path = write_book(
        tmp_path / "p.xlsx",
        [
            ["UE", "Date", "Horaire", "Salle"],
            ["NFA031", "22/01/2024", "18h00 - 21h00", "A"],
            ["NFA032", "23/01/2024", "de 9h à 12h30", "B"],
            ["NFA033", "24/01/2024", "14:00–17:00", "C"],
        ],
    )
    schedule = read(db, path)
    assert schedule.errors == []
    assert [(e.ue, e.start, e.end, e.centre) for e in schedule.exams] == [
        ("NFA031", T(18), T(21), schedule_file.DEFAULT_CENTRE),
        ("NFA032", T(9), T(12, 30), schedule_file.DEFAULT_CENTRE),
        ("NFA033", T(14), T(17), schedule_file.DEFAULT_CENTRE),
    ]


def test_duration_column(db, tmp_path) -> None:
    path = write_book(
        tmp_path / "p.xlsx",
        [
            ["UE", "Date", "Début", "Durée"],
            ["NFA031", "22/01/2024", "18h", "3h"],
            ["NFA032", "22/01/2024", "9h", "1h30"],
            ["NFA033", "22/01/2024", "14h", "90 min"],
            ["NFA034", "22/01/2024", "14h", 2],
            ["NFA035", "22/01/2024", "22h", "3h"],
        ],
    )
    schedule = read(db, path)
    assert [(e.ue, e.end) for e in schedule.exams] == [
        ("NFA031", T(21)), ("NFA032", T(10, 30)), ("NFA033", T(15, 30)), ("NFA034", T(16)),
    ]  # fmt: skip
    assert [(e.row, e.column, e.message) for e in schedule.errors] == [(6, "D", "l'épreuve finirait après minuit")]


def test_one_exam_in_several_rooms_is_one_exam(db, tmp_path) -> None:
    path = write_book(
        tmp_path / "p.xlsx",
        plain_schedule(
            [
                ["NFA031", "Java", "22/01/2024", "18h", "21h", "Amphi A", "Paris"],
                ["NFA031", "Java", "22/01/2024", "18h", "21h", "Salle 12", "Paris"],
                ["NFA031", "Java", "22/01/2024", "18h", "21h", "Amphi A", "Paris"],
            ]
        ),
    )
    schedule = read(db, path)
    assert schedule.errors == []
    assert [e.room for e in schedule.exams] == ["Amphi A ; Salle 12"]
    assert slots.split_rooms(schedule.exams[0].room) == ["Amphi A", "Salle 12"]


# --- bad rows ----------------------------------------------------------------------------------


def bad_rows_file(tmp_path):
    return write_book(
        tmp_path / "erreurs.xlsx",
        plain_schedule(
            [
                ["NFA031", "Java", "22/01/2024", "18h", "21h", "A", "Paris"],  # row 2: fine
                ["NFA032", "Java 2", "22/01/2025", "18h", "21h", "A", "Paris"],  # outside the session
                ["NFA033", "", "23/01/2024", "18h", "17h", "A", "Paris"],  # end before start
                ["NFA034", "", "23/01/2024", "18h", "18h", "A", "Paris"],  # end = start
                [None, "Sans code", "24/01/2024", "18h", "21h", "A", "Paris"],  # empty UE
                ["NFA036", "", "31/02/2024", "18h", "21h", "A", "Paris"],  # no such day
                ["NFA037", "", "24/01/2024", "25h", "26h", "A", "Paris"],  # no such hour
                ["NFA038", "", "", "18h", "21h", "A", "Paris"],  # no date
                ["NFA031", "Java", "25/01/2024", "18h", "21h", "A", "Paris"],  # same exam, another slot
            ]
        ),
    )


def test_bad_rows_name_sheet_row_and_column(db, tmp_path) -> None:
    schedule = read(db, bad_rows_file(tmp_path))
    assert [e.ue for e in schedule.exams] == ["NFA031"]
    where = [(e.sheet, e.row, e.column) for e in schedule.errors]
    assert where == [
        ("Planning", 3, "C"), ("Planning", 4, "E"), ("Planning", 5, "E"), ("Planning", 6, "A"),
        ("Planning", 7, "C"), ("Planning", 8, "D"), ("Planning", 9, "C"), ("Planning", 10, "A"),
    ]  # fmt: skip
    messages = [e.message for e in schedule.errors]
    assert "en dehors de la session (du 22/01/2024 au 03/02/2024)" in messages[0]
    assert messages[1] == "la fin (17h00) doit être après le début (18h00)"
    assert messages[3] == "UE manquante"
    assert "figure déjà ligne 2" in messages[7]
    assert schedule.errors[0].describe().startswith("fichier « erreurs.xlsx », feuille « Planning », ligne 3, colonne C : ")


def test_file_with_bad_rows_is_refused_whole(db, tmp_path) -> None:
    before = snapshot(db)
    with pytest.raises(RefusedFile) as refused:
        planning.import_schedule(db, bad_rows_file(tmp_path), SESSION)
    assert len(refused.value.errors) == 8
    assert "rien n'a été enregistré" in str(refused.value)
    assert snapshot(db) == before


def test_skip_errors_imports_the_good_rows_and_keeps_exams_of_rows_in_error(db, tmp_path) -> None:
    first = write_book(
        tmp_path / "v1.xlsx",
        plain_schedule(
            [["NFA031", "Java", "22/01/2024", "18h", "21h", "A", "Paris"],
             ["NFA033", "SGBD", "23/01/2024", "18h", "21h", "A", "Paris"],
             ["NFA099", "Vieux", "23/01/2024", "9h", "12h", "B", "Paris"]]
        ),
    )  # fmt: skip
    planning.import_schedule(db, first, SESSION)
    summary = planning.import_schedule(db, bad_rows_file(tmp_path), SESSION, skip_errors=True)
    assert len(summary.errors) == 8
    # NFA033's row is in error: its exam stays; NFA099 is no longer listed: removed.
    assert (summary.added, summary.updated, summary.removed, summary.unchanged) == (0, 0, 1, 1)
    assert [e.ue for e in summary.preview.kept] == ["NFA033"]
    assert set(exams_of(db)) == {("NFA031", "Paris"), ("NFA033", "Paris")}


# --- bad files ---------------------------------------------------------------------------------


def _not_a_spreadsheet(tmp_path):
    path = tmp_path / "planning.xlsx"
    path.write_text("UE;Date;Début;Fin\nNFA031;22/01/2024;18h;21h\n", encoding="utf-8")
    return path


def _truncated(tmp_path):
    good = write_book(tmp_path / "good.xlsx", plain_schedule([["NFA031", "", "22/01/2024", "18h", "21h", "", ""]]))
    path = tmp_path / "tronque.xlsx"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    return path


def _empty(tmp_path):
    path = tmp_path / "vide.xlsx"
    path.write_bytes(b"")
    return path


def _zip_without_workbook(tmp_path):
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "bonjour")
    return path


def _no_header(tmp_path):
    return write_book(tmp_path / "sans-entete.xlsx", [["NFA031", "22/01/2024", "18h", "21h"]])


def _no_times(tmp_path):
    return write_book(tmp_path / "sans-heures.xlsx", [["UE", "Date", "Salle"], ["NFA031", "22/01/2024", "A"]])


def _start_without_end(tmp_path):
    return write_book(tmp_path / "sans-fin.xlsx", [["UE", "Date", "Début"], ["NFA031", "22/01/2024", "18h"]])


def _password_protected(tmp_path):
    from tests.test_spreadsheets import write_cfb

    return write_cfb(tmp_path / "protege.xlsx", ["EncryptionInfo", "EncryptedPackage"])


def _zip_bomb(tmp_path):
    from tests.test_spreadsheets import _ratio_bomb

    return _ratio_bomb(tmp_path)


def _entities(tmp_path):
    from tests.test_spreadsheets import _billion_laughs

    good = write_book(tmp_path / "good.xlsx", plain_schedule([["NFA031", "", "22/01/2024", "18h", "21h", "", ""]]))
    return _billion_laughs(tmp_path, good)


@pytest.mark.parametrize(
    "make",
    [
        _not_a_spreadsheet, _truncated, _empty, _zip_without_workbook, _password_protected, _zip_bomb, _entities,
        _no_header, _no_times, _start_without_end,
    ],
)  # fmt: skip
def test_bad_files_change_nothing(db, tmp_path, make) -> None:
    planning.import_schedule(
        db, write_book(tmp_path / "v1.xlsx", plain_schedule([["NFA031", "J", "22/01/2024", "18h", "21h", "A", ""]])), SESSION
    )
    before = snapshot(db)
    path = make(tmp_path)
    with pytest.raises(RefusedInput) as refused:
        planning.import_schedule(db, path, SESSION)
    assert path.name in str(refused.value)
    assert snapshot(db) == before


def test_missing_file(db, tmp_path) -> None:
    with pytest.raises(RefusedInput, match="absent.xlsx"):
        planning.import_schedule(db, tmp_path / "absent.xlsx", SESSION)


# --- re-imports --------------------------------------------------------------------------------


def v1(tmp_path):
    return write_book(
        tmp_path / "v1.xlsx",
        plain_schedule(
            [
                ["NFA031", "Java", "22/01/2024", "18h", "21h", "Amphi A", "Paris"],
                ["NFA032", "Java 2", "23/01/2024", "18h", "21h", "Salle 12", "Paris"],
                ["NFA032", "Java 2", "23/01/2024", "18h", "21h", "Salle 3", "Lyon"],
                ["RSX101", "Réseaux", "24/01/2024", "14h", "17h", "Salle 3", "Paris"],
            ]
        ),
    )


def test_reimporting_the_same_file_changes_nothing(db, tmp_path) -> None:
    path = v1(tmp_path)
    first = planning.import_schedule(db, path, SESSION)
    assert (first.added, first.updated, first.removed, first.unchanged) == (4, 0, 0, 0)
    before = snapshot(db)
    again = planning.import_schedule(db, path, SESSION)
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 4)
    assert again.course_units_created == 0
    assert snapshot(db) == before  # not even an audit event


def test_corrected_file_updates_in_place_and_says_what_changed(db, tmp_path) -> None:
    planning.import_schedule(db, v1(tmp_path), SESSION)
    ids = {key: exam.id for key, exam in exams_of(db).items()}
    corrected = write_book(
        tmp_path / "v2.xlsx",
        plain_schedule(
            [
                ["NFA031", "Java", "22/01/2024", "18h", "21h", "Amphi A", "Paris"],  # same
                ["NFA032", "Java 2", "25/01/2024", "18h", "21h30", "Salle 12", "Paris"],  # moved, longer
                ["RSX101", "Réseaux", "24/01/2024", "14h", "17h", "Amphi B", "Paris"],  # other room
                ["SEC101", "Sécurité", "26/01/2024", "9h", "12h", "Salle 3", "Paris"],  # new
                # NFA032 in Lyon is gone
            ]
        ),
    )
    summary = planning.import_schedule(db, corrected, SESSION)
    assert (summary.added, summary.updated, summary.removed, summary.unchanged) == (1, 2, 1, 1)
    described = sorted(change.describe() for change in summary.preview.changed)
    assert described == [
        "NFA032 (Paris) : date : 23/01/2024 → 25/01/2024, fin : 21h00 → 21h30",
        "RSX101 (Paris) : salle : Salle 3 → Amphi B",
    ]
    exams = exams_of(db)
    assert exams[("NFA032", "Paris")].id == ids[("NFA032", "Paris")]  # updated in place
    assert exams[("NFA032", "Paris")].date == D(2024, 1, 25)
    assert ("NFA032", "Lyon") not in exams
    with db.transaction() as s:
        versions = dict(s.execute(select(Exam.id, Exam.version)).all())
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "import")).all()
    assert versions[ids[("NFA032", "Paris")]] == 2 and versions[ids[("NFA031", "Paris")]] == 1
    assert len(events) == 2  # one summary per import that changed something
    assert events[-1].after == {
        "file": "v2.xlsx", "added": 1, "updated": 2, "removed": 1, "unchanged": 1,
        "course_units_created": 1, "course_units_titled": 0, "rows_skipped": 0,
    }  # fmt: skip


def test_known_units_keep_their_title_unknown_ones_get_the_files(db, tmp_path) -> None:
    with db.transaction() as s:
        s.add(CourseUnit(code="NFA031", title="Programmation avec Java : notions de base"))
        s.add(CourseUnit(code="NFA032", title=""))
    planning.import_schedule(db, v1(tmp_path), SESSION)
    with db.transaction() as s:
        titles = dict(s.execute(select(CourseUnit.code, CourseUnit.title)).all())
    assert titles == {
        "NFA031": "Programmation avec Java : notions de base", "NFA032": "Java 2", "RSX101": "Réseaux",
    }  # fmt: skip


def test_dry_run_writes_nothing(db, tmp_path) -> None:
    before = snapshot(db)
    summary = planning.import_schedule(db, v1(tmp_path), SESSION, dry_run=True)
    assert (summary.added, summary.course_units_created) == (4, 3)
    assert snapshot(db) == before


def test_stale_preview_is_refused(db, tmp_path) -> None:
    planning.import_schedule(db, v1(tmp_path), SESSION)
    schedule = read(db, v1(tmp_path))
    preview = planning.preview_schedule(db, schedule)
    with db.transaction() as s:
        exam = s.scalars(select(Exam)).first()
        exam.room = "Ailleurs"  # a colleague edits the schedule meanwhile
    with pytest.raises(EditConflict):
        planning.apply_schedule(db, schedule, expected=preview)


def test_session_dates_changed_since_reading_is_refused(db, tmp_path) -> None:
    schedule = read(db, v1(tmp_path))
    view = exam_calendar.get_session(db, SESSION)
    exam_calendar.set_session(db, SESSION, view.first_day, D(2024, 2, 10), view.deadline)
    with pytest.raises(EditConflict):
        planning.apply_schedule(db, schedule)


def test_steps_yield_progress_and_an_interruption_writes_nothing(db, tmp_path) -> None:
    session = exam_calendar.get_session(db, SESSION)
    steps = planning.read_schedule_steps(v1(tmp_path), session)
    items = []
    try:
        while True:
            items.append(next(steps))
    except StopIteration as stop:
        schedule = stop.value
    assert all(isinstance(item, Progress) for item in items) and items
    before = snapshot(db)
    writing = planning.apply_schedule_steps(db, schedule)
    next(writing)
    next(writing)
    with pytest.raises(KeyboardInterrupt):
        writing.throw(KeyboardInterrupt())
    assert snapshot(db) == before


def test_other_sessions_are_untouched(db, tmp_path) -> None:
    planning.import_schedule(db, v1(tmp_path), SESSION)
    other = write_book(
        tmp_path / "s2.xlsx", plain_schedule([["NFA031", "Java", "10/06/2024", "18h", "21h", "A", "Paris"]])
    )
    summary = planning.import_schedule(db, other, "2023-2024/S2/1")
    assert (summary.added, summary.removed) == (1, 0)
    assert len(exams_of(db)) == 4


# --- the preview, without a database -----------------------------------------------------------


def _file(*exams: ScheduledExam, ues_in_error: set[str] | None = None) -> ScheduleFile:
    return ScheduleFile("f.xlsx", SESSION, D(2024, 1, 22), D(2024, 2, 3), list(exams), ues_in_error=ues_in_error or set())


def test_compare_schedule_is_pure() -> None:
    held = [
        HeldExam(1, "A1", "", "Paris", D(2024, 1, 22), T(9), T(12), "S1", 3),
        HeldExam(2, "B2", "", "Paris", D(2024, 1, 22), T(14), T(17), "S1", 1),
        HeldExam(3, "C3", "", "Paris", D(2024, 1, 23), T(14), T(17), "S1", 1),
        HeldExam(4, "D4", "", "Paris", D(2024, 1, 23), T(9), T(12), "S2", 1),
    ]
    schedule = _file(
        ScheduledExam("A1", "", "Paris", D(2024, 1, 22), T(9), T(12), "S1"),
        ScheduledExam("B2", "", "Paris", D(2024, 1, 22), T(14), T(17, 30), "S9"),
        ScheduledExam("E5", "", "Paris", D(2024, 1, 24), T(9), T(12), "S1"),
        ues_in_error={"D4"},
    )
    preview = compare_schedule(schedule, held)
    assert [e.ue for e in preview.added] == ["E5"]
    assert [(c.held.id, [f.label for f in c.changes]) for c in preview.changed] == [(2, ["fin", "salle"])]
    assert [e.id for e in preview.removed] == [3]
    assert [e.id for e in preview.kept] == [4]
    assert [e.id for e in preview.unchanged] == [1]
    assert preview.counts() == {"added": 1, "updated": 1, "removed": 1, "unchanged": 1}
    bumped = [held[0]._replace(version=4), *held[1:]]
    assert compare_schedule(schedule, bumped).held_signature != preview.held_signature


def test_an_ue_alone_on_its_row_is_an_error_not_a_note(db, tmp_path) -> None:
    path = write_book(
        tmp_path / "p.xlsx",
        plain_schedule([["NFA031", "Java", None, None, None, None, None], ["Semaine 2", None, None, None, None, None, None],
                        ["Total : 1 épreuve"]]),
    )  # fmt: skip
    schedule = read(db, path)
    assert schedule.rows_read == 1
    assert [(e.row, e.column) for e in schedule.errors] == [(2, "C"), (2, "D")]
    assert schedule.errors[0].message == "date manquante"
