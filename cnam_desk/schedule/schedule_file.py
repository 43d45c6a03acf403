"""Reading a session's exam schedule from the office's spreadsheets: one exam per UE and centre."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from cnam_desk import frenchdates, parsing, spreadsheets
from cnam_desk.errors import Location, RefusedInput
from cnam_desk.importing import CHUNK, RowError, is_blank, memoised
from cnam_desk.progress import Progress, Steps, run_to_end
from cnam_desk.schedule import exam_calendar
from cnam_desk.schedule.schedule_columns import (
    ColumnTable,
    parse_distinct,
    read_column_tables,
)
from cnam_desk.schedule.schedule_rows import (
    LineSorter,
    SkippedLine,
    line_text,
    split_ue_cell,
    starts_with_code,
)
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


def _check_time_columns(file_name: str, table: ColumnTable) -> None:
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


# A cell of a plain exam row whose answer makes the row need reading as a whole.
_AS_A_ROW: Any = object()


class _Columns:
    """The plain exam rows of one table, from its columns: each distinct cell parsed once.

    A plain exam row has an UE code, and every value it needs readable and within bounds. Any
    other row (a note, a total, a title, a repeated header, a value in error) is left to the row
    reader (`None`), which says what it is and where, as it always has.
    """

    def __init__(self, reader: _RowReader):
        self.reader = reader
        self.caches: dict[str, dict[Any, Any]] = {name: {} for name in ("ue", "title", "room", "centre", "date", "times")}

    def _ue(self, value: Any) -> Any:
        if is_blank(value):
            return _AS_A_ROW
        if not starts_with_code(parsing.parse_text(value)):
            return _AS_A_ROW  # maybe a note or a total: the line sorter decides
        codes, title = split_ue_cell(value)
        if not codes or not codes[0] or any(len(code) > UE_CODE_MAX for code in codes):
            return _AS_A_ROW
        return codes, title

    @staticmethod
    def _text(limit: int) -> Any:
        def parse(value: Any) -> Any:
            text = parsing.parse_text(value)
            return _AS_A_ROW if len(text) > limit else text

        return parse

    def _date(self, value: Any) -> Any:
        try:
            day = self.reader.date(value)
        except parsing.ParseError:
            return _AS_A_ROW
        return day if self.reader.first_day <= day <= self.reader.last_day else _AS_A_ROW

    def _times(self, table: ColumnTable) -> list[Any]:
        present = [name for name in ("start", "end", "duration", "slot") if name in table.columns]

        def parse(values: tuple[Any, ...]) -> Any:
            errors: list[tuple[str, str]] = []
            row = spreadsheets.Row(table.sheet, 0, dict(zip(present, values, strict=True)), table.letters)
            times = self.reader.times(row, errors)
            return _AS_A_ROW if errors or times is None else times

        # A slot is several cells read together: the distinct combinations are few.
        slots = list(zip(*(table.column(name) for name in present), strict=True))
        return parse_distinct(parse, slots, self.caches["times"])

    def exams(self, table: ColumnTable) -> list[list[ScheduledExam] | None]:
        """Each line's exams when it is a plain exam row, else None."""
        caches = self.caches
        ues = parse_distinct(self._ue, table.column("ue"), caches["ue"])
        titles = parse_distinct(self._text(TITLE_MAX), table.column("title"), caches["title"])
        rooms = parse_distinct(self._text(PLACE_MAX), table.column("room"), caches["room"])
        centres = parse_distinct(self._text(PLACE_MAX), table.column("centre"), caches["centre"])
        days = parse_distinct(self._date, table.column("date"), caches["date"])
        times = self._times(table)
        sheet = table.sheet
        make = ScheduledExam._make
        found: list[list[ScheduledExam] | None] = []
        append = found.append
        no = _AS_A_ROW
        for ue, title, room, centre, day, slot, number in zip(
            ues, titles, rooms, centres, days, times, table.numbers, strict=True
        ):
            if ue is no or title is no or room is no or centre is no or day is no or slot is no:
                append(None)
                continue
            codes, cell_title = ue
            title = title or cell_title[:TITLE_MAX]
            centre = centre or DEFAULT_CENTRE
            start, end = slot
            if len(codes) == 1:
                append([make((codes[0], title, centre, day, start, end, room, sheet, number))])
            else:
                append([make((code, title, centre, day, start, end, room, sheet, number)) for code in codes])
        return found


