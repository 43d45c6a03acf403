"""Every name printed right on every PDF: each script in its face, right-to-left text in order and
joined, long names broken only at spaces and hyphens, every font embedded and subset.

The pixels are compared with Qt's drawing of the same name from the same font files (tests/ink.py);
the text layer is read back with pypdf, as a clerk's PDF reader copies it.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import ink
import pytest
from pdf_reading import flat, font_names, page_texts, positions, reader
from test_documents import LETTERHEAD, letter

from cnam_desk.documents import (
    AttendanceSheet,
    AttendanceStudent,
    PassedUnit,
    SuccessAttestation,
    attendance,
    decision_letters,
    fonts,
    render_attendance_sheets,
    render_attestations,
    render_letters,
    writing,
)

SCRIPTS = {
    "王小明": ["WenQuanYiMicroHei.ttc"],  # Chinese
    "佐藤花子": ["WenQuanYiMicroHei.ttc"],  # Japanese
    "김민준": ["WenQuanYiMicroHei.ttc"],  # Korean
    "محمد العلي": ["NotoSansArabic-Regular.ttf"],
    "דוד כהן": ["NotoSansHebrew-Regular.ttf"],
}
BOLD_FILES = {"NotoSansArabic-Regular.ttf": "NotoSansArabic-Bold.ttf", "NotoSansHebrew-Regular.ttf": "NotoSansHebrew-Bold.ttf"}
RTL_NAMES = ["محمد العلي", "דוד כהן"]
LONG = "de La Rochefoucauld-Montmorency-Saint-Exupéry-Villiers-Lisle-Adam"  # 65 characters
LONGER = f"Jean-Baptiste Marie-Hélène {LONG}-Rohan-Chabot"  # well over 80
WINDOW = (
    decision_letters.ADDRESS_LEFT / ink.MM,
    decision_letters.ADDRESS_TOP / ink.MM,
    decision_letters.ADDRESS_WIDTH / ink.MM,
    decision_letters.ADDRESS_HEIGHT / ink.MM,
)


def letter_pdf(name: str, address: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    render_letters([letter(student_name=name, address_lines=address)], LETTERHEAD, buffer)
    return buffer.getvalue()


def attestation_pdf(name: str) -> bytes:
    unit = PassedUnit("NFA031", "Programmation avec Java", 12.5, "semestre 1, session 1", 6)
    item = SuccessAttestation("AT-2024-000001", name, "100023001", "2023-2024", (unit,), dt.date(2024, 3, 1))
    buffer = io.BytesIO()
    render_attestations([item], LETTERHEAD, buffer)
    return buffer.getvalue()


def sheet_pdf(students: list[AttendanceStudent]) -> bytes:
    sheet = AttendanceSheet(
        "Semestre 1, session 1 de l'année 2023-2024", "NFA031", "Programmation avec Java", dt.date(2024, 1, 22),
        dt.time(18), dt.time(21), "Amphi A", "Paris", tuple(students),
    )  # fmt: skip
    buffer = io.BytesIO()
    render_attendance_sheets([sheet], LETTERHEAD, buffer)
    return buffer.getvalue()


# --- faces ------------------------------------------------------------------------------------


def test_each_script_has_a_shipped_face_with_its_licence():
    for name in [*SCRIPTS, "Łukasz Żółć", "Νίκος Παπαδόπουλος", "Дмитрий Иванов"]:
        assert fonts.missing_glyphs(name) == [], name
        assert fonts.missing_glyphs(name, fonts.BOLD) == [], name
    assert fonts.missing_glyphs("ក") == ["ក"]  # Khmer: no face has it, and it is said
    folder = ink.FONTS
    assert "SIL Open Font License" in (folder / "LICENSE-Noto.txt").read_text(encoding="utf-8")
    assert "Apache License" in (folder / "LICENSE-WenQuanYi.txt").read_text(encoding="utf-8")
    assert "Bitstream" in (folder / "LICENSE-DejaVu.txt").read_text(encoding="utf-8")


def test_latin_text_stays_in_dejavu_and_loads_no_other_face():
    assert writing.markup("Zoë <Lefèvre> & Fils") == "Zoë &lt;Lefèvre&gt; &amp; Fils"
    assert font_names(letter_pdf("Zoë Lefèvre-Dupré")) == {"/AAAAAA+DejaVuSans", "/AAAAAA+DejaVuSans-Bold"}


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_every_font_is_embedded_and_a_letter_stays_small(name):
    data = letter_pdf(name, ("12 rue des Écoles", "75005 Paris"))
    assert len(data) < 60_000
    for page in reader(data).pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, font.get_object()["/BaseFont"]
    assert len(font_names(data)) == 3  # DejaVu regular and bold, and the name's face


# --- text layer -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*SCRIPTS, "Madame محمد العلي,", "דוד כהן-לוי", "Zoë Lefèvre-Dupré"])
def test_the_text_layer_gives_each_name_back_as_typed(name):
    assert name in page_texts(letter_pdf(name))[0]
    # pypdf reads a comma and a space just after right-to-left text as part of it (« ,numéro »):
    # its guess, not the document's order; the name itself reads as typed.
    text = page_texts(attestation_pdf(name))[0]
    assert f"Nous attestons que {name.rstrip(',')}" in text
    assert "numéro d'auditeur 100023001, a obtenu" in text


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_attendance_cells_give_last_and_first_names_back(name):
    last, first = (name[:1], name[1:]) if " " not in name else name.split(" ", 1)[::-1]
    text = page_texts(sheet_pdf([AttendanceStudent("1001", last, first)]))[0]
    assert last in text and first in text


def test_a_right_to_left_name_prints_after_the_french_words_before_it():
    lines = [p for p in positions(letter_pdf("Madame محمد العلي,")) if p[2] < 60 and p[1] > 100]
    assert [p[0] for p in lines[:3]] == ["Madame", "محمد العلي", ","]


def test_bidirectional_order_of_a_line():
    pieces = writing.pieces("Madame محمد العلي, née le 3")
    assert [piece.face.key for piece in pieces] == ["latin", "arabic", "latin"]
    assert pieces[0].text == "Madame " and pieces[2].text == ", née le 3"
    # Digits after Arabic belong to it (Unicode's rule): they print on its left, left to right.
    after = writing.pieces("Madame محمد 12")
    assert [piece.text for piece in after][:2] == ["Madame ", "12"]
    hebrew = writing.pieces("דוד כהן")
    assert [piece.text for piece in hebrew] == ["ןהכ דוד"]  # drawn from the left: the last letter first


# --- pixels, next to Qt -----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_the_printed_name_looks_like_qt_drawing_it(qapp, name):
    page = ink.render(letter_pdf(name))
    left, top, width, _height = WINDOW
    printed = ink.ink(ink.crop_mm(page, left - 1, top - 2, width + 2, 9))
    reference = ink.ink(ink.qt_text(name, SCRIPTS[name], 10.5))
    assert ink.similar(printed, reference) == []


def test_a_french_line_with_an_arabic_name_looks_like_qt_drawing_it(qapp):
    line = "Madame محمد العلي,"
    page = ink.render(letter_pdf(line))
    left, top, width, _height = WINDOW
    printed = ink.ink(ink.crop_mm(page, left - 1, top - 2, width + 2, 9))
    reference = ink.ink(ink.qt_text(line, ["DejaVuSans.ttf", "NotoSansArabic-Regular.ttf"], 10.5))
    assert ink.similar(printed, reference) == []


@pytest.mark.parametrize("name", RTL_NAMES)
def test_the_comparison_refuses_a_name_drawn_in_typing_order(qapp, name):
    """The control: letters left to right in the order typed (what the program printed before)."""
    page = ink.render(letter_pdf(name))
    left, top, width, _height = WINDOW
    printed = ink.ink(ink.crop_mm(page, left - 1, top - 2, width + 2, 9))
    backwards = ink.ink(ink.qt_text(name, SCRIPTS[name], 10.5, reverse=True))
    assert ink.similar(printed, backwards) != []


@pytest.mark.parametrize("name", RTL_NAMES)
def test_a_bold_right_to_left_name_on_the_attendance_sheet_looks_like_qt(qapp, name):
    page = ink.render(sheet_pdf([AttendanceStudent("1001", name, "x")]))
    # Row 1, the « Nom » cell (after the N° and N° d'auditeur columns).
    cell_left = attendance.MARGIN / ink.MM + 9 + 27
    cell_top = attendance.TABLE_TOP / ink.MM + attendance.HEAD_HEIGHT / ink.MM
    printed = ink.ink(ink.crop_mm(page, cell_left + 1, cell_top + 1, 42, attendance.ROW_HEIGHT / ink.MM - 2))
    reference = ink.ink(ink.qt_text(name, [BOLD_FILES[SCRIPTS[name][0]]], 9.5, bold=True))
    assert ink.similar(printed, reference) == []


# --- long names -------------------------------------------------------------------------------


def _address_lines(data: bytes) -> list[tuple[str, float, float]]:
    left, top, _width, height = WINDOW
    return [p for p in positions(data) if left - 1 <= p[1] and top - 1 <= p[2] <= top + height + 1]


def _breaks_between_words(lines: list[str], whole: str) -> None:
    """The lines rejoin into the whole, and each break follows a space or a hyphen."""
    joined = ""
    for line in lines:
        if joined and not joined.endswith("-"):
            joined += " "
        joined += line
    assert joined == whole
    for line in lines[:-1]:
        assert line.endswith("-") or f"{line} " in f"{whole} ", line


@pytest.mark.parametrize("name", [f"Jean-Baptiste {LONG}", LONGER, f"{LONGER} {LONGER}"])
def test_a_long_name_in_the_address_wraps_at_spaces_and_hyphens_inside_the_window(name):
    data = letter_pdf(name, ("12 rue des Écoles", "75005 Paris"))
    lines = [p[0] for p in _address_lines(data)]
    assert lines[-2:] == ["12 rue des Écoles", "75005 Paris"]
    _breaks_between_words(lines[:-2], name)
    # Nothing is drawn outside the envelope's window, around it.
    left, top, width, height = WINDOW
    page = ink.render(data)
    around = ink.ink(ink.crop_mm(page, left - 2, top - 6, 210 - left + 2, height + 10))
    assert around.box is not None
    right, bottom = (around.box[2] / ink.DPI * 25.4) + left - 2, (around.box[3] / ink.DPI * 25.4) + top - 6
    assert right <= left + width + 0.5 and bottom <= top + height + 0.5


def test_the_address_shrinks_one_step_before_it_wraps():
    name = "Marie-Hélène de La Rochefoucauld-Montmorency"
    assert writing.width(name, 10.5) > decision_letters.ADDRESS_WIDTH >= writing.width(name, 9.5)
    sizes = []
    page = reader(letter_pdf(name, ("75005 Paris",))).pages[0]
    page.extract_text(visitor_text=lambda text, cm, tm, font, size: sizes.append((text.strip(), size)) if text.strip() else None)
    assert (name, 9.5) in sizes
    assert ("Zoë Lefèvre", 10.5) in [
        (t, s) for page in reader(letter_pdf("Zoë Lefèvre")).pages for t, s in _sizes(page)
    ]


def _sizes(page) -> list[tuple[str, float]]:  # type: ignore[no-untyped-def]
    found: list[tuple[str, float]] = []
    page.extract_text(visitor_text=lambda text, cm, tm, font, size: found.append((text.strip(), size)))
    return found


@pytest.mark.parametrize("last", [LONG, LONGER, f"{LONGER}-{LONGER}"])
def test_attendance_sheets_never_cut_a_name_the_row_grows(last):
    students = [AttendanceStudent(f"{1000 + i}", last if i % 2 else "Dupont", "Marie-Claire Anne-Sophie") for i in range(30)]
    data = sheet_pdf(students)
    texts = page_texts(data)
    assert "…" not in " ".join(texts)
    pages = attendance.sheet_pages(students)
    assert len(texts) == pages >= attendance.sheet_pages(range(30))
    raw = "".join(page.extract_text() for page in reader(data).pages)
    rejoined = flat(re.sub(r"-\n", "-", raw))
    assert rejoined.count(last) == 15
    for number in range(1000, 1030):
        assert str(number) in rejoined
    for student in students:
        height = attendance.row_height(student)
        lines = attendance.cell_lines(student.last_name, True, 44 * ink.MM - 4 * ink.MM)[0]
        assert height >= len(lines) * attendance.NAME_LEADING
        _breaks_between_words(lines, student.last_name)


@pytest.mark.parametrize(
    "value",
    ["Amphithéâtre Abbé-Grégoire-Saint-Martin-des-Champs", LONG, LONGER, "Salle 31.1.25", "محمد العلي بن عبد الله"],
)
def test_wrapping_breaks_only_after_spaces_and_hyphens(value):
    for width in (25, 35, 60):
        lines = writing.wrap(value, 8.4, width * ink.MM)
        assert all(writing.width(line, 8.4) <= width * ink.MM for line in lines)
        _breaks_between_words(lines, value)


def test_a_long_room_in_the_letter_table_prints_whole():
    room = "Amphithéâtre Abbé-Grégoire-Saint-Martin-des-Champs"
    exams = (decision_letters.ExamLine("NFA031", "Programmation", dt.date(2024, 1, 22), dt.time(18), dt.time(21), room),)
    buffer = io.BytesIO()
    render_letters([letter("refused", exams=exams)], LETTERHEAD, buffer)
    raw = reader(buffer.getvalue()).pages[0].extract_text()
    start = raw.index("Amphithéâtre")
    cell = raw[start : raw.index("Champs", start) + len("Champs")].split("\n")
    assert len(cell) > 1
    _breaks_between_words(cell, room)
