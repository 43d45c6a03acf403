"""A session's schedule handed out: .ics calendars, .xlsx files and the attendance sheets' data."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from cnam_desk import frenchdates, outputs, parsing, paths
from cnam_desk.db.engine import Database
from cnam_desk.db.models import CourseUnit, Enrolment, Exam, Student
from cnam_desk.errors import NotFound, RefusedInput
from cnam_desk.progress import Progress, Steps, run_to_end
from cnam_desk.schedule import exam_calendar, planning
from cnam_desk.schedule.planning import ExamLine
from cnam_desk.slots import split_rooms

if TYPE_CHECKING:
    from openpyxl.cell import WriteOnlyCell

    from cnam_desk.documents import AttendanceSheet

# icalendar, openpyxl and reportlab are imported by the function that writes each kind of file:
# the window and the commands that list the schedule load none of them.

FORMATS = (".ics", ".xlsx")
# What spreadsheet programs take for the start of a formula (or of a DDE call).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# XML 1.0 cannot hold these control characters; openpyxl would refuse the whole file.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_HEADERS = ("UE", "Intitulé", "Date", "Début", "Fin", "Salle", "Centre")
_COLUMN_WIDTHS = (10, 48, 12, 8, 8, 26, 16)


@dataclass(frozen=True)
class SessionExams:
    """The exams to hand out: a whole session, or one student's own exams in it."""

    session_key: str
    exams: list[ExamLine]
    student_number: str | None = None
    student_name: str = ""

    @property
    def title(self) -> str:
        who = f" – {self.student_name} ({self.student_number})" if self.student_number else ""
        return f"Examens {self.session_key}{who}"


def session_exams(db: Database, session_key: str, student_number: str | None = None) -> SessionExams:
    """The session's exams, or only those of the UEs the student is enrolled in that year."""
    with db.transaction() as s:
        session = exam_calendar.find_session(s, session_key)
        exams = [ExamLine(*row) for row in planning.exam_tuples(s, session.id)]
        if student_number is None:
            return SessionExams(session.key, exams)
        student = s.scalar(select(Student).where(Student.number == student_number.strip()))
        if student is None:
            raise NotFound(f"Aucun auditeur n'a le numéro « {student_number} ».")
        codes = set(
            s.scalars(
                select(CourseUnit.code)
                .join(Enrolment, Enrolment.course_unit_id == CourseUnit.id)
                .where(Enrolment.student_id == student.id, Enrolment.year_id == session.semester.year_id)
            )
        )
        name = f"{student.first_name} {student.last_name}".strip()
        return SessionExams(session.key, [e for e in exams if e.ue in codes], student.number, name)


# --- iCalendar ----------------------------------------------------------------------------------


def exam_uid(session_key: str, ue: str, centre: str) -> str:
    """Stable across exports and re-imports: an exam is its session, UE and centre."""
    digest = hashlib.sha1(f"{session_key}|{ue}|{centre}".encode(), usedforsecurity=False).hexdigest()[:16]
    return f"examen-{ue.lower()}-{digest}@cnam-desk"


def calendar_bytes(selection: SessionExams, now: dt.datetime | None = None) -> bytes:
    """One VEVENT per exam in Paris time, with the VTIMEZONE calendar programs need."""
    from icalendar import Calendar, Event  # deferred on purpose: icalendar, for this export only

    stamp = (now or frenchdates.now()).astimezone(dt.UTC)
    calendar = Calendar()
    calendar.add("prodid", "-//Cnam Desk//Planning des examens//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", selection.title)
    calendar.add("x-wr-timezone", "Europe/Paris")
    for exam in selection.exams:
        event = Event()
        event.add("uid", exam_uid(selection.session_key, exam.ue, exam.centre))
        event.add("dtstamp", stamp)
        event.add("dtstart", frenchdates.paris_instant(exam.date, exam.start))
        event.add("dtend", frenchdates.paris_instant(exam.date, exam.end))
        event.add("summary", f"Examen {exam.ue} – {exam.title}" if exam.title else f"Examen {exam.ue}")
        event.add("location", ", ".join(part for part in (exam.room, exam.centre) if part))
        event.add(
            "description",
            f"Session {selection.session_key}. Présentez une pièce d'identité originale en cours de validité "
            "(photocopies et versions numériques refusées).",
        )
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    if selection.exams:
        first = min(exam.date for exam in selection.exams)
        last = max(exam.date for exam in selection.exams)
        calendar.add_missing_timezones(first_date=dt.date(first.year, 1, 1), last_date=dt.date(last.year + 1, 1, 1))
    return calendar.to_ical()


