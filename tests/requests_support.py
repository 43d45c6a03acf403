"""What the request tests share: a small schedule with enrolled students, and Forms exports written as Forms writes them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl

from cnam_desk.db.engine import Database
from cnam_desk.db.models import CourseUnit, Enrolment, Exam, Student
from cnam_desk.schedule import exam_calendar
from tests.ods_files import write_ods_package

FR_FIXED = [
    "ID",
    "Heure de début",
    "Heure de fin",
    "Adresse de messagerie",
    "Nom",
    "Heure de la dernière modification",
]
EN_FIXED = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"]

FR_QUESTIONS = [
    "Numéro d'auditeur",
    "Nom de famille",
    "Prénom",
    "Adresse e-mail",
    "Motif de la demande",
    "UE concernées (codes)",
    "Date de départ",
    "Date de retour",
    "Justificatif",
    "Commentaire",
]
EN_QUESTIONS = [
    "Student number",
    "Last name",
    "First name",
    "Email address",
    "Reason for the request",
    "Course units concerned",
    "Departure date",
    "Return date",
    "Supporting document",
    "Comments",
]

# S1/1 schedule: NFA031 and NFA008 at the same time; NFP107 the next day.
SCHEDULE = {
    "2023-2024/S1/1": [
        ("NFA031", dt.date(2024, 1, 22), dt.time(18, 0), dt.time(21, 0), "Amphi A"),
        ("NFA008", dt.date(2024, 1, 22), dt.time(19, 0), dt.time(22, 0), "Amphi B"),
        ("NFP107", dt.date(2024, 1, 23), dt.time(18, 0), dt.time(21, 0), "Salle 31.1.25"),
        ("RSX101", dt.date(2024, 1, 25), dt.time(9, 0), dt.time(12, 0), "Salle 17.2.04"),
    ],
    "2023-2024/S1/2": [
        ("NFA031", dt.date(2024, 4, 8), dt.time(18, 0), dt.time(21, 0), "Amphi A"),
        ("NFA008", dt.date(2024, 4, 9), dt.time(18, 0), dt.time(21, 0), "Amphi B"),
    ],
    "2023-2024/S2/1": [
        ("NFA032", dt.date(2024, 6, 10), dt.time(18, 0), dt.time(21, 0), "Amphi A"),
        ("NFA035", dt.date(2024, 6, 10), dt.time(18, 0), dt.time(21, 0), "Amphi B"),
    ],
}
STUDENTS = {
    "100001": ("Dupont", "Camille", ["NFA031", "NFA008", "NFP107"]),
    "100002": ("Nguyễn", "Thị Minh", ["NFA031", "RSX101"]),
    "100003": ("Łukasiewicz", "Łukasz", ["NFP107", "NFA032", "NFA035"]),
    "100004": ("Martin", "Léa", ["NFA031"]),
}


def seed_office(db: Database) -> None:
    """UEs, the schedules above, and four students with their enrolments."""
    with db.transaction() as s:
        units: dict[str, CourseUnit] = {}
        for key, exams in SCHEDULE.items():
            session = exam_calendar.find_session(s, key)
            for code, date, start, end, room in exams:
                unit = units.get(code)
                if unit is None:
                    unit = units[code] = CourseUnit(code=code, title=f"Intitulé de {code}")
                    s.add(unit)
                s.add(
                    Exam(
                        session=session,
                        course_unit=unit,
                        centre="Paris",
                        date=date,
                        start=start,
                        end=end,
                        room=room,
                    )
                )
        year = exam_calendar.find_year(s, "2023-2024")
        for number, (last, first, codes) in STUDENTS.items():
            student = Student(
                number=number, last_name=last, first_name=first, email=f"{number}@exemple.fr"
            )
            s.add(student)
            for code in codes:
                s.add(Enrolment(student=student, course_unit=units[code], year=year))


def answer(
    number: str = "100001",
    reason: str = "Deux examens le même jour à la même heure",
    ues: str = "NFA031, NFA008",
    *,
    response_id: int = 1,
    completed: dt.datetime | str = dt.datetime(2024, 1, 5, 10, 30, 0),
    last_name: str = "Dupont",
    first_name: str = "Camille",
    email: str = "camille.dupont@exemple.fr",
    trip_start: Any = None,
    trip_end: Any = None,
    proof: str = "",
    comment: str = "",
    address: str = "",
) -> dict[str, Any]:
    return {
        "address": address,
        "id": response_id,
        "completed": completed,
        "number": number,
        "last_name": last_name,
        "first_name": first_name,
        "email": email,
        "reason": reason,
        "ues": ues,
        "trip_start": trip_start,
        "trip_end": trip_end,
        "proof": proof,
        "comment": comment,
    }


def write_export(
    path: Path,
    answers: list[dict[str, Any]],
    *,
    english: bool = False,
    questions: list[str] | None = None,
    blank_rows_after: set[int] = frozenset(),  # type: ignore[assignment]
    sheet_title: str | None = None,
) -> Path:
    """An export as Forms writes it: fixed columns, then one column per question."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = sheet_title or ("Sheet1" if english else "Feuil1")
    titles = questions or (EN_QUESTIONS if english else FR_QUESTIONS)
    sheet.append((EN_FIXED if english else FR_FIXED) + titles)
    for row in export_rows(answers, titles, blank_rows_after):
        sheet.append(row)
    workbook.save(path)
    return path


