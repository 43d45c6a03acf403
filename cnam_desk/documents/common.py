"""What every printed document shares: escaping, the office's letterhead, styles, page furniture."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from functools import lru_cache
from typing import IO, Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from cnam_desk import frenchdates, outputs
from cnam_desk.documents import fonts, rtl, writing
from cnam_desk.errors import RefusedInput

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 20 * mm
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
GREY = colors.Color(0.38, 0.38, 0.38)
LIGHT = colors.Color(0.93, 0.93, 0.93)
RULE = colors.Color(0.55, 0.55, 0.55)
CREATOR = "Cnam Desk"

Output = str | os.PathLike[str] | IO[bytes]


def esc(value: Any, bold: bool = False) -> str:
    """Any value from the database, made safe for a reportlab Paragraph (which reads markup).

    `Dupont <Admin> & Fils` prints as written; 王小明, محمد العلي or דוד כהן print in their
    script's face, right to left where they read so (documents.writing). `bold` when the value
    prints in bold. This is the only way a value enters a Paragraph.
    """
    return writing.markup(value, bold)


def esc_lines(lines: Iterable[Any], bold: bool = False) -> str:
    """Several values, one per printed line."""
    return "<br/>".join(esc(line, bold) for line in lines)


def split_lines(text: str | None) -> tuple[str, ...]:
    """A multi-line field (postal address, missing items) as its non-blank lines."""
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


def output_target(out: Output) -> Any:
    """A path or a binary file object, as reportlab takes it."""
    if isinstance(out, str | os.PathLike):
        return str(outputs.ensure_parent(out))
    return out


# --- formats ---------------------------------------------------------------------------------


def place_and_date(city: str, day: dt.date) -> str:
    """« Paris, le 4 février 2024 », « Paris, le 1er mars 2024 »."""
    return f"{city}, le {frenchdates.long_date(day, weekday=False)}"


def time_span(start: dt.time, end: dt.time) -> str:
    """« 18h00 – 21h00 »."""
    return f"{frenchdates.hour(start)} – {frenchdates.hour(end)}"


def number_fr(value: Decimal | float | str | None, decimals: int | None = None) -> str:
    """12.5 -> « 12,5 »; with decimals=2 -> « 12,50 »; whole numbers without a comma."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    number = Decimal(str(value))
    if decimals is not None:
        text = f"{number:.{decimals}f}"
    else:
        text = f"{number.normalize():f}" if number != number.to_integral() else str(int(number))
    return text.replace(".", ",")


# --- letterhead ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Letterhead:
    """The office as every document names it; set in the office settings (cnam_desk.office)."""

    office_name: str = "Service des examens"
    institution: str = "Cnam Paris"
    address_lines: tuple[str, ...] = ("292 rue Saint-Martin", "75003 Paris")
    city: str = "Paris"
    phone: str = ""
    email: str = ""
    logo_path: str | None = None
    signatory_name: str = ""
    signatory_title: str = "La responsable du service des examens"

    def __post_init__(self) -> None:
        object.__setattr__(self, "address_lines", tuple(self.address_lines))

    def as_json(self) -> dict[str, Any]:
        values = asdict(self)
        values["address_lines"] = list(self.address_lines)
        return values

    @classmethod
    def from_json(cls, values: dict[str, Any] | None) -> Letterhead:
        """Settings as stored; unknown keys are ignored and missing ones keep their defaults."""
        known = {f.name for f in fields(cls)}
        kept = {k: v for k, v in (values or {}).items() if k in known}
        if "address_lines" in kept:
            kept["address_lines"] = tuple(str(line) for line in kept["address_lines"] or ())
        if kept.get("logo_path") == "":
            kept["logo_path"] = None
        return cls(**kept)

    @property
    def contact_line(self) -> str:
        parts = []
        if self.phone:
            parts.append(f"Tél. {self.phone}")
        if self.email:
            parts.append(self.email)
        return " · ".join(parts)

    @property
    def footer_line(self) -> str:
        return " · ".join(
            part for part in (self.institution, self.office_name, ", ".join(self.address_lines), self.contact_line) if part
        )


