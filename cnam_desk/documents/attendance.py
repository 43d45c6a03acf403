"""Attendance sheets (feuilles d'émargement) as PDF: one per exam and room, with an identity-check column.

Drawn straight on the canvas. Each row's height is known before drawing (a name too long for
its cell at a readable size wraps at its spaces and hyphens, and its row grows: a name is
never cut), so each sheet knows its page count ("page 2 / 3") before it is drawn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from cnam_desk import frenchdates
from cnam_desk.documents import common, fonts, writing
from cnam_desk.documents.common import (
    GREY,
    LIGHT,
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RULE,
    Letterhead,
    Output,
)
from cnam_desk.errors import RefusedInput


@dataclass(frozen=True)
class AttendanceStudent:
    number: str
    last_name: str
    first_name: str


@dataclass(frozen=True)
class AttendanceSheet:
    """One exam in one room: who is expected there."""

    session_title: str  # "Semestre 1, session 1 de l'année 2023-2024"
    ue_code: str
    ue_title: str
    date: dt.date
    start: dt.time
    end: dt.time
    room: str
    centre: str
    students: tuple[AttendanceStudent, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "students", tuple(self.students))


TITLE = "Feuille d'émargement"
IDENTITY_HEADER = ("Pièce", "d'identité", "originale", "vérifiée")
IDENTITY_RULE = (
    "Une pièce d'identité originale en cours de validité est vérifiée pour chaque candidat ; "
    "les photocopies et les versions numériques ne sont pas acceptées."
)
NOBODY = "Aucun auditeur inscrit à cette épreuve."

# Columns: (header lines, width)
COLUMNS: tuple[tuple[tuple[str, ...], float], ...] = (
    (("N°",), 9 * mm),
    (("N° d'auditeur",), 27 * mm),
    (("Nom",), 44 * mm),
    (("Prénom",), 34 * mm),
    (IDENTITY_HEADER, 18 * mm),
    (("Signature",), 38 * mm),
)
ROW_HEIGHT = 9.5 * mm
HEAD_HEIGHT = 13 * mm
TABLE_TOP = 66 * mm  # from the top of the page
TABLE_BOTTOM = 22 * mm  # from the bottom
SUMMARY_HEIGHT = 34 * mm
ROWS_PER_PAGE = int((PAGE_HEIGHT - TABLE_TOP - TABLE_BOTTOM - HEAD_HEIGHT) // ROW_HEIGHT)
ROWS_ON_LAST_PAGE = int((PAGE_HEIGHT - TABLE_TOP - TABLE_BOTTOM - HEAD_HEIGHT - SUMMARY_HEIGHT) // ROW_HEIGHT)
PAGE_ROOM = PAGE_HEIGHT - TABLE_TOP - TABLE_BOTTOM - HEAD_HEIGHT
LAST_PAGE_ROOM = PAGE_ROOM - SUMMARY_HEIGHT
NAME_SIZE, NAME_MIN_SIZE = 9.5, 8.5  # one line, shrunk down to 8.5 points; then it wraps at 8.5
NAME_LEADING = 3.6 * mm
CELL_MARGIN = 2 * mm


def cell_lines(value: str, bold: bool, width: float) -> tuple[list[str], float]:
    """A cell's lines and size: one line at a readable size, else wrapped at spaces and hyphens."""
    size = writing.fit(value, NAME_SIZE, width, bold, NAME_MIN_SIZE)
    if writing.width(value, size, bold) <= width:
        return [value], size
    return writing.wrap(value, NAME_MIN_SIZE, width, bold) or [value], NAME_MIN_SIZE


def _name_cells(student: AttendanceStudent) -> list[tuple[list[str], float, bool]]:
    widths = [w for _, w in COLUMNS]
    return [
        (*cell_lines(value, bold, width - 2 * CELL_MARGIN), bold)
        for value, width, bold in (
            (student.number, widths[1], False),
            (student.last_name, widths[2], True),
            (student.first_name, widths[3], False),
        )
    ]


def row_height(student: AttendanceStudent) -> float:
    """The usual height, or more when a name takes several lines."""
    lines = max(len(cell[0]) for cell in _name_cells(student))
    return max(ROW_HEIGHT, lines * NAME_LEADING + 2.6 * mm)


def paginate(rows: int | Sequence[float]) -> list[range]:
    """The rows of each page (a count of usual rows, or each row's height); the last page keeps
    room for the summary and at least one row."""
    heights = [ROW_HEIGHT] * rows if isinstance(rows, int) else list(rows)
    pages: list[range] = []
    start = 0
    while sum(heights[start:]) > LAST_PAGE_ROOM + 0.01:
        used, end = 0.0, start
        while end < len(heights) - 1 and used + heights[end] <= PAGE_ROOM + 0.01:
            used += heights[end]
            end += 1
        end = max(end, start + 1)
        pages.append(range(start, end))
        start = end
    pages.append(range(start, len(heights)))
    return pages