ANSWER_KEYS = [
    "number",
    "last_name",
    "first_name",
    "email",
    "reason",
    "ues",
    "trip_start",
    "trip_end",
    "proof",
    "comment",
    "address",  # only with FR_QUESTIONS_WITH_ADDRESS
]
FR_QUESTIONS_WITH_ADDRESS = [*FR_QUESTIONS, "Adresse postale"]


def export_rows(
    answers: list[dict[str, Any]], titles: list[str], blank_rows_after: set[int] = frozenset()  # type: ignore[assignment]
) -> list[list[Any]]:
    """The answer rows of an export, as Forms writes them (a blank row after the given indexes)."""
    rows: list[list[Any]] = []
    for index, row in enumerate(answers):
        completed = row["completed"]
        start = (
            completed - dt.timedelta(minutes=4) if isinstance(completed, dt.datetime) else completed
        )
        rows.append(
            [row["id"], start, completed, "anonymous", "", completed]
            + [row[key] for key in ANSWER_KEYS[: len(titles)]]
        )
        if index in blank_rows_after:
            rows.append([])
    return rows


def write_export_as(
    path: Path, answers: list[dict[str, Any]], *, questions: list[str] | None = None
) -> Path:
    """A French export saved in the format its name says: .xlsx, .xls (Excel 97) or .ods."""
    titles = questions or FR_QUESTIONS
    if path.suffix == ".xlsx":
        return write_export(path, answers, questions=titles)
    rows = [FR_FIXED + titles, *export_rows(answers, titles)]
    if path.suffix == ".xls":
        import xlwt  # deferred: only the .xls tests need it

        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet("Feuil1")
        when = xlwt.easyxf(num_format_str="DD/MM/YYYY HH:MM:SS")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value, when if isinstance(value, dt.date) else xlwt.Style.default_style)
        book.save(str(path))
        return path
    if path.suffix == ".ods":
        return _write_ods(path, rows)
    raise ValueError(path.suffix)


def _ods_cell(value: Any) -> str:
    from xml.sax.saxutils import escape  # deferred: only the .ods tests need it

    if value is None or value == "":
        return "<table:table-cell/>"
    if isinstance(value, dt.date):
        iso = value.isoformat() if isinstance(value, dt.datetime) else f"{value.isoformat()}T00:00:00"
        return f'<table:table-cell office:value-type="date" office:date-value="{iso}"><text:p>{iso}</text:p></table:table-cell>'
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
    text = escape(str(value))
    return f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'


def _write_ods(path: Path, rows: list[list[Any]]) -> Path:
    body = "".join("<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>" for row in rows)
    return write_ods_package(path, "Feuil1", body)
