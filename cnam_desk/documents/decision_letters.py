"""Decision letters (courriers de décision) as PDF: one page per letter, addressed for a window envelope."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    FrameBreak,
    KeepInFrame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from cnam_desk import frenchdates
from cnam_desk.documents import common, fonts, writing
from cnam_desk.documents.common import (
    LIGHT,
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RULE,
    TEXT_WIDTH,
    Letterhead,
    Output,
    esc,
)

HANDICNAM_EMAIL = "handicnam_paris@lecnam.net"

# Where a French DL envelope with a right-hand window shows the address (A4 folded in three).
ADDRESS_LEFT = 105 * mm
ADDRESS_TOP = 50 * mm  # from the top of the page
ADDRESS_HEIGHT = 36 * mm
ADDRESS_WIDTH = PAGE_WIDTH - MARGIN - ADDRESS_LEFT + 5 * mm
BODY_TOP = 94 * mm
BODY_BOTTOM = 20 * mm
FOLDS = (99 * mm, 198 * mm)


class Decision(enum.StrEnum):
    """The decided outcomes that call for a letter (same values as RequestStatus)."""

    ACCEPTED = "accepted"
    REFUSED = "refused"
    INCOMPLETE = "incomplete"
    REDIRECTED = "redirected"

    @property
    def label(self) -> str:
        return {
            Decision.ACCEPTED: "demande acceptée",
            Decision.REFUSED: "demande refusée",
            Decision.INCOMPLETE: "dossier incomplet",
            Decision.REDIRECTED: "orientation vers la mission Handi'Cnam",
        }[self]


@dataclass(frozen=True)
class ExamLine:
    """An exam of the schedule the request concerns."""

    ue_code: str
    title: str
    date: dt.date
    start: dt.time
    end: dt.time
    room: str = ""


@dataclass(frozen=True)
class ArrangementLine:
    """What an accepted request grants for one UE: another date, time and room."""

    ue_code: str
    date: dt.date
    start: dt.time
    end: dt.time
    room: str = ""
    title: str = ""


@dataclass(frozen=True)
class DecisionLetter:
    """Everything a decision letter prints; built from the database by cnam_desk.requests.letters."""

    reference: str
    decision: Decision
    student_name: str  # as it is written: "Zoë Lefèvre-Dupré"
    student_number: str
    address_lines: tuple[str, ...]
    session_title: str  # "semestre 1, session 1 de l'année 2023-2024"
    exams: tuple[ExamLine, ...]
    letter_date: dt.date
    arrangements: tuple[ArrangementLine, ...] = ()
    reason: str = ""  # refused
    comment: str = ""  # refused, optional
    missing: tuple[str, ...] = ()  # incomplete
    reply_by: dt.date | None = None  # incomplete
    received_on: dt.date | None = None
    attestation: bool = False  # a request for the attestation de M1, not for an arrangement

    def __post_init__(self) -> None:
        object.__setattr__(self, "decision", Decision(self.decision))
        for name in ("address_lines", "exams", "arrangements", "missing"):
            object.__setattr__(self, name, tuple(getattr(self, name)))


# --- the wording, one place ------------------------------------------------------------------

SALUTATION = "Madame, Monsieur,"
CLOSING = "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées."
ACCEPTED_TEXT = (
    "Après étude de votre demande, nous avons le plaisir de vous informer qu'elle est acceptée. "
    "Vous composerez dans les conditions suivantes :"
)
ACCEPTED_RULE = (
    "Cet aménagement vous est accordé à titre personnel : il ne modifie pas le planning de la session. "
    "Les dates d'examens ne sont ni modifiables ni reportées."
)
ACCEPTED_PLANNED = "Pour mémoire, épreuves concernées au planning de la session :"
REFUSED_TEXT = (
    "Après étude de votre demande, nous avons le regret de vous informer qu'elle ne peut pas être acceptée, "
    "pour le motif suivant :"
)
REFUSED_ATTEND = (
    "Nous vous invitons donc à vous présenter aux épreuves suivantes, aux dates, heures et salles prévues "
    "au planning de la session :"
)
REFUSED_RULE = (
    "Nous vous rappelons que les dates d'examens ne sont ni modifiables ni reportées. Un aménagement n'est "
    "possible que si deux de vos épreuves ont lieu le même jour au même moment, en cas de déplacement "
    "professionnel ponctuel et court à l'étranger (sur justificatif), ou en situation de handicap "
    "(mission Handi'Cnam)."
)
INCOMPLETE_TEXT = "Votre dossier est incomplet : nous ne pouvons pas étudier votre demande en l'état. Il manque :"
INCOMPLETE_DEADLINE = (
    "Nous vous remercions de nous faire parvenir ces éléments au plus tard le {reply_by}, en rappelant la "
    "référence {reference}. Sans réponse de votre part à cette date, votre demande ne pourra pas être retenue "
    "et vous composerez aux dates, heures et salles prévues au planning de la session."
)
INCOMPLETE_NO_DATE = (
    "Nous vous remercions de nous faire parvenir ces éléments dans les meilleurs délais, en rappelant la "
    "référence {reference}."
)
REDIRECTED_TEXT = (
    "Les aménagements liés à une situation de handicap ne relèvent pas du service des examens : ils sont "
    "étudiés par la mission Handi'Cnam. Nous vous invitons à prendre contact avec elle sans attendre, en "
    "lui indiquant les épreuves concernées ci-dessous :"
)
REDIRECTED_DEADLINE = (
    "La date limite de demande d'aménagement de la session ne s'applique pas à ces demandes. "
    "Le service des examens ne conserve aucune information médicale vous concernant."
)
EXAMS_CONCERNED = "Épreuves concernées au planning de la session :"
RULE_IDENTITY = (
    "Une pièce d'identité originale en cours de validité vous sera demandée à chaque examen ; "
    "les photocopies et les versions numériques ne sont pas acceptées."
)
RULE_GRADES = (
    "Vos résultats seront publiés sur votre portail élève dès qu'ils seront connus. "
    "Aucune note n'est communiquée par courriel ni par téléphone."
)
RULES_TITLE = "À savoir"
M1_SUBJECT = "Demande d'attestation de réussite de la première année de master (M1)"
M1_REQUEST = "vous avez sollicité une attestation de réussite de la première année de master (M1)"
M1_ACCEPTED = (
    "Après vérification de vos résultats publiés, nous avons le plaisir de vous informer que vous remplissez "
    "les conditions de l'attestation de M1. Elle est établie ainsi :"
)
M1_REFUSED = (
    "Après vérification de vos résultats publiés, nous avons le regret de vous informer que vous ne remplissez "
    "pas encore les conditions de l'attestation de M1 :"
)
M1_AGAIN = "Vous pourrez renouveler votre demande lorsque les résultats manquants auront été publiés."


def opening(letter: DecisionLetter) -> str:
    if letter.attestation:
        if letter.received_on:
            received = frenchdates.long_date(letter.received_on, weekday=False)
            return f"Par votre demande reçue le {received}, {M1_REQUEST}."
        return f"Vous {M1_REQUEST.removeprefix('vous ')}."
    request = "Vous avez sollicité un aménagement de vos conditions d'examen"
    if letter.received_on:
        received = frenchdates.long_date(letter.received_on, weekday=False)
        request = f"Par votre demande reçue le {received}, vous avez sollicité un aménagement de vos conditions d'examen"
    return f"{request} pour le {letter.session_title}."


def subject(letter: DecisionLetter) -> str:
    if letter.attestation:
        return M1_SUBJECT
    return f"Demande d'aménagement d'examen – {letter.session_title}"


def rules(letter: DecisionLetter) -> list[str]:
    """The office's rules the letter reminds, where they matter for this decision."""
    if letter.attestation:
        return [RULE_GRADES]
    kept = [RULE_IDENTITY]
    if letter.decision is not Decision.REDIRECTED:
        kept.append(RULE_GRADES)
    return kept