# --- spreadsheet --------------------------------------------------------------------------------


def text_cell(sheet: Any, value: str) -> WriteOnlyCell:
    """A text cell that stays text: never read as a formula, even if a clerk edits it later."""
    from openpyxl.cell import WriteOnlyCell  # deferred on purpose: openpyxl, for this export only

    text = _NOT_IN_XML.sub("", value)
    cell = WriteOnlyCell(sheet, text)
    if text.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def write_xlsx(selection: SessionExams, out: Path) -> None:
    """The schedule as a sheet the import reads back unchanged (same headers, real dates and times)."""
    from openpyxl import Workbook  # deferred on purpose: openpyxl, for this export only
    from openpyxl.cell import WriteOnlyCell  # deferred on purpose: see above
    from openpyxl.styles import Font  # deferred on purpose: see above

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Planning")
    for index, width in enumerate(_COLUMN_WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A3"
    title = WriteOnlyCell(sheet, selection.title)
    title.font = Font(bold=True, size=13)
    sheet.append([title])
    header = []
    for name in XLSX_HEADERS:
        cell = WriteOnlyCell(sheet, name)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for exam in selection.exams:
        day = WriteOnlyCell(sheet, exam.date)
        day.number_format = "DD/MM/YYYY"
        start = WriteOnlyCell(sheet, exam.start)
        start.number_format = "HH:MM"
        end = WriteOnlyCell(sheet, exam.end)
        end.number_format = "HH:MM"
        sheet.append(
            [
                text_cell(sheet, exam.ue), text_cell(sheet, exam.title), day, start, end,
                text_cell(sheet, exam.room), text_cell(sheet, exam.centre),
            ]
        )  # fmt: skip
    _save_atomically(out, book.save)


def _save_atomically(out: Path, save: Any) -> None:
    """Written whole under a temporary name beside the target, then put in place: a failed export
    never leaves half a file, and a full disk is said in French."""
    with outputs.one_file(out) as temporary:
        outputs.write_bytes(temporary, save)


def export_planning(db: Database, session_key: str, out: str | Path, student_number: str | None = None) -> SessionExams:
    """Write the schedule (or a student's own exams) as .ics or .xlsx, chosen by the file's extension."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise RefusedInput(f"Extension « {out.suffix or '(aucune)'} » inconnue pour « {out.name} » : choisissez .ics ou .xlsx.")
    selection = session_exams(db, session_key, student_number)
    try:
        if suffix == ".ics":
            data = calendar_bytes(selection)
            _save_atomically(out, lambda buffer: buffer.write(data))
        else:
            write_xlsx(selection, out)
    except OSError as error:
        raise RefusedInput(outputs.describe(error)) from None
    return selection


# --- attendance sheets --------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterStudent:
    number: str
    last_name: str
    first_name: str


@dataclass(frozen=True)
class AttendanceRoster:
    """The students expected in one room for one exam, sorted by name (feuille d'émargement)."""

    session_key: str
    ue: str
    title: str
    date: dt.date
    start: dt.time
    end: dt.time
    room: str
    centre: str
    students: tuple[RosterStudent, ...]

    def file_stem(self) -> str:
        """« emargement-20240122-1800-NFA031-paris-amphi-a »: unique per exam and room, safe on every disk."""

        def slug(text: str, empty: str) -> str:
            return re.sub(r"[^a-z0-9]+", "-", parsing.fold(text)).strip("-")[:40] or empty

        return (
            f"emargement-{self.date:%Y%m%d}-{self.start:%H%M}-{slug(self.ue, 'ue')}-"
            f"{slug(self.centre, 'centre')}-{slug(self.room, 'salle')}"
        )


def _name_key(student: RosterStudent) -> tuple[str, str, str]:
    return (parsing.fold(student.last_name), parsing.fold(student.first_name), student.number)


def split_by_rooms(students: list[RosterStudent], rooms: int) -> list[list[RosterStudent]]:
    """Students of an exam held in several rooms: alphabetical blocks, as even as can be."""
    if rooms <= 1:
        return [students]
    size, extra = divmod(len(students), rooms)
    blocks, start = [], 0
    for index in range(rooms):
        end = start + size + (1 if index < extra else 0)
        blocks.append(students[start:end])
        start = end
    return blocks


def attendance_rosters(db: Database, session_key: str) -> list[AttendanceRoster]:
    """One roster per exam and room: the students enrolled in the UE that year, by name.

    The office does not know which centre a student sits in, so an UE examined in several
    centres lists its enrolled students on each centre's sheets.
    """
    with db.transaction() as s:
        session = exam_calendar.find_session(s, session_key)
        key = session.key
        exams = [ExamLine(*row) for row in planning.exam_tuples(s, session.id)]
        enrolled: dict[str, list[RosterStudent]] = defaultdict(list)
        for code, number, last, first in s.execute(
            select(CourseUnit.code, Student.number, Student.last_name, Student.first_name)
            .select_from(Enrolment)
            .join(Student, Enrolment.student_id == Student.id)
            .join(CourseUnit, Enrolment.course_unit_id == CourseUnit.id)
            .where(
                Enrolment.year_id == session.semester.year_id,
                Enrolment.course_unit_id.in_(select(Exam.course_unit_id).where(Exam.session_id == session.id)),
            )
        ):
            enrolled[code].append(RosterStudent(number, last, first))
    rosters = []
    for exam in exams:
        students = sorted(enrolled.get(exam.ue, []), key=_name_key)
        rooms = split_rooms(exam.room) or [""]
        for room, block in zip(rooms, split_by_rooms(students, len(rooms)), strict=True):
            rosters.append(
                AttendanceRoster(
                    key, exam.ue, exam.title, exam.date, exam.start, exam.end, room, exam.centre, tuple(block)
                )
            )
    return rosters



def _roster_sheet(roster: AttendanceRoster, session_title: str) -> AttendanceSheet:
    # deferred on purpose: reportlab, for the attendance sheets only
    from cnam_desk.documents import AttendanceSheet, AttendanceStudent

    return AttendanceSheet(
        session_title=session_title,
        ue_code=roster.ue,
        ue_title=roster.title,
        date=roster.date,
        start=roster.start,
        end=roster.end,
        room=roster.room,
        centre=roster.centre,
        students=tuple(AttendanceStudent(s.number, s.last_name, s.first_name) for s in roster.students),
    )


def attendance_sheets_steps(db: Database, session_key: str, out_dir: str | Path) -> Steps[list[Path]]:
    """One PDF per exam and room in a folder, yielding progress; on any failure none of them is left."""
    from cnam_desk import office  # deferred on purpose: the letterhead's reportlab
    from cnam_desk.documents import render_attendance_sheets  # deferred on purpose: reportlab

    out_dir = Path(out_dir)
    view = exam_calendar.get_session(db, session_key)
    rosters = attendance_rosters(db, view.key)
    if not rosters:
        raise RefusedInput(f"La session {view.key} n'a pas d'épreuve : aucune feuille d'émargement à écrire.")
    letterhead = office.get_letterhead(db)
    title = f"{view.title} de l'année {view.year}"
    outputs.ensure_folder(out_dir)
    names = paths.UniqueNames()
    with outputs.batch("feuille d'émargement", "feuilles d'émargement", len(rosters), feminine=True) as files:
        for index, roster in enumerate(rosters):
            yield Progress(index, len(rosters), f"Feuille d'émargement {roster.ue} ({roster.room or 'sans salle'})")
            sheet = _roster_sheet(roster, title)
            outputs.write_bytes(files.temporary(out_dir / names(f"{roster.file_stem()}.pdf")),
                                lambda buffer, sheet=sheet: render_attendance_sheets([sheet], letterhead, buffer))
            files.wrote()
        written = files.place()
    yield Progress(len(rosters), len(rosters), "Feuilles d'émargement écrites")
    return written


def write_attendance_sheets(db: Database, session_key: str, out_dir: str | Path) -> list[Path]:
    """The attendance sheets of a session as PDF files in a folder (one per exam and room)."""
    return run_to_end(attendance_sheets_steps(db, session_key, out_dir))