class _Reading:
    """The exams of one file as its rows are taken, merged by UE and centre, with their problems."""

    def __init__(self, schedule: ScheduleFile, reader: _RowReader, lines: LineSorter):
        self.schedule, self.reader, self.lines = schedule, reader, lines
        self.by_key: dict[tuple[str, str], int] = {}
        self.place_key = functools.lru_cache(maxsize=None)(place_key)

    def take(self, table: ColumnTable, plain: Sequence[list[ScheduledExam] | None], start: int, stop: int) -> None:
        """Lines start to stop of a table: `plain` holds their exams when they are plain exam rows."""
        schedule, exams, by_key, key_of = self.schedule, self.schedule.exams, self.by_key, self.place_key
        for index in range(start, min(stop, len(plain))):
            read = plain[index]
            if read is None:
                self._take_row(table.row(index))
                continue
            schedule.rows_read += 1
            first = read[0]
            key = (first.ue, key_of(first.centre))
            if len(read) == 1 and key not in by_key:
                by_key[key] = len(exams)
                exams.append(first)
                continue
            clashes = [clash for clash in (_add_exam(exams, by_key, exam) for exam in read) if clash]
            if clashes:  # only a clash with an earlier row can be wrong with a plain exam row
                schedule.ues_in_error.update(exam.ue for exam in read)
                column = table.letters.get("ue")
                schedule.errors += [RowError(schedule.file_name, table.sheet, first.row, column, c) for c in clashes]

    def _take_row(self, row: spreadsheets.Row) -> None:
        """A line read as a whole: a line that is no exam is skipped and listed, else its exams or its problems."""
        schedule = self.schedule
        skipped = self.lines.skipped(row)
        if skipped is not None:
            if skipped:
                schedule.skipped.append(SkippedLine(row.sheet, row.number, skipped))
            return
        schedule.rows_read += 1
        problems: list[tuple[str, str]] = []
        for exam in self.reader.exams(row, problems):
            clash = _add_exam(schedule.exams, self.by_key, exam)
            if clash:
                problems.append(("ue", clash))
        if problems:
            schedule.ues_in_error.update(code for code in self.reader.ue_cell(row.values.get("ue"))[0] if code)
        for name, message in problems:
            schedule.errors.append(RowError(schedule.file_name, row.sheet, row.number, row.columns.get(name), message))


def read_schedule_steps(path: str | Path, session: exam_calendar.SessionView) -> Steps[ScheduleFile]:
    """Read a schedule file for a session, yielding progress; every problem becomes a RowError.

    The file is read by column (`_Columns`); a row that is not a plain exam row is read as a row.
    """
    path = Path(path)
    file_name = path.name
    yield Progress(0, 0, f"Lecture de « {file_name} »…")
    with spreadsheets.bulk_allocation():
        tables = read_column_tables(path, FIELDS)
    for table in tables:
        _check_time_columns(file_name, table)
    schedule = ScheduleFile(file_name, session.key, session.first_day, session.last_day)
    schedule.sheets = [table.sheet for table in tables]
    reader = _RowReader(session.first_day, session.last_day)
    columns = _Columns(reader)
    lines = LineSorter(_UE_HEADERS, _TIME_FIELDS)
    for table in tables:
        lines.add_titles(cells for _number, cells in table.above)
        schedule.skipped += [SkippedLine(table.sheet, n, line_text(cells)) for n, cells in table.above]
    total = sum(len(table) for table in tables)
    reading = _Reading(schedule, reader, lines)
    done = 0
    for table in tables:
        with spreadsheets.bulk_allocation():
            plain = columns.exams(table)
        for start in range(0, len(table), CHUNK):
            with spreadsheets.bulk_allocation():
                reading.take(table, plain, start, start + CHUNK)
            done += min(CHUNK, len(table) - start)
            yield Progress(done, total, f"Lecture des lignes : {done} sur {total}")
    yield Progress(total, total, "Lecture terminée")
    if not schedule.exams and not schedule.errors:
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
