"""Attestations de réussite and attestations de M1 as PDF, one page each, on the office's letterhead."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from cnam_desk import frenchdates
from cnam_desk.documents import common, fonts
from cnam_desk.documents.common import (
    LIGHT,
    MARGIN,
    PAGE_HEIGHT,
    RULE,
    TEXT_WIDTH,
    Letterhead,
    Output,
    esc,
)
from cnam_desk.errors import RefusedInput

Number = Decimal | float | int


@dataclass(frozen=True)
class PassedUnit:
    """An UE the student passed: its grade out of 20, the session it was earned in, its credits."""

    ue_code: str
    title: str
    grade: Number | str | None
    session_label: str  # "semestre 1, session 1"
    ects: Number | None


@dataclass(frozen=True)
class SuccessAttestation:
    """Attestation de réussite: the UEs a student passed in a year."""

    reference: str
    student_name: str
    student_number: str
    year_label: str  # "2023-2024"
    units: tuple[PassedUnit, ...]
    date: dt.date
    total_ects: Number | None = None  # None: the sum of the units' credits

    def __post_init__(self) -> None:
        object.__setattr__(self, "units", tuple(self.units))


@dataclass(frozen=True)
class M1Attestation:
    """Attestation de M1: the first year of a master's programme was passed, by these UEs."""

    reference: str
    student_name: str
    student_number: str
    year_label: str
    programme: str
    units: tuple[PassedUnit, ...]
    date: dt.date
    total_ects: Number | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "units", tuple(self.units))


Attestation = SuccessAttestation | M1Attestation

SUCCESS_TITLE = "Attestation de réussite"
M1_TITLE = "Attestation de réussite en première année de master"
SUCCESS_TEXT = (
    "Nous attestons que {name}, numéro d'auditeur {number}, a obtenu au titre de l'année universitaire "
    "{year} les unités d'enseignement suivantes :"
)
M1_TEXT = (
    "Nous attestons que {name}, numéro d'auditeur {number}, a validé au titre de l'année universitaire {year} "
    "la première année (M1) du master « {programme} », par les unités d'enseignement suivantes :"
)
GRADES_NOTE = "Notes sur 20. Une unité d'enseignement est acquise avec une note égale ou supérieure à 10/20."
VALIDITY = "Attestation délivrée pour servir et valoir ce que de droit."


def total_ects(item: Attestation) -> Decimal:
    if item.total_ects is not None:
        return Decimal(str(item.total_ects))
    return sum((Decimal(str(u.ects)) for u in item.units if u.ects is not None), Decimal(0))


UNKNOWN_CREDITS = "NR"  # what the ECTS column says of an UE whose credits are not known: never 0


def _credits(unit: PassedUnit) -> str:
    return UNKNOWN_CREDITS if unit.ects is None else common.number_fr(unit.ects)


def total_label(item: Attestation) -> tuple[str, str]:
    """The total line: its label and its value; UEs of unknown credits are said, never added as 0."""
    unknown = sum(1 for u in item.units if u.ects is None)
    if not unknown:
        return "Total des crédits ECTS", common.number_fr(total_ects(item))
    if unknown == len(item.units):
        return f"Total des crédits ECTS (crédits des UE non renseignés : {UNKNOWN_CREDITS})", UNKNOWN_CREDITS
    ues = "1 UE" if unknown == 1 else f"{unknown} UE"
    return (
        f"Total des crédits ECTS, hors {ues} aux crédits non renseignés ({UNKNOWN_CREDITS})",
        common.number_fr(total_ects(item)),
    )


def _grade(value: Number | str | None) -> str:
    return common.number_fr(value, decimals=2) if value is not None else "—"