# --- layout ----------------------------------------------------------------------------------


class _LetterStart(Flowable):
    """Marks the page where a letter begins, so continuation pages can name it."""

    width = height = 0

    def __init__(self, reference: str):
        super().__init__()
        self.reference = reference

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._cnam_letter_reference = self.reference  # type: ignore[attr-defined]


CELL_PADDING = 3  # points, each side of a table cell


def _exam_table(rows: Sequence[tuple[str, str, dt.date, dt.time, dt.time, str]]) -> Table:
    st = common.styles()
    head = [Paragraph(text, st.cell_head) for text in ("UE", "Intitulé", "Date", "Horaire", "Salle")]
    # The code column fits the longest code (« NFA031-P », « UTC501-FOD »): a code cut over
    # two lines reads as two codes. The title column gives up the room.
    longest = max((writing.width(code, st.cell.fontSize) for code, *_rest in rows), default=0)
    widths = [max(16 * mm, min(longest + 2 * CELL_PADDING + 1, 40 * mm)), 0.0, 35 * mm, 27 * mm, 35 * mm]
    widths[1] = TEXT_WIDTH - sum(widths)
    inner = [width - 2 * CELL_PADDING for width in widths]
    data = [head]
    for code, title, day, start, end, room in rows:
        values = (code, title, frenchdates.long_date(day), common.time_span(start, end), room)
        data.append([common.wrapped(value, st.cell, width) for value, width in zip(values, inner, strict=True)])
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(_TABLE_STYLE)
    return table


