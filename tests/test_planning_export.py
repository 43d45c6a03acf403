"""Exports: .ics valid for calendar programs, .xlsx without formulas that reads back the same, rosters."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from openpyxl import load_workbook
from sqlalchemy import select

from cnam_desk.db.models import CourseUnit
from cnam_desk.errors import NotFound, RefusedInput
from cnam_desk.schedule import enrolments, planning, planning_export
from tests.schedule_files import SESSION, plain_schedule, write_book

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def scheduled(db, tmp_path):
    planning.import_schedule(
        db,
        write_book(
            tmp_path / "p.xlsx",
            plain_schedule(
                [
                    ["NFA031", "Java", "22/01/2024", "18h", "21h", "Amphi A ; Salle 12", "Paris"],
                    ["NFA032", "", "23/01/2024", "9h", "12h", "+33 salle", "Paris"],
                    ["RSX101", "Réseaux", "02/02/2024", "14h", "17h", "-1", "@Lyon"],
                ]
            ),
        ),
        SESSION,
    )
    enrolments.import_enrolments(
        db,
        write_book(
            tmp_path / "i.xlsx",
            [["Numéro", "Nom", "Prénom", "Code UE"],
             ["3", "Zola", "Émile", "NFA031"], ["1", "Éluard", "Paul", "NFA031"], ["2", "duras", "Marguerite", "NFA031"],
             ["4", "Camus", "Albert", "NFA031"], ["5", "Sand", "George", "NFA031"],
             ["1", "Éluard", "Paul", "RSX101"]],
        ),
        "2023-2024",
    )  # fmt: skip
    with db.transaction() as s:
        s.scalar(select(CourseUnit).where(CourseUnit.code == "NFA032")).title = '=HYPERLINK("http://x")'
    return db


def test_ics_is_a_valid_calendar_in_paris_time(scheduled, tmp_path) -> None:
    out = tmp_path / "planning.ics"
    planning_export.export_planning(scheduled, SESSION, out)
    calendar = Calendar.from_ical(out.read_bytes())
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    events = calendar.walk("VEVENT")
    assert len(events) == 3
    first = next(e for e in events if "NFA031" in str(e["SUMMARY"]))
    assert first.decoded("DTSTART") == dt.datetime(2024, 1, 22, 18, 0, tzinfo=PARIS)
    assert first["DTSTART"].params["TZID"] == "Europe/Paris"
    assert first.decoded("DTEND").astimezone(dt.UTC) == dt.datetime(2024, 1, 22, 20, 0, tzinfo=dt.UTC)
    assert str(first["LOCATION"]) == "Amphi A ; Salle 12, Paris"
    assert all(e.get("DTSTAMP") for e in events)
    assert len({str(e["UID"]) for e in events}) == 3
    text = out.read_bytes()
    assert b"\r\n" in text and all(len(line) <= 75 for line in text.split(b"\r\n"))


def test_uids_are_stable_across_exports_and_reimports(scheduled, tmp_path) -> None:
    first = Calendar.from_ical(planning_export.calendar_bytes(planning_export.session_exams(scheduled, SESSION)))
    again = Calendar.from_ical(planning_export.calendar_bytes(planning_export.session_exams(scheduled, SESSION)))
    assert [str(e["UID"]) for e in first.walk("VEVENT")] == [str(e["UID"]) for e in again.walk("VEVENT")]


def test_a_students_own_exams(scheduled, tmp_path) -> None:
    out = tmp_path / "paul.ics"
    selection = planning_export.export_planning(scheduled, SESSION, out, student_number="1")
    assert [e.ue for e in selection.exams] == ["NFA031", "RSX101"]
    calendar = Calendar.from_ical(out.read_bytes())
    assert "Paul Éluard" in str(calendar["X-WR-CALNAME"])
    assert len(calendar.walk("VEVENT")) == 2
    with pytest.raises(NotFound):
        planning_export.export_planning(scheduled, SESSION, tmp_path / "x.ics", student_number="999")


def test_xlsx_has_no_formula_and_reads_back_unchanged(scheduled, tmp_path) -> None:
    out = tmp_path / "export.xlsx"
    planning_export.export_planning(scheduled, SESSION, out)
    sheet = load_workbook(out).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    texts = {cell.value for cell in cells if isinstance(cell.value, str)}
    assert {'=HYPERLINK("http://x")', "+33 salle", "-1", "@Lyon"} <= texts
    summary = planning.import_schedule(scheduled, out, SESSION, dry_run=True)
    assert (summary.added, summary.updated, summary.removed, summary.unchanged) == (0, 0, 0, 3)


def test_unknown_extension_and_unwritable_target(scheduled, tmp_path) -> None:
    with pytest.raises(RefusedInput, match="choisissez .ics ou .xlsx"):
        planning_export.export_planning(scheduled, SESSION, tmp_path / "planning.pdf")
    blocker = tmp_path / "fichier"
    blocker.write_text("")
    with pytest.raises(RefusedInput, match="est un fichier, pas un dossier"):
        planning_export.export_planning(scheduled, SESSION, blocker / "planning.ics")


def test_rosters_one_per_exam_and_room_sorted_by_name(scheduled) -> None:
    rosters = planning_export.attendance_rosters(scheduled, SESSION)
    nfa031 = [r for r in rosters if r.ue == "NFA031"]
    assert [r.room for r in nfa031] == ["Amphi A", "Salle 12"]
    names = [[s.last_name for s in r.students] for r in nfa031]
    # accents and case do not change the order: Camus, duras, Éluard | Sand, Zola
    assert names == [["Camus", "duras", "Éluard"], ["Sand", "Zola"]]
    assert [len(r.students) for r in rosters if r.ue == "NFA032"] == [0]
    assert [s.number for r in rosters if r.ue == "RSX101" for s in r.students] == ["1"]


def test_split_by_rooms() -> None:
    assert [len(b) for b in planning_export.split_by_rooms(list(range(10)), 3)] == [4, 3, 3]
    assert planning_export.split_by_rooms([], 2) == [[], []]


def test_attendance_sheets_one_pdf_per_exam_and_room(scheduled, tmp_path) -> None:
    from pypdf import PdfReader

    written = planning_export.write_attendance_sheets(scheduled, SESSION, tmp_path / "emargement")
    names = sorted(path.name for path in written)
    assert names == [
        "emargement-20240122-1800-nfa031-paris-amphi-a.pdf",
        "emargement-20240122-1800-nfa031-paris-salle-12.pdf",
        "emargement-20240123-0900-nfa032-paris-33-salle.pdf",
        "emargement-20240202-1400-rsx101-lyon-1.pdf",
    ]
    text = " ".join(page.extract_text() for page in PdfReader(tmp_path / "emargement" / names[0]).pages)
    assert text.index("Camus") < text.index("duras") < text.index("Éluard")
    assert "Sand" not in text  # in the second room
    assert "NFA031" in text and "Semestre 1, session 1 de l'année 2023-2024" in text
    assert "identité" in text


def test_attendance_sheets_need_exams(db, tmp_path) -> None:
    with pytest.raises(RefusedInput, match="aucune feuille"):
        planning_export.write_attendance_sheets(db, SESSION, tmp_path / "x")
    assert not (tmp_path / "x").exists()