_logo_lock = threading.Lock()


@lru_cache(maxsize=8)
def _logo_reader(path: str, _mtime_ns: int) -> ImageReader:
    return ImageReader(path)


def logo_reader(path: str | None) -> ImageReader | None:
    """The logo, read once (and again only if the file changes)."""
    if not path:
        return None
    try:
        mtime = os.stat(path).st_mtime_ns
        with _logo_lock:
            reader = _logo_reader(path, mtime)
            reader.getSize()
            return reader
    except OSError:
        raise RefusedInput(
            f"Le logo « {path} » est introuvable ou illisible : corrigez-le dans les réglages du service."
        ) from None
    except Exception:  # noqa: BLE001 - PIL raises many kinds for a file that is not an image
        raise RefusedInput(
            f"Le logo « {path} » n'est pas une image lisible (PNG ou JPEG attendu) : "
            "corrigez-le dans les réglages du service."
        ) from None


LOGO_BOX = (38 * mm, 18 * mm)


def draw_letterhead(canvas: Canvas, letterhead: Letterhead, top: float = PAGE_HEIGHT - 14 * mm) -> float:
    """The office block at the top left of a first page (the logo, then the text beside it); returns its bottom."""
    x = MARGIN
    y = top
    bottom = top
    reader = logo_reader(letterhead.logo_path)
    if reader is not None:
        width, height = reader.getSize()
        scale = min(LOGO_BOX[0] / width, LOGO_BOX[1] / height)
        w, h = width * scale, height * scale
        canvas.drawImage(reader, x, top - h, w, h, mask="auto")
        # Beside the logo, so the block stays clear of the references and the envelope window.
        x += w + 5 * mm
        bottom = top - h
    canvas.setFillColor(colors.black)
    y -= 9
    writing.draw(canvas, x, y, letterhead.institution, 11, bold=True)
    y -= 12
    writing.draw(canvas, x, y, letterhead.office_name, 9, bold=True)
    canvas.setFillColor(GREY)
    for line in (*letterhead.address_lines, letterhead.phone and f"Tél. {letterhead.phone}", letterhead.email):
        if line:
            y -= 10
            writing.draw(canvas, x, y, line, 8)
    canvas.setFillColor(colors.black)
    return min(y, bottom)


def draw_footer(canvas: Canvas, letterhead: Letterhead, right_text: str = "") -> None:
    """A thin rule and the office's address at the foot of every page."""
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.4)
    canvas.line(MARGIN, 15 * mm, PAGE_WIDTH - MARGIN, 15 * mm)
    canvas.setFillColor(GREY)
    writing.draw(canvas, MARGIN, 11 * mm, letterhead.footer_line, 7)
    if right_text:
        writing.draw(canvas, PAGE_WIDTH - MARGIN, 11 * mm, right_text, 7, align="right")
    canvas.setFillColor(colors.black)


def fit_text(value: str, bold: bool, size: float, width: float, min_size: float = 6.5) -> tuple[str, float]:
    """Text for one line of a heading: shrunk down to min_size, then cut with « … » (never a name)."""
    size = writing.fit(value, size, width, bold, min_size)
    if writing.width(value, size, bold) <= width:
        return value, size
    while value and writing.width(value + "…", size, bold) > width:
        value = value[:-1]
    return value.rstrip() + "…", size