_TABLE_STYLE = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),  # cells are Paragraphs; this keeps Helvetica out
        ("BACKGROUND", (0, 0), (-1, 0), LIGHT),
        ("LINEABOVE", (0, 0), (-1, 0), 0.6, RULE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
        ("LINEBELOW", (0, -1), (-1, -1), 0.6, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.6),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ]
)

_BOX_STYLE = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),  # cells are Paragraphs; this keeps Helvetica out
        ("BOX", (0, 0), (-1, -1), 0.6, RULE),
        ("BACKGROUND", (0, 0), (-1, -1), LIGHT),
        ("LEFTPADDING", (0, 0), (-1, -1), 7),
        ("RIGHTPADDING", (0, 0), (-1, -1), 7),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
)


def _rules_box(letter: DecisionLetter) -> Table:
    st = common.styles()
    content = [Paragraph(f"<b>{esc(RULES_TITLE)}</b>", st.body_tight)]
    content += [Paragraph(esc(text), st.bullet, bulletText="•") for text in rules(letter)]
    table = Table([[content]], colWidths=[TEXT_WIDTH])
    table.setStyle(_BOX_STYLE)
    return table


def _planned(letter: DecisionLetter) -> list[tuple[str, str, dt.date, dt.time, dt.time, str]]:
    return [(e.ue_code, e.title, e.date, e.start, e.end, e.room) for e in letter.exams]


def _granted(letter: DecisionLetter) -> list[tuple[str, str, dt.date, dt.time, dt.time, str]]:
    titles = {e.ue_code: e.title for e in letter.exams}
    return [
        (a.ue_code, a.title or titles.get(a.ue_code, ""), a.date, a.start, a.end, a.room) for a in letter.arrangements
    ]