def _header(canvas: Canvas, sheet: AttendanceSheet, letterhead: Letterhead) -> None:
    top = PAGE_HEIGHT - 13 * mm
    canvas.setFillColor(colors.black)
    writing.draw(canvas, MARGIN, top, letterhead.institution, 9, bold=True)
    canvas.setFillColor(GREY)
    writing.draw(canvas, MARGIN, top - 10, letterhead.office_name, 8)
    writing.draw(canvas, PAGE_WIDTH - MARGIN, top, sheet.session_title, 8, align="right")
    canvas.setFillColor(colors.black)
    canvas.setFont(fonts.BOLD, 16)
    canvas.drawString(MARGIN, PAGE_HEIGHT - 29 * mm, TITLE)
    width = PAGE_WIDTH - 2 * MARGIN
    _title(canvas, f"{sheet.ue_code} – {sheet.ue_title}", width)
    when = f"{frenchdates.long_date(sheet.date)}, {common.time_span(sheet.start, sheet.end)}"
    where = " – ".join(part for part in (sheet.room and f"Salle : {sheet.room}", sheet.centre and f"Centre : {sheet.centre}") if part)
    text, size = common.fit_text(f"{when}   {where}", False, 10.5, width)
    writing.draw(canvas, MARGIN, PAGE_HEIGHT - 45 * mm, text, size)
    # The identity rule, boxed: the invigilators read it at the door.
    box_top = PAGE_HEIGHT - 49 * mm
    canvas.setFillColor(LIGHT)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.rect(MARGIN, box_top - 11 * mm, width, 11 * mm, stroke=1, fill=1)
    canvas.setFillColor(colors.black)
    canvas.setFont(fonts.REGULAR, 8.3)
    first, second = _two_lines(IDENTITY_RULE, fonts.REGULAR, 8.3, width - 6 * mm)
    canvas.drawString(MARGIN + 3 * mm, box_top - 4.6 * mm, first)
    canvas.drawString(MARGIN + 3 * mm, box_top - 8.6 * mm, second)


def _title(canvas: Canvas, title: str, width: float) -> None:
    """The exam's title: one line, shrunk down to 10 points, else two lines broken between words."""
    size = writing.fit(title, 12, width, True, 10)
    if writing.width(title, size, True) <= width:
        writing.draw(canvas, MARGIN, PAGE_HEIGHT - 38 * mm, title, size, bold=True)
        return
    lines = writing.wrap(title, 10, width, True)
    second = common.fit_text(" ".join(lines[1:]), True, 10, width, 10)[0]
    writing.draw(canvas, MARGIN, PAGE_HEIGHT - 34.5 * mm, lines[0], 10, bold=True)
    writing.draw(canvas, MARGIN, PAGE_HEIGHT - 39 * mm, second, 10, bold=True)


def _two_lines(text: str, font: str, size: float, width: float) -> tuple[str, str]:
    lines = simpleSplit(text, font, size, width)
    return lines[0], " ".join(lines[1:])


def _table_head(canvas: Canvas, y: float) -> float:
    x = MARGIN
    canvas.setFillColor(LIGHT)
    canvas.rect(MARGIN, y - HEAD_HEIGHT, sum(w for _, w in COLUMNS), HEAD_HEIGHT, stroke=0, fill=1)
    canvas.setFillColor(colors.black)
    canvas.setFont(fonts.BOLD, 7.3)
    for lines, width in COLUMNS:
        first = y - HEAD_HEIGHT / 2 + (len(lines) - 1) * 4.1 - 2.6
        for index, line in enumerate(lines):
            canvas.drawCentredString(x + width / 2, first - index * 8.2, line)
        x += width
    return y - HEAD_HEIGHT


def _grid(canvas: Canvas, top: float, bottom: float) -> None:
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    right = MARGIN + sum(w for _, w in COLUMNS)
    canvas.rect(MARGIN, bottom, right - MARGIN, top - bottom, stroke=1, fill=0)
    x = MARGIN
    for _lines, width in COLUMNS[:-1]:
        x += width
        canvas.line(x, top, x, bottom)


def _rows(canvas: Canvas, sheet: AttendanceSheet, rows: range, y: float) -> float:
    widths = [w for _, w in COLUMNS]
    right = MARGIN + sum(widths)
    canvas.setLineWidth(0.4)
    for index in rows:
        student = sheet.students[index]
        height = row_height(student)
        canvas.setStrokeColor(RULE)
        canvas.line(MARGIN, y, right, y)
        middle = y - height / 2
        x = MARGIN
        canvas.setFillColor(GREY)
        canvas.setFont(fonts.REGULAR, 8)
        canvas.drawRightString(x + widths[0] - 2 * mm, middle - 3, str(index + 1))
        canvas.setFillColor(colors.black)
        x += widths[0]
        for (lines, size, bold), width in zip(_name_cells(student), widths[1:4], strict=True):
            _cell(canvas, lines, size, bold, x + CELL_MARGIN, middle)
            x += width
        # The box the invigilator ticks once the original identity document is seen.
        box = 4.2 * mm
        canvas.setStrokeColor(colors.black)
        canvas.rect(x + (widths[4] - box) / 2, middle - box / 2, box, box, stroke=1, fill=0)
        y -= height
    return y