def wrapped(value: Any, style: ParagraphStyle, width: float, bold: bool = False) -> Paragraph:
    """A value in a box of known width (an address, a table cell): its lines broken here, at spaces
    and after hyphens, never inside a word (documents.writing.wrap), each line in its own order.

    reportlab's own breaking at hyphens (embeddedHyphenation) loses hyphens when a paragraph is
    wrapped twice, as tables and frames do: the lines are given to it already broken.
    """
    text = "" if value is None else str(value)
    if not rtl.has_rtl(text) and all(writing.width(word, style.fontSize, bold) <= width for word in text.split()):
        # No word wider than the box: reportlab's breaking at spaces is the same, and quicker.
        return Paragraph(esc_lines(text.splitlines(), bold) if "\n" in text else esc(text, bold), style)
    lines = [line for part in text.splitlines() for line in writing.wrap(part, style.fontSize, width, bold)]
    return Paragraph(esc_lines(lines, bold), style)


# --- styles ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    body_tight: ParagraphStyle
    small: ParagraphStyle
    address: ParagraphStyle
    refs: ParagraphStyle
    date_line: ParagraphStyle
    subject: ParagraphStyle
    quote: ParagraphStyle
    bullet: ParagraphStyle
    cell: ParagraphStyle
    cell_head: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    signature: ParagraphStyle
    extra: dict[str, ParagraphStyle] = field(default_factory=dict)


@lru_cache(maxsize=1)
def styles() -> Styles:
    """Built once per process: styles are read-only for reportlab."""
    fonts.register()
    body = ParagraphStyle(
        "body", fontName=fonts.REGULAR, fontSize=9.6, leading=12.6, alignment=TA_LEFT, spaceAfter=5,
        allowWidows=0, allowOrphans=0,
    )
    return Styles(
        body=body,
        body_tight=ParagraphStyle("body_tight", parent=body, spaceAfter=2),
        small=ParagraphStyle("small", parent=body, fontSize=8, leading=10, textColor=GREY, spaceAfter=0),
        address=ParagraphStyle("address", parent=body, fontSize=10.5, leading=13.5, spaceAfter=0),
        refs=ParagraphStyle("refs", parent=body, fontSize=8.3, leading=11, textColor=GREY, spaceAfter=0),
        date_line=ParagraphStyle("date_line", parent=body, leftIndent=85 * mm, spaceAfter=9),
        subject=ParagraphStyle("subject", parent=body, fontName=fonts.BOLD, spaceAfter=1),
        quote=ParagraphStyle("quote", parent=body, leftIndent=8 * mm, rightIndent=6 * mm, fontName=fonts.BOLD),
        bullet=ParagraphStyle(
            "bullet", parent=body, leftIndent=6 * mm, bulletIndent=2 * mm, spaceAfter=2, bulletFontName=fonts.REGULAR
        ),
        cell=ParagraphStyle("cell", parent=body, fontSize=8.4, leading=10.4, spaceAfter=0),
        cell_head=ParagraphStyle("cell_head", parent=body, fontName=fonts.BOLD, fontSize=8, leading=10, spaceAfter=0),
        title=ParagraphStyle(
            "title", parent=body, fontName=fonts.BOLD, fontSize=15, leading=19, alignment=TA_CENTER, spaceAfter=4
        ),
        subtitle=ParagraphStyle("subtitle", parent=body, fontSize=11, leading=14, alignment=TA_CENTER, spaceAfter=14),
        signature=ParagraphStyle("signature", parent=body, leftIndent=85 * mm, spaceAfter=0),
        extra={
            "right": ParagraphStyle("right", parent=body, alignment=TA_RIGHT),
            # The address one step smaller: tried before a line of the address wraps.
            "address_small": ParagraphStyle("address_small", parent=body, fontSize=9.5, leading=12.2, spaceAfter=0),
        },
    )


def doc_info(title: str, letterhead: Letterhead) -> dict[str, Any]:
    """Document properties shared by every PDF the program writes."""
    fonts.register()
    return {
        "title": title,
        "author": f"{letterhead.institution} – {letterhead.office_name}",
        "creator": CREATOR,
        "lang": "fr-FR",
        "pagesize": A4,
        # Otherwise every page names Helvetica, a font the document never uses.
        "initialFontName": fonts.REGULAR,
    }