def _decision_body(letter: DecisionLetter) -> list[Flowable]:
    st = common.styles()
    gap = Spacer(0, 5)
    story: list[Flowable] = [Paragraph(esc(opening(letter)), st.body)]
    if letter.attestation and letter.decision in (Decision.ACCEPTED, Decision.REFUSED):
        accepted = letter.decision is Decision.ACCEPTED
        story.append(Paragraph(esc(M1_ACCEPTED if accepted else M1_REFUSED), st.body))
        story.append(Paragraph(esc(letter.comment if accepted else letter.reason, bold=True) or "—", st.quote))
        if not accepted:
            story.append(Paragraph(esc(M1_AGAIN), st.body))
        return story
    if letter.decision is Decision.ACCEPTED:
        story.append(Paragraph(esc(ACCEPTED_TEXT), st.body))
        if letter.arrangements:
            story += [_exam_table(_granted(letter)), gap]
        story.append(Paragraph(esc(ACCEPTED_RULE), st.body))
        if letter.exams:
            story += [Paragraph(esc(ACCEPTED_PLANNED), st.body), _exam_table(_planned(letter)), gap]
    elif letter.decision is Decision.REFUSED:
        story.append(Paragraph(esc(REFUSED_TEXT), st.body))
        story.append(Paragraph(esc(letter.reason, bold=True) or "—", st.quote))
        if letter.comment:
            story.append(Paragraph(f"Précision du service : {esc(letter.comment)}", st.body))
        if letter.exams:
            story += [Paragraph(esc(REFUSED_ATTEND), st.body), _exam_table(_planned(letter)), gap]
        story.append(Paragraph(esc(REFUSED_RULE), st.body))
    elif letter.decision is Decision.INCOMPLETE:
        story.append(Paragraph(esc(INCOMPLETE_TEXT), st.body))
        for item in letter.missing or ("—",):
            story.append(Paragraph(esc(item), st.bullet, bulletText="•"))
        story.append(Spacer(0, 3))
        if letter.reply_by:
            text = INCOMPLETE_DEADLINE.format(reply_by=frenchdates.long_date(letter.reply_by), reference=letter.reference)
        else:
            text = INCOMPLETE_NO_DATE.format(reference=letter.reference)
        story.append(Paragraph(esc(text), st.body))
        if letter.exams:
            story += [Paragraph(esc(EXAMS_CONCERNED), st.body), _exam_table(_planned(letter)), gap]
    else:
        story.append(Paragraph(esc(REDIRECTED_TEXT), st.body))
        story.append(Paragraph(f"Mission Handi'Cnam : {esc(HANDICNAM_EMAIL, bold=True)}", st.quote))
        if letter.exams:
            story += [Paragraph(esc(EXAMS_CONCERNED), st.body), _exam_table(_planned(letter)), gap]
        story.append(Paragraph(esc(REDIRECTED_DEADLINE), st.body))
    return story


def address_block(lines: Sequence[str]) -> Paragraph:
    """The name and address for the envelope's window: one step smaller before any line wraps.

    A line still too wide then wraps at its spaces and hyphens; the frame shrinks the whole
    block if it is still too tall, so it always stays inside the window.
    """
    st = common.styles()
    style = st.address
    if any(writing.width(line, style.fontSize) > ADDRESS_WIDTH for line in lines):
        style = st.extra["address_small"]
    return common.wrapped("\n".join(lines), style, ADDRESS_WIDTH)


def letter_story(letter: DecisionLetter, letterhead: Letterhead) -> list[Flowable]:
    """The flowables of one letter, frames of the first page in order: references, address, body."""
    st = common.styles()
    refs = [
        Paragraph(f"Notre référence : <b>{esc(letter.reference, bold=True)}</b>", st.refs),
        Paragraph(f"Numéro d'auditeur : {esc(letter.student_number)}", st.refs),
        Paragraph(f"Affaire suivie par : {esc(letterhead.office_name)}", st.refs),
    ]
    address = [address_block((letter.student_name, *letter.address_lines))]
    signature = [Paragraph(esc(letterhead.signatory_title), st.signature)]
    if letterhead.signatory_name:
        # Room for a handwritten signature between the title and the name.
        signature += [Spacer(0, 11 * mm), Paragraph(f"<b>{esc(letterhead.signatory_name, bold=True)}</b>", st.signature)]
    story: list[Flowable] = [
        _LetterStart(letter.reference),
        KeepInFrame(ADDRESS_LEFT - MARGIN - 8 * mm, ADDRESS_HEIGHT, refs, mode="shrink"),
        FrameBreak(),
        KeepInFrame(ADDRESS_WIDTH, ADDRESS_HEIGHT, address, mode="shrink"),
        FrameBreak(),
        Paragraph(esc(common.place_and_date(letterhead.city, letter.letter_date)), st.date_line),
        Paragraph(f"Objet : {esc(subject(letter), bold=True)}", st.subject),
        Paragraph(f"Décision : {esc(letter.decision.label, bold=True)}", st.subject),
        Spacer(0, 9),
        Paragraph(esc(SALUTATION), st.body),
        *_decision_body(letter),
        Spacer(0, 2),
        _rules_box(letter),
        Spacer(0, 8),
        Paragraph(esc(CLOSING), st.body),
        Spacer(0, 6),
        KeepTogether(signature),
    ]
    return story