_UNITS_STYLE = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),  # cells are Paragraphs; this keeps Helvetica out
        ("BACKGROUND", (0, 0), (-1, 0), LIGHT),
        ("LINEABOVE", (0, 0), (-1, 0), 0.6, RULE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
        ("LINEABOVE", (0, -1), (-1, -1), 0.6, RULE),
        ("LINEBELOW", (0, -1), (-1, -1), 0.6, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (3, 1), (4, -1), "RIGHT"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
)


def _units_table(item: Attestation) -> Table:
    st = common.styles()
    right = st.extra["right"]
    cell_right = common.ParagraphStyle("cell_right", parent=st.cell, alignment=right.alignment)
    head_right = common.ParagraphStyle("head_right", parent=st.cell_head, alignment=right.alignment)
    data: list[list[Flowable]] = [
        [
            Paragraph("UE", st.cell_head),
            Paragraph("Intitulé", st.cell_head),
            Paragraph("Session", st.cell_head),
            Paragraph("Note /20", head_right),
            Paragraph("ECTS", head_right),
        ]
    ]
    widths = [17 * mm, 0.0, 38 * mm, 18 * mm, 14 * mm]
    widths[1] = TEXT_WIDTH - sum(widths)
    inner = [widths[0] - 3 - 4, widths[1] - 3 - 4, widths[2] - 3 - 4]  # the table's left and right padding
    for unit in item.units:
        data.append(
            [
                common.wrapped(unit.ue_code, st.cell, inner[0]),
                common.wrapped(unit.title, st.cell, inner[1]),
                common.wrapped(unit.session_label, st.cell, inner[2]),
                Paragraph(esc(_grade(unit.grade)), cell_right),
                Paragraph(esc(_credits(unit)), cell_right),
            ]
        )
    label, total = total_label(item)
    data.append(
        [
            Paragraph("", st.cell),
            Paragraph(f"<b>{esc(label, bold=True)}</b>", st.cell),
            Paragraph("", st.cell),
            Paragraph("", st.cell),
            Paragraph(f"<b>{esc(total, bold=True)}</b>", cell_right),
        ]
    )
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(_UNITS_STYLE)
    return table


def attestation_story(item: Attestation, letterhead: Letterhead) -> list[Flowable]:
    st = common.styles()
    if isinstance(item, M1Attestation):
        title = M1_TITLE
        subtitle = f"Master 1 (M1) – année universitaire {item.year_label}"
        text = M1_TEXT.format(
            name=item.student_name, number=item.student_number, year=item.year_label, programme=item.programme
        )
    else:
        title = SUCCESS_TITLE
        subtitle = f"Année universitaire {item.year_label}"
        text = SUCCESS_TEXT.format(name=item.student_name, number=item.student_number, year=item.year_label)
    signature: list[Flowable] = [
        Paragraph(esc(f"Fait à {letterhead.city}, le {frenchdates.long_date(item.date, weekday=False)}"), st.signature),
        Spacer(0, 4),
        Paragraph(esc(letterhead.signatory_title), st.signature),
    ]
    if letterhead.signatory_name:
        signature += [Spacer(0, 12 * mm), Paragraph(f"<b>{esc(letterhead.signatory_name, bold=True)}</b>", st.signature)]
    return [
        Spacer(0, 4),
        Paragraph(esc(title, bold=True), st.title),
        Paragraph(esc(subtitle), st.subtitle),
        Paragraph(esc(text), st.body),
        Spacer(0, 4),
        _units_table(item),
        Spacer(0, 4),
        Paragraph(esc(GRADES_NOTE), st.small),
        Spacer(0, 10),
        Paragraph(esc(VALIDITY), st.body),
        Spacer(0, 8),
        KeepTogether(signature),
    ]


class _Reference(Flowable):
    """Names the attestation being drawn, for the footer of its pages."""

    def __init__(self, reference: str):
        super().__init__()
        self.reference = reference

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._cnam_reference = self.reference  # type: ignore[attr-defined]


class _AttestationDocument(BaseDocTemplate):
    def __init__(self, out: Output, letterhead: Letterhead, title: str):
        super().__init__(common.output_target(out), **common.doc_info(title, letterhead))
        self.letterhead = letterhead
        frame = Frame(
            MARGIN, 22 * mm, TEXT_WIDTH, PAGE_HEIGHT - 55 * mm - 22 * mm, id="body",
            leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
        )
        self.addPageTemplates([PageTemplate("page", [frame], onPage=self._page, onPageEnd=self._page_end)])

    def _page(self, canvas, _doc) -> None:  # type: ignore[no-untyped-def]
        common.draw_letterhead(canvas, self.letterhead)

    def _page_end(self, canvas, _doc) -> None:  # type: ignore[no-untyped-def]
        reference = getattr(canvas, "_cnam_reference", "")
        common.draw_footer(canvas, self.letterhead, f"Référence : {reference}" if reference else "")


def render_attestations(items: Iterable[Attestation], letterhead: Letterhead | None, out: Output) -> int:
    """Attestations (de réussite or de M1), one page each, in ONE PDF; returns the count."""
    letterhead = letterhead or Letterhead()
    fonts.register()
    items = list(items)
    if not items:
        raise RefusedInput("Aucune attestation à produire.")
    if len(items) == 1:
        title = f"{M1_TITLE if isinstance(items[0], M1Attestation) else SUCCESS_TITLE} {items[0].reference}"
    else:
        title = f"Attestations ({len(items)})"
    story: list[Flowable] = []
    for index, item in enumerate(items):
        if index:
            story.append(PageBreak())
        story.append(_Reference(item.reference))
        story += attestation_story(item, letterhead)
    _AttestationDocument(out, letterhead, title).build(story)
    return len(items)
