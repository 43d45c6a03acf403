"""Reading a session's exam schedule from the office's spreadsheets: one exam per UE and centre."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from cnam_desk import frenchdates, parsing, spreadsheets
from cnam_desk.errors import Location, RefusedInput
from cnam_desk.importing import CHUNK, RowError, is_blank, memoised
from cnam_desk.progress import Progress, Steps, run_to_end
from cnam_desk.schedule import exam_calendar
from cnam_desk.schedule.schedule_rows import LineSorter, SkippedLine, line_text, split_ue_cell
from cnam_desk.slots import merge_rooms, place_key
from cnam_desk.spreadsheets import Field

# The office's own centre: rows that name no centre are exams in Paris.
DEFAULT_CENTRE = "Paris"
# One exam held in several rooms keeps them in one text, in this order.

UE_CODE_MAX = 20
TITLE_MAX = 300
PLACE_MAX = 120

UE = Field("ue", "UE", ("UE", "Code UE", "Code", "Code de l'UE", "UE code"))
TITLE = Field("title", "Intitulé", ("Intitulé", "Libellé", "Intitulé de l'UE", "Libellé de l'UE", "Intitulé UE", "Libellé UE"), required=False)
DATE = Field("date", "Date", ("Date", "Date de l'épreuve", "Jour", "Date de l'examen", "Date épreuve", "Date examen"))
START = Field("start", "Début", ("Début", "Heure de début", "Heure début", "Début de l'épreuve"), required=False)
END = Field("end", "Fin", ("Fin", "Heure de fin", "Heure fin", "Fin de l'épreuve"), required=False)
DURATION = Field("duration", "Durée", ("Durée", "Durée de l'épreuve"), required=False)
SLOT = Field("slot", "Horaire", ("Horaire", "Horaires"), required=False)
ROOM = Field("room", "Salle", ("Salle", "Salles", "Salle d'examen"), required=False)
CENTRE = Field("centre", "Centre", ("Centre", "Site", "Lieu", "Centre d'examen"), required=False)
FIELDS = (UE, TITLE, DATE, START, END, DURATION, SLOT, ROOM, CENTRE)
_TIME_FIELDS = ("date", "start", "end", "duration", "slot")
_UE_HEADERS = frozenset(spreadsheets.normalise_header(name) for name in (UE.label, *UE.synonyms))


# --- what a file says -----------------------------------------------------------------------


class ScheduledExam(NamedTuple):
    """One exam as the file states it, with the row it came from."""

    ue: str
    title: str
    centre: str
    date: dt.date
    start: dt.time
    end: dt.time
    room: str
    sheet: str = ""
    row: int = 0

    @property
    def key(self) -> tuple[str, str]:
        return (self.ue, self.centre)


@dataclass
class ScheduleFile:
    """A schedule read from a file for one session: its exams and its unreadable rows."""

    file_name: str
    session_key: str
    first_day: dt.date
    last_day: dt.date
    exams: list[ScheduledExam] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_read: int = 0
    sheets: list[str] = field(default_factory=list)
    # UEs named on rows in error: their exams are never removed by an import that skips those rows.
    ues_in_error: set[str] = field(default_factory=set)
    # Titles, notes, totals, signatures: lines that are no exam, skipped.
    skipped: list[SkippedLine] = field(default_factory=list)


def _check_time_columns(file_name: str, table: spreadsheets.Table) -> None:
    columns = table.columns
    if "slot" in columns:
        return
    if "start" in columns and ("end" in columns or "duration" in columns):
        return
    raise RefusedInput(
        f"{Location(file_name, table.sheet).describe()} : colonnes d'horaire introuvables ; il faut "
        "« Début » avec « Fin » ou « Durée », ou une colonne « Horaire » (par exemple « 18h00 - 21h00 »)."
    )


class _RowReader:
    """Turns the rows of one file into exams for one session; one instance per file."""

    def __init__(self, first_day: dt.date, last_day: dt.date):
        self.first_day = first_day
        self.last_day = last_day
        self.date = memoised(functools.partial(parsing.parse_date, near=(first_day, last_day)))
        self.time = memoised(parsing.parse_time)
        self.time_range = memoised(parsing.parse_time_range)
        self.duration = memoised(parsing.parse_duration)
        self.text = memoised(parsing.parse_text)
        self.ue_cell = memoised(split_ue_cell)
        self.outside = (
            f"en dehors de la session (du {frenchdates.short_date(first_day)} au {frenchdates.short_date(last_day)})"
        )

    def _text(self, values: dict[str, Any], name: str, label: str, limit: int, errors: list[tuple[str, str]]) -> str:
        text = self.text(values.get(name))
        if len(text) > limit:
            errors.append((name, f"{label} trop long ({len(text)} caractères, {limit} au plus)"))
            return text[:limit]
        return text

    def times(self, row: spreadsheets.Row, errors: list[tuple[str, str]]) -> tuple[dt.time, dt.time] | None:
        """Start and end from Début + Fin, Début + Durée, or Horaire."""
        values = row.values
        start_value, slot_value = values.get("start"), values.get("slot")
        if is_blank(start_value):
            if is_blank(slot_value):
                errors.append(("start" if "start" in row.columns else "slot", "heure de début manquante"))
                return None
            try:
                return self.time_range(slot_value)
            except parsing.ParseError as error:
                errors.append(("slot", error.message))
                return None
        try:
            start = self.time(start_value)
        except parsing.ParseError as error:
            errors.append(("start", error.message))
            return None
        end_value, duration_value = values.get("end"), values.get("duration")
        where = "end"
        try:
            if not is_blank(end_value):
                end = self.time(end_value)
            elif not is_blank(duration_value):
                where = "duration"
                finish = dt.datetime.combine(dt.date.min, start) + self.duration(duration_value)
                if finish.date() != dt.date.min:
                    errors.append((where, "l'épreuve finirait après minuit"))
                    return None
                end = finish.time()
            elif not is_blank(slot_value):
                where = "slot"
                end = self.time_range(slot_value)[1]
            else:
                where = "end" if "end" in row.columns else "duration"
                errors.append((where, "heure de fin manquante"))
                return None
        except parsing.ParseError as error:
            errors.append((where, error.message))
            return None
        if end <= start:
            errors.append(
                (where, f"la fin ({frenchdates.hour(end)}) doit être après le début ({frenchdates.hour(start)})")
            )
            return None
        return start, end

    def exams(self, row: spreadsheets.Row, errors: list[tuple[str, str]]) -> list[ScheduledExam]:
        """The exams a row states (several for « NFA031 / NFA032 »), or none with its problems in `errors`."""
        values = row.values
        codes, cell_title = self.ue_cell(values.get("ue"))
        if not codes or not codes[0]:
            errors.append(("ue", "UE manquante"))
        for ue in codes:
            if len(ue) > UE_CODE_MAX:
                errors.append(("ue", f"code UE « {ue[:30]} » trop long ({UE_CODE_MAX} caractères au plus)"))
        title = self._text(values, "title", "intitulé", TITLE_MAX, errors) or cell_title[:TITLE_MAX]
        room = self._text(values, "room", "nom de salle", PLACE_MAX, errors)
        centre = self._text(values, "centre", "nom de centre", PLACE_MAX, errors) or DEFAULT_CENTRE
        day: dt.date | None = None
        try:
            day = self.date(values.get("date"))
        except parsing.ParseError as error:
            errors.append(("date", error.message))
        if day is not None and not self.first_day <= day <= self.last_day:
            errors.append(("date", f"le {frenchdates.long_date(day)} est {self.outside}"))
        times = self.times(row, errors)
        if errors or day is None or times is None:
            return []
        return [ScheduledExam(ue, title, centre, day, times[0], times[1], room, row.sheet, row.number) for ue in codes]


def read_schedule_steps(path: str | Path, session: exam_calendar.SessionView) -> Steps[ScheduleFile]:
    """Read a schedule file for a session, yielding progress; every problem becomes a RowError."""
    path = Path(path)
    file_name = path.name
    yield Progress(0, 0, f"Lecture de « {file_name} »…")
    tables = spreadsheets.read_tables(path, FIELDS)
    for table in tables:
        _check_time_columns(file_name, table)
    schedule = ScheduleFile(file_name, session.key, session.first_day, session.last_day)
    schedule.sheets = [table.sheet for table in tables]
    reader = _RowReader(session.first_day, session.last_day)
    lines = LineSorter(_UE_HEADERS, _TIME_FIELDS)
    for table in tables:
        lines.add_titles(cells for _number, cells in table.above)
        schedule.skipped += [SkippedLine(table.sheet, n, line_text(cells)) for n, cells in table.above]
    total = sum(len(table.rows) for table in tables)
    by_key: dict[tuple[str, str], int] = {}
    exams = schedule.exams
    done = 0
    for table in tables:
        for row in table.rows:
            done += 1
            if done % CHUNK == 0:
                yield Progress(done, total, f"Lecture des lignes : {done} sur {total}")
            skipped = lines.skipped(row)
            if skipped is not None:
                if skipped:
                    schedule.skipped.append(SkippedLine(row.sheet, row.number, skipped))
                continue
            schedule.rows_read += 1
            problems: list[tuple[str, str]] = []
            for exam in reader.exams(row, problems):
                clash = _add_exam(exams, by_key, exam)
                if clash:
                    problems.append(("ue", clash))
            if problems:
                schedule.ues_in_error.update(code for code in reader.ue_cell(row.values.get("ue"))[0] if code)
            for name, message in problems:
                schedule.errors.append(RowError(file_name, row.sheet, row.number, row.columns.get(name), message))
    yield Progress(total, total, "Lecture terminée")
    if not exams and not schedule.errors:
        raise no_exam_read(schedule)
    return schedule


def _add_exam(exams: list[ScheduledExam], by_key: dict[tuple[str, str], int], exam: ScheduledExam) -> str:
    """Add an exam read, or merge it with the same exam read earlier; a clash of slots is returned."""
    key = (exam.ue, place_key(exam.centre))
    index = by_key.get(key)
    if index is None:
        by_key[key] = len(exams)
        exams.append(exam)
        return ""
    earlier = exams[index]
    if (earlier.date, earlier.start, earlier.end) == (exam.date, exam.start, exam.end):
        # The same exam on another line for another room: one exam, several rooms.
        exams[index] = earlier._replace(title=earlier.title or exam.title, room=merge_rooms(earlier.room, exam.room))
        return ""
    return (
        f"l'UE {exam.ue} (centre {exam.centre}) figure déjà ligne {earlier.row} "
        f"de la feuille « {earlier.sheet} » à un autre horaire"
    )


def no_exam_read(schedule: ScheduleFile) -> RefusedInput:
    """A file that reads no exam never empties a session: it is refused, naming what was read."""
    sheets = ", ".join(f"« {sheet} »" for sheet in schedule.sheets) or "aucune"
    return RefusedInput(
        f"Fichier « {schedule.file_name} » : aucune épreuve lue (feuilles lues : {sheets}) ; "
        "rien n'a été modifié. Vérifiez que c'est le planning de la session et qu'il a des lignes d'épreuves."
    )


def read_schedule(path: str | Path, session: exam_calendar.SessionView) -> ScheduleFile:
    return run_to_end(read_schedule_steps(path, session))