class _LetterDocument(BaseDocTemplate):
    def __init__(self, out: Output, letterhead: Letterhead, title: str):
        super().__init__(common.output_target(out), **common.doc_info(title, letterhead))
        self.letterhead = letterhead
        body_first = Frame(
            MARGIN, BODY_BOTTOM, TEXT_WIDTH, PAGE_HEIGHT - BODY_TOP - BODY_BOTTOM, id="body",
            leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
        )
        refs = Frame(
            MARGIN, PAGE_HEIGHT - ADDRESS_TOP - ADDRESS_HEIGHT, ADDRESS_LEFT - MARGIN - 8 * mm, ADDRESS_HEIGHT,
            id="refs", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
        )
        address = Frame(
            ADDRESS_LEFT, PAGE_HEIGHT - ADDRESS_TOP - ADDRESS_HEIGHT, ADDRESS_WIDTH, ADDRESS_HEIGHT, id="address",
            leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
        )
        body_next = Frame(
            MARGIN, BODY_BOTTOM, TEXT_WIDTH, PAGE_HEIGHT - 25 * mm - BODY_BOTTOM, id="body_next",
            leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
        )
        self.addPageTemplates(
            [
                PageTemplate("first", [refs, address, body_first], onPage=self._first_page),
                PageTemplate("next", [body_next], onPage=self._next_page),
            ]
        )

    def _first_page(self, canvas, _doc) -> None:  # type: ignore[no-untyped-def]
        common.draw_letterhead(canvas, self.letterhead)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.3)
        for fold in FOLDS:  # fold marks for an A4 sheet folded in three
            canvas.line(4 * mm, PAGE_HEIGHT - fold, 8 * mm, PAGE_HEIGHT - fold)
        common.draw_footer(canvas, self.letterhead)

    def _next_page(self, canvas, _doc) -> None:  # type: ignore[no-untyped-def]
        reference = getattr(canvas, "_cnam_letter_reference", "")
        canvas.setFillColor(common.GREY)
        writing.draw(canvas, MARGIN, PAGE_HEIGHT - 15 * mm, f"{self.letterhead.office_name} – référence {reference} (suite)", 8)
        common.draw_footer(canvas, self.letterhead)


def render_letters(letters: Iterable[DecisionLetter], letterhead: Letterhead | None, out: Output) -> int:
    """All the letters, in the given order, in ONE PDF (a path or a binary file); returns the count."""
    letterhead = letterhead or Letterhead()
    fonts.register()
    story: list[Flowable] = []
    count = 0
    for letter in letters:
        if count:
            story += [NextPageTemplate("first"), PageBreak()]
        story.append(NextPageTemplate("next"))
        story += letter_story(letter, letterhead)
        count += 1
        only = letter
    if not count:
        raise common.RefusedInput("Aucun courrier à produire.")
    title = f"Courrier de décision {only.reference}" if count == 1 else f"Courriers de décision ({count})"
    document = _LetterDocument(out, letterhead, title)
    document.build(story)
    return count


def render_letter(letter: DecisionLetter, letterhead: Letterhead | None, out: Output) -> None:
    """One letter, one PDF."""
    render_letters([letter], letterhead, out)
