"""Reading the spreadsheets clerks bring (xlsx, xls, ods) safely and fast, and finding their columns.

Files are read with python-calamine: about 0.3 s for 50,000 rows where openpyxl takes several
seconds. Before calamine sees a file, `check_file` looks at it without parsing it: what kind of
file it really is (by content, not by extension), whether it is password protected, and whether
its zip directory or its sheets announce more data than any real schedule or grade sheet holds.
calamine lays each sheet out as a full grid between its first and last cell, so two cells placed
far apart in an otherwise tiny file would make it allocate hundreds of gigabytes and abort the
process (no exception to catch): xlsx worksheets and the records of an .xls are therefore scanned
for their extent first. calamine refuses by itself an .ods sheet of more than 100 million cells.
Binary workbooks (.xlsb) are refused: their records are not scanned.

Merged cells: calamine gives the value in the top-left cell of the merged area only; the other
cells of the area read as empty. Formulas: calamine returns the value last computed by the
spreadsheet program (empty when the file was never opened in one).
"""

from __future__ import annotations

import contextlib
import gc
import io
import operator
import re
import struct
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import olefile
import python_calamine

from cnam_desk.errors import Location, RefusedInput
from cnam_desk.parsing import fold, parse_text

__all__ = [
    "Field",
    "Row",
    "Sheet",
    "Table",
    "check_file",
    "column_letter",
    "find_header",
    "normalise_header",
    "read_tables",
    "read_workbook",
]

MAX_FILE_SIZE = 100 * 1024 * 1024  # bytes on disk
MAX_UNCOMPRESSED_SIZE = 512 * 1024 * 1024  # all members of a zip, as its directory declares them
MAX_MEMBERS = 10_000
MAX_RATIO = 200  # uncompressed / compressed, for members above RATIO_FLOOR
RATIO_FLOOR = 4 * 1024 * 1024
MAX_CELLS = 12_000_000  # one sheet's grid (rows x columns), about 400 MB while calamine holds it

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_FORMATS = "formats lus : .xlsx, .xls, .ods"
_REPAIR = "ouvrez-le dans le tableur et enregistrez-le de nouveau, puis recommencez"


# --------------------------------------------------------------------------- small helpers


def column_letter(index: int) -> str:
    """0 -> « A », 25 -> « Z », 26 -> « AA »."""
    if index < 0:
        raise ValueError(f"column index {index} < 0")
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def normalise_header(text: Any) -> str:
    """« Date de l'épreuve » -> « date de l epreuve »: lower case, no accents, no punctuation."""
    folded = fold(parse_text(text))
    cleaned = "".join(
        ch if ch.isalnum() else " " for ch in folded if unicodedata.category(ch) != "Mn"
    )
    return " ".join(cleaned.split())


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} Mo".replace(".", ",")


# --------------------------------------------------------------------------- checking a file


def _refuse(name: str, message: str) -> RefusedInput:
    return RefusedInput(f"fichier « {name} » {message}")


def _what_it_is(head: bytes) -> str | None:
    """A French name for a well-known non-spreadsheet file, from its first bytes."""
    signatures: list[tuple[bytes, str]] = [
        (b"%PDF", "un document PDF"),
        (b"\x89PNG", "une image"),
        (b"\xff\xd8\xff", "une image"),
        (b"GIF8", "une image"),
        (b"II*\x00", "une image"),
        (b"MM\x00*", "une image"),
        (b"{\\rtf", "un document RTF"),
        (b"Rar!", "une archive RAR"),
        (b"7z\xbc\xaf", "une archive 7-Zip"),
        (b"\x1f\x8b", "une archive gzip"),
    ]
    for magic, what in signatures:
        if head.startswith(magic):
            return what
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "une image"
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<!doctype html", b"<html")):
        return "une page web"
    if lowered.startswith(b"<?xml"):
        return "un fichier XML"
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if controls <= len(head) // 100:
        return "un fichier texte (CSV ?)"
    return None