def _cell(canvas: Canvas, lines: list[str], size: float, bold: bool, x: float, middle: float) -> None:
    """A cell's lines, centred on the middle of its row."""
    baseline = middle - size * 0.32 + (len(lines) - 1) * NAME_LEADING / 2
    for line in lines:
        writing.draw(canvas, x, baseline, line, size, bold=bold)
        baseline -= NAME_LEADING


def _summary(canvas: Canvas, sheet: AttendanceSheet, y: float) -> None:
    y -= 8 * mm
    canvas.setFillColor(colors.black)
    canvas.setFont(fonts.REGULAR, 9.5)
    canvas.drawString(MARGIN, y, f"Inscrits : {len(sheet.students)}")
    canvas.drawString(MARGIN + 40 * mm, y, "Présents : ........")
    canvas.drawString(MARGIN + 80 * mm, y, "Absents : ........")
    y -= 4 * mm
    height = 20 * mm
    canvas.setStrokeColor(RULE)
    canvas.rect(MARGIN, y - height, PAGE_WIDTH - 2 * MARGIN, height, stroke=1, fill=0)
    canvas.setFont(fonts.REGULAR, 8)
    canvas.setFillColor(GREY)
    canvas.drawString(MARGIN + 2 * mm, y - 4 * mm, "Surveillant(e)s : nom et signature")
    canvas.setFillColor(colors.black)


def _footer(canvas: Canvas, sheet: AttendanceSheet, page: int, pages: int) -> None:
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.4)
    canvas.line(MARGIN, 15 * mm, PAGE_WIDTH - MARGIN, 15 * mm)
    canvas.setFont(fonts.REGULAR, 8)
    canvas.setFillColor(GREY)
    left = " – ".join(part for part in (sheet.ue_code, frenchdates.short_date(sheet.date), sheet.room) if part)
    writing.draw(canvas, MARGIN, 11 * mm, f"{TITLE} – {left}", 8)
    canvas.setFillColor(colors.black)
    canvas.setFont(fonts.BOLD, 9)
    canvas.drawRightString(PAGE_WIDTH - MARGIN, 11 * mm, f"page {page} / {pages}")


def draw_sheet(canvas: Canvas, sheet: AttendanceSheet, letterhead: Letterhead) -> int:
    """Draw one sheet from a fresh page; returns its page count."""
    pages = paginate([row_height(student) for student in sheet.students])
    for number, rows in enumerate(pages, start=1):
        _header(canvas, sheet, letterhead)
        top = PAGE_HEIGHT - TABLE_TOP
        y = _table_head(canvas, top)
        if not sheet.students:
            canvas.setFont(fonts.REGULAR, 9.5)
            canvas.drawString(MARGIN + 2 * mm, y - ROW_HEIGHT / 2 - 3, NOBODY)
            y -= ROW_HEIGHT
        else:
            y = _rows(canvas, sheet, rows, y)
        _grid(canvas, top, y)
        if number == len(pages):
            _summary(canvas, sheet, y)
        _footer(canvas, sheet, number, len(pages))
        canvas.showPage()
    return len(pages)


def render_attendance_sheets(
    sheets: Iterable[AttendanceSheet], letterhead: Letterhead | None, out: Output
) -> int:
    """Every sheet in ONE PDF, each starting on a new page; returns the number of pages."""
    letterhead = letterhead or Letterhead()
    fonts.register()
    sheets = list(sheets)
    if not sheets:
        raise RefusedInput("Aucune feuille d'émargement à produire : la session n'a pas d'épreuve.")
    canvas = Canvas(common.output_target(out), pagesize=common.A4, lang="fr-FR", initialFontName=fonts.REGULAR)
    canvas.setTitle(TITLE if len(sheets) == 1 else f"Feuilles d'émargement ({len(sheets)})")
    canvas.setAuthor(f"{letterhead.institution} – {letterhead.office_name}")
    canvas.setCreator(common.CREATOR)
    pages = sum(draw_sheet(canvas, sheet, letterhead) for sheet in sheets)
    canvas.save()
    return pages


def sheet_pages(students: Sequence[object]) -> int:
    """How many pages a sheet of these students takes (anything else than a student: a usual row)."""
    return len(paginate([row_height(s) if isinstance(s, AttendanceStudent) else ROW_HEIGHT for s in students]))