def check_file(path: str | Path) -> None:
    """Refuse, with a French message naming the file, what must not be given to calamine."""
    _inspect(Path(path))


def _inspect(path: Path) -> str:
    """check_file, returning the kind of workbook found: « xls », « xlsx » or « ods »."""
    name = path.name
    try:
        if not path.exists():
            raise _refuse(name, "introuvable")
        if not path.is_file():
            raise _refuse(name, "n’est pas un fichier")
        size = path.stat().st_size
        if size == 0:
            raise _refuse(name, "vide")
        if size > MAX_FILE_SIZE:
            raise _refuse(name, f"trop volumineux ({_mb(size)} ; {_mb(MAX_FILE_SIZE)} au plus)")
        with path.open("rb") as file:
            head = file.read(4096)
    except OSError as error:
        raise _refuse(name, f"illisible : {error.strerror or error}") from None
    if head.startswith(_OLE_MAGIC):
        _check_ole(path, name)
        return "xls"
    if head.startswith(_ZIP_MAGICS):
        return _check_zip(path, name)
    what = _what_it_is(head)
    if what:
        raise _refuse(name, f"n’est pas un tableur : c’est {what} ({_FORMATS})")
    raise _refuse(name, f"n’est pas un tableur ({_FORMATS})")


# --- OLE compound files: .xls, and password-protected xlsx (EncryptionInfo + EncryptedPackage)


_PASSWORD = "protégé par un mot de passe : enregistrez-le sans mot de passe puis recommencez"


def _check_ole(path: Path, name: str) -> None:
    """An OLE file is accepted only as a real .xls whose sheets fit in MAX_CELLS."""
    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {
                "/".join(entry).lower(): entry
                for entry in ole.listdir(streams=True, storages=False)
            }
            if streams.keys() & {"encryptedpackage", "encryptioninfo"}:
                raise _refuse(name, _PASSWORD)
            workbook = streams.get("workbook") or streams.get("book")
            if workbook is None:
                if "worddocument" in streams:
                    raise _refuse(
                        name, f"n’est pas un tableur : c’est un document Word ({_FORMATS})"
                    )
                raise _refuse(name, f"n’est pas un tableur ({_FORMATS})")
            if ole.get_size(workbook) > MAX_FILE_SIZE:
                raise _refuse(name, f"abîmé ou incomplet : {_REPAIR}")
            data = ole.openstream(workbook).read()
    except RefusedInput:
        raise
    except Exception:  # noqa: BLE001 - olefile raises OSError, ValueError, struct.error, IndexError…
        raise _refuse(name, f"abîmé ou incomplet : {_REPAIR}") from None
    _check_biff(data, name)


_BIFF_BOF = 0x0809
_BIFF_FILEPASS = 0x002F
_BIFF_DIMENSIONS = 0x0200
_BIFF_ROW = 0x0208
_BIFF_MULTIPLE = frozenset({0x00BD, 0x00BE})  # MULRK, MULBLANK: row, first column, …, last column
# FORMULA, LABELSST, BLANK, NUMBER, LABEL, BOOLERR, RK, RSTRING: each starts with row, column
_BIFF_CELLS = frozenset({0x0006, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00D6, 0x0406})


_BIFF_HEADER = struct.Struct("<HHHH")  # record type, length, and the first two words of its body


def _check_biff(data: bytes, name: str) -> None:
    """Bound every sheet of a BIFF workbook stream by its DIMENSIONS and its cells, as calamine
    reserves and lays out the grid from them at opening (a far cell aborts the process)."""
    header = _BIFF_HEADER.unpack_from
    data = data + bytes(8)  # every record header can be read with its first two words
    position, end = 0, len(data) - 12
    rows = columns = 0
    cells = _BIFF_CELLS
    while position <= end:
        kind, length, row, column = header(data, position)
        body = position + 4
        position = body + length
        if kind in cells:
            # the usual record: one cell; compare before calling anything
            if row < rows and column < columns:
                continue
        elif kind == _BIFF_ROW:
            column = struct.unpack_from("<H", data, body + 4)[0]
        elif kind in _BIFF_MULTIPLE:
            column = struct.unpack_from("<H", data, body + length - 2)[0] if length >= 6 else 0
        elif kind == _BIFF_DIMENSIONS:
            if length >= 14:
                _, row, _, column = struct.unpack_from("<IIHH", data, body)
            elif length >= 8:
                _, row, _, column = struct.unpack_from("<HHHH", data, body)
            else:
                continue
            row -= 1  # DIMENSIONS gives the last row and column plus one
            column -= 1
        elif kind == _BIFF_BOF:
            rows = columns = 0  # a new sheet
            continue
        elif kind == _BIFF_FILEPASS:
            raise _refuse(name, _PASSWORD)
        else:
            continue
        rows, columns = max(rows, row + 1), max(columns, column + 1)
        if rows * columns > MAX_CELLS:
            raise _too_large(name)


# --- zip files: xlsx, ods (and xlsb, refused)

_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_CHUNK = 8 * 1024 * 1024
# After this translation every cell reference « r="XFD1048576" » reads « A="AAA0000000" »
# (calamine takes lower-case references too): the extent a sheet's references announce can then
# be bounded with a few substring searches that run at memory speed.
_FOLD_REFERENCES = bytes(
    ord("A")
    if 65 <= b <= 90 or 97 <= b <= 122
    else ord("0")
    if 48 <= b <= 57
    else ord('"')
    if b == 39
    else b
    for b in range(256)
)
_REFERENCE = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]{0,10})(\d{1,12})["']""")
# calamine also places a cell or a row that has no reference right after the previous one, and
# reads namespace prefixes and attributes in any order: such sheets get the element-by-element pass.
_UNREFERENCED_CELL = re.compile(rb'<c(?! r=")[\s>/]')
_UNREFERENCED_ROW = re.compile(rb'<row(?! r=")[\s>/]')
_PREFIXED_ELEMENT = re.compile(rb":(?:c|row)[\s>/]")
_ELEMENT = re.compile(rb"""<(?:[\w.-]+:)?(c|row)(?=[\s>/])((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_ATTRIBUTE = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CELL_REFERENCE = re.compile(rb"([A-Za-z]*)(\d*)")


def _zip_kind(names: Sequence[str], archive: zipfile.ZipFile) -> str | None:
    lowered = {n.lower() for n in names}
    if "xl/workbook.bin" in lowered:
        return "xlsb"
    if "[content_types].xml" in lowered and any(n.startswith("xl/") for n in lowered):
        return "xlsx"
    if "mimetype" in lowered:
        try:
            with archive.open("mimetype") as member:
                mimetype = member.read(200)
        except (KeyError, zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
            mimetype = b""
        if mimetype.strip() == b"application/vnd.oasis.opendocument.spreadsheet":
            return "ods"
        return None
    if "content.xml" in lowered and "meta-inf/manifest.xml" in lowered:
        return "ods"
    return None


def _check_zip(path: Path, name: str) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise _refuse(
                    name,
                    f"refusé : il contient {len(members)} éléments, un classeur n’en a jamais autant",
                )
            total = sum(m.file_size for m in members)
            if total > MAX_UNCOMPRESSED_SIZE:
                raise _refuse(
                    name,
                    f"refusé : une fois décompressé il occuperait {_mb(total)} "
                    f"({_mb(MAX_UNCOMPRESSED_SIZE)} au plus) ; ce n’est pas un classeur ordinaire",
                )
            for member in members:
                if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(
                    member.compress_size, 1
                ):
                    raise _refuse(
                        name,
                        "refusé : son contenu compressé est anormal (bombe de décompression ?) ; "
                        "ce n’est pas un classeur ordinaire",
                    )
                if member.flag_bits & 0x1:
                    raise _refuse(name, _PASSWORD)
            kind = _zip_kind([m.filename for m in members], archive)
            if kind == "xlsb":
                # calamine would lay out an xlsb sheet from its cells like an xlsx one, but its
                # binary records are not scanned here: a far cell would abort the process.
                raise _refuse(
                    name,
                    "est un classeur binaire (.xlsb), format non lu : enregistrez-le au format "
                    ".xlsx puis recommencez",
                )
            if kind is None:
                raise _refuse(name, f"n’est pas un tableur : c’est une archive zip ({_FORMATS})")
            for member in members:
                lowered = member.filename.lower()
                if lowered.endswith(_XML_SUFFIXES):
                    is_sheet = (kind == "xlsx" and lowered.startswith("xl/worksheets/")) or (
                        kind == "ods" and lowered == "content.xml"
                    )
                    _scan_member(archive, member, name, sheet_extent=is_sheet and kind == "xlsx")
            return kind
    except RefusedInput:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        OSError,
        ValueError,
        RuntimeError,
        NotImplementedError,
    ):
        # truncated, corrupt (bad CRC: a member longer than its declared size), unknown compression
        raise _refuse(name, f"abîmé ou incomplet : {_REPAIR}") from None


def _scan_member(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str, *, sheet_extent: bool
) -> None:
    """Decompress one XML part as a stream (zipfile stops at the declared size and checks the CRC).

    No part may hold a DTD (entity expansion). A worksheet must not span more than MAX_CELLS:
    a quick pass bounds it with substring searches (columns A to Z, rows below 100,000, every
    cell and row with its reference); a sheet outside those bounds is read again exactly.
    """
    exact = ""  # "", "references" or "elements": the second pass needed, if any
    for piece in _pieces(archive, member, name):
        if _DTD.search(piece):
            raise _refuse(
                name,
                "refusé : il contient des déclarations XML (DOCTYPE, ENTITY) qu’un classeur n’a "
                f"jamais ; {_REPAIR}",
            )
        if not sheet_extent or exact == "elements":
            continue
        if (
            _UNREFERENCED_CELL.search(piece)
            or _UNREFERENCED_ROW.search(piece)
            or _PREFIXED_ELEMENT.search(piece)
        ):
            exact = "elements"
        elif not exact:
            folded = piece.translate(_FOLD_REFERENCES)
            if (
                b'"AA0' in folded
                or b'"AAA0' in folded
                or b"A000000" in folded
                or b'"000000' in folded
            ):
                exact = "references"
    if exact == "references":
        _check_references(archive, member, name)
    elif exact == "elements":
        _check_elements(archive, member, name)


_LONG_ROW = re.compile(rb' r="[A-Za-z]{0,3}(\d{6,12})"')  # rows from 100,000 on
_WIDE_COLUMN = re.compile(rb' r="([A-Za-z]{2,10})\d')  # columns from AA on


def _check_references(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str) -> None:
    """The extent of a sheet whose cells and rows all carry their reference first (« <c r="B7" »).

    Only the long row numbers and the wide column letters are collected: the usual references
    (A to Z, below 100,000) bound the sheet to 2.6 million cells by themselves.
    """
    rows, columns = 0, 26
    single_letter_columns = True
    for piece in _pieces(archive, member, name):
        long_rows = _LONG_ROW.findall(piece)
        if long_rows:
            lengths = set(map(len, long_rows))
            longest = max(lengths)
            if len(lengths) > 1:
                long_rows = [r for r in long_rows if len(r) == longest]
            rows = max(rows, int(max(long_rows)))  # same length: text order is number order
        wide = _WIDE_COLUMN.findall(piece)
        if wide:
            single_letter_columns = False
            longest = max(map(len, wide))
            widest = max(w.upper() for w in wide if len(w) == longest)
            columns = max(columns, _column_index(widest.decode()) + 1)
    if rows == 0:
        rows = 99_999
        if rows * columns > MAX_CELLS:  # a wide sheet: count its rows exactly
            rows = _exact_rows(archive, member, name)
    elif single_letter_columns and rows * columns > MAX_CELLS:
        # a long sheet within A to Z: does any reference go beyond the columns it may have?
        allowed = MAX_CELLS // rows
        beyond = "".join(chr(ord("A") + i) for i in range(allowed, 26))
        pattern = re.compile(rb' r="[' + (beyond + beyond.lower()).encode() + rb"]\d")
        columns = allowed
        if any(pattern.search(piece) for piece in _pieces(archive, member, name)):
            columns = 26
    if rows * columns > MAX_CELLS:
        raise _too_large(name)


def _exact_rows(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str) -> int:
    rows = 0
    for piece in _pieces(archive, member, name):
        for _, digits in _REFERENCE.findall(piece):
            rows = max(rows, int(digits))
    return rows


def _check_elements(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str) -> None:
    """The extent of any sheet, placing each row and cell as calamine does (slower, exact).

    Attributes are read one by one, so that a reference quoted inside another attribute's value
    is not taken for the cell's own; when an element repeats its « r », every value counts.
    """
    row = rows = columns = 0
    column = -1
    for piece in _pieces(archive, member, name):
        for element in _ELEMENT.finditer(piece):
            references = [
                _CELL_REFERENCE.match(double or single)
                for key, double, single in _ATTRIBUTE.findall(element[2])
                if key == b"r"
            ]
            letters = max(
                (m[1].upper() for m in references if m[1]), key=lambda t: (len(t), t), default=b""
            )
            digits = max((int(m[2]) for m in references if m[2]), default=0)
            if element[1] == b"row":
                row = digits or row + 1
                column = -1
                rows = max(rows, row)
                continue
            column = _column_index(letters.decode()) if letters else column + 1
            rows = max(rows, digits or row)
            columns = max(columns, column + 1)
            if rows * columns > MAX_CELLS:
                raise _too_large(name)
    if rows * columns > MAX_CELLS:
        raise _too_large(name)


def _pieces(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str) -> Iterable[bytes]:
    """The member's bytes in pieces cut just before a « < »: no tag and no text is ever split."""
    rest = b""
    with archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            data = rest + chunk
            cut = data.rfind(b"<")
            if cut <= 0:
                if len(data) > 2 * _CHUNK:  # megabytes without a tag: no spreadsheet writes that
                    raise _refuse(name, f"refusé : son contenu XML est anormal ; {_REPAIR}")
                rest = data
                continue
            yield data[:cut]
            rest = data[cut:]
    if rest:
        yield rest


def _too_large(name: str) -> RefusedInput:
    return _refuse(
        name,
        f"refusé : une de ses feuilles s’étend sur plus de {MAX_CELLS:,} cellules".replace(",", " ")
        + " ; supprimez les cellules inutiles (loin en bas ou à droite) puis recommencez",
    )


# --------------------------------------------------------------------------- reading


@dataclass
class Sheet:
    """One sheet as calamine reads it: rows from row 1, cells from column A, None for empty cells."""

    name: str
    rows: list[list[Any]]
    visible: bool = True


def _calamine_error(name: str, error: Exception) -> RefusedInput:
    if isinstance(error, python_calamine.PasswordError):
        return _refuse(name, _PASSWORD)
    detail = " ".join(str(error).split())[:160]
    if "cell limit" in detail.lower():
        return _too_large(name)
    return _refuse(name, f"illisible ({detail}) : {_REPAIR}")


def read_workbook(path: str | Path, *, max_rows: int = 1_000_000) -> list[Sheet]:
    """Every sheet of the workbook (hidden ones too); refuses a sheet of more than max_rows rows."""
    path = Path(path)
    name = path.name
    kind = _inspect(path)
    sheets: list[Sheet] = []
    try:
        with _open_workbook(path, kind) as workbook, _bulk_allocation():
            metadata = {m.name: m for m in workbook.sheets_metadata}
            for index, sheet_name in enumerate(workbook.sheet_names):
                meta = metadata.get(sheet_name)
                if meta is not None and meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                    continue  # chart sheets, macro sheets: no cells to import
                sheet = workbook.get_sheet_by_index(index)
                end = sheet.end
                if end is None:
                    sheets.append(Sheet(sheet_name, [], _visible(meta)))
                    continue
                height, width = end[0] + 1, end[1] + 1
                if height > max_rows:
                    raise _refuse(
                        name,
                        f"refusé : la feuille « {sheet_name} » a {height:,} lignes ({max_rows:,} au plus)".replace(
                            ",", " "
                        ),
                    )
                if height * width > MAX_CELLS:
                    raise _too_large(name)
                # calamine gives "" for an empty cell; most rows of a real sheet have none
                rows = [
                    [None if value == "" else value for value in row] if "" in row else row
                    for row in sheet.to_python(skip_empty_area=False)
                ]
                sheets.append(Sheet(sheet_name, rows, _visible(meta)))
    except RefusedInput:
        raise
    except MemoryError:
        raise _refuse(name, "trop volumineux pour être lu sur cet ordinateur") from None
    except Exception as error:  # noqa: BLE001 - calamine raises its own types and plain ValueErrors
        raise _calamine_error(name, error) from None
    return sheets


@contextlib.contextmanager
def _bulk_allocation() -> Iterator[None]:
    """No cyclic garbage collection while hundreds of thousands of cells are built: 15% faster."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _open_workbook(path: Path, kind: str) -> python_calamine.CalamineWorkbook:
    if path.suffix.lower() == f".{kind}":
        return python_calamine.CalamineWorkbook.from_path(path)
    # calamine picks the format from the extension: a renamed file is handed over as bytes,
    # and calamine then recognises it by its content.
    return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))


def _visible(meta: Any) -> bool:
    return meta is None or meta.visible == python_calamine.SheetVisibleEnum.Visible


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Field:
    """A column an importer needs: its name in code, its French label, the header texts that name it."""

    name: str
    label: str
    synonyms: tuple[str, ...]
    required: bool = True


@dataclass(frozen=True)
class Row:
    """One data row: raw cell values by field name, and where each came from."""

    sheet: str
    number: int
    values: dict[str, Any]
    columns: dict[str, str]

    def location(self, file_name: str, field: str | None = None) -> Location:
        return Location(
            file_name, self.sheet, self.number, self.columns.get(field) if field else None
        )


@dataclass
class Table:
    """The rows under a recognised header in one sheet."""

    file_name: str
    sheet: str
    header_row: int
    headers: list[str]
    columns: dict[str, int]
    rows: list[Row] = field(default_factory=list)


def _synonyms(fields: Iterable[Field]) -> dict[str, tuple[str, ...]]:
    result = {}
    for f in fields:
        texts = [normalise_header(s) for s in (*f.synonyms, f.label)]
        result[f.name] = tuple(dict.fromkeys(t for t in texts if t))
    return result


def _match_row(
    row: Sequence[Any], fields: Sequence[Field], synonyms: dict[str, tuple[str, ...]]
) -> dict[str, int]:
    """Columns of `row` naming each field: exact header first, then a header starting with a synonym."""
    headers = [normalise_header(v) if v is not None else "" for v in row]
    found: dict[str, int] = {}
    taken: set[int] = set()
    for exact in (True, False):
        for f in fields:
            if f.name in found:
                continue
            for index, header in enumerate(headers):
                if not header or index in taken:
                    continue
                if any(
                    header == s if exact else header.startswith(s + " ") for s in synonyms[f.name]
                ):
                    found[f.name] = index
                    taken.add(index)
                    break
    return found


def find_header(
    sheet: Sheet, fields: Sequence[Field], *, search_rows: int = 30
) -> tuple[int, dict[str, int]] | None:
    """The first row (0-based) among the first `search_rows` naming every required field, and its columns."""
    synonyms = _synonyms(fields)
    required = {f.name for f in fields if f.required}
    for index, row in enumerate(sheet.rows[:search_rows]):
        if not any(v is not None for v in row):
            continue
        found = _match_row(row, fields, synonyms)
        if required <= found.keys() and found:
            return index, found
    return None


def _is_blank(row: list[Any]) -> bool:
    for value in row:
        if value is not None and (value.__class__ is not str or value.strip()):
            return False
    return True


def read_tables(
    path: str | Path, fields: Sequence[Field], *, max_rows: int = 1_000_000, search_rows: int = 30
) -> list[Table]:
    """Every sheet whose header names the required fields, as a Table; refuses a file with none."""
    path = Path(path)
    sheets = read_workbook(path, max_rows=max_rows)
    tables: list[Table] = []
    for sheet in sheets:
        header = find_header(sheet, fields, search_rows=search_rows)
        if header is None:
            continue
        header_index, columns = header
        table = Table(
            file_name=path.name,
            sheet=sheet.name,
            header_row=header_index + 1,
            headers=[parse_text(v) for v in sheet.rows[header_index]],
            columns=columns,
        )
        with _bulk_allocation():
            table.rows = _data_rows(sheet, header_index, columns)
        tables.append(table)
    if not tables:
        raise RefusedInput(_no_header_message(path.name, sheets, fields, search_rows))
    return tables


def _data_rows(sheet: Sheet, header_index: int, columns: dict[str, int]) -> list[Row]:
    """The non-blank rows under the header, with the cells of the recognised columns."""
    names = list(columns)
    indices = [columns[n] for n in names]
    letters = {name: column_letter(index) for name, index in columns.items()}  # shared by all rows
    needed = max(indices) + 1
    # itemgetter picks a row's cells in C: a third of the time of a dict comprehension
    pick = operator.itemgetter(*indices, indices[0])  # always a tuple, even for one column
    rows: list[Row] = []
    for number, cells in enumerate(sheet.rows[header_index + 1 :], start=header_index + 2):
        if _is_blank(cells):
            continue
        if len(cells) >= needed:
            values = dict(zip(names, pick(cells), strict=False))
        else:
            width = len(cells)
            values = {
                n: cells[i] if i < width else None for n, i in zip(names, indices, strict=True)
            }
        rows.append(Row(sheet.name, number, values, letters))
    return rows


def _no_header_message(
    file_name: str, sheets: Sequence[Sheet], fields: Sequence[Field], search_rows: int
) -> str:
    """Which required columns are missing, and what the likeliest header row holds."""
    synonyms = _synonyms(fields)
    required = [f for f in fields if f.required]
    best: tuple[int, int, int, int] | None = None  # (matches, filled cells, -sheet, -row)
    best_found: dict[str, int] = {}
    best_sheet: Sheet | None = None
    best_row: list[Any] = []
    for sheet_index, sheet in enumerate(sheets):
        for row_index, row in enumerate(sheet.rows[:search_rows]):
            filled = sum(1 for v in row if v is not None and parse_text(v))
            if not filled:
                continue
            found = _match_row(row, fields, synonyms)
            score = (
                sum(1 for f in required if f.name in found),
                min(filled, 3),
                -sheet_index,
                -row_index,
            )
            if best is None or score > best:
                best, best_found, best_sheet, best_row = score, found, sheet, row
    missing = [f.label for f in required if f.name not in best_found]
    message = f"fichier « {file_name} » : colonnes introuvables : {', '.join(missing)}"
    if best_sheet is not None:
        read = [t for t in (parse_text(v) for v in best_row) if t]
        shown = ", ".join(read)
        if len(shown) > 200:
            shown = shown[:199] + "…"
        message += f" (feuille « {best_sheet.name} » : en-têtes lus : {shown})"
    elif sheets:
        message += f" (feuille « {sheets[0].name} » vide)"
    else:
        message += " (aucune feuille)"
    return message
