"""Looking at a spreadsheet file before anything parses it, and refusing hostile or broken ones.

`check_file` looks at a file without parsing it: what kind of file it really is (by content, not
by extension), whether it is password protected, and whether its zip directory or its sheets
announce more data than any real schedule or grade sheet holds. calamine lays each sheet out as a
full grid between its first and last cell, so two cells placed far apart in an otherwise tiny
file would make it allocate hundreds of gigabytes and abort the process (no exception to catch):
xlsx worksheets and the records of an .xls are therefore scanned for their extent first. calamine
refuses by itself an .ods sheet of more than 100 million cells. Binary workbooks (.xlsb) are
refused: their records are not scanned.
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import olefile

from cnam_desk.errors import RefusedInput

MAX_FILE_SIZE = 100 * 1024 * 1024  # bytes on disk
MAX_UNCOMPRESSED_SIZE = 512 * 1024 * 1024  # all members of a zip, as its directory declares them
MAX_MEMBERS = 10_000
MAX_RATIO = 200  # uncompressed / compressed, for members above RATIO_FLOOR
RATIO_FLOOR = 4 * 1024 * 1024
MAX_CELLS = 12_000_000  # one sheet's grid (rows x columns), about 400 MB while calamine holds it

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_FORMATS = "formats lus : .xlsx, .xls, .ods"
REPAIR_HINT = "ouvrez-le dans le tableur et enregistrez-le de nouveau, puis recommencez"


# --------------------------------------------------------------------------- small helpers


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} Mo".replace(".", ",")


# --------------------------------------------------------------------------- checking a file


def refusal(name: str, message: str) -> RefusedInput:
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
    inspect_file(Path(path))


def inspect_file(path: Path) -> str:
    """check_file, returning the kind of workbook found: « xls », « xlsx » or « ods »."""
    name = path.name
    try:
        if not path.exists():
            raise refusal(name, "introuvable")
        if not path.is_file():
            raise refusal(name, "n’est pas un fichier")
        size = path.stat().st_size
        if size == 0:
            raise refusal(name, "vide")
        if size > MAX_FILE_SIZE:
            raise refusal(name, f"trop volumineux ({_mb(size)} ; {_mb(MAX_FILE_SIZE)} au plus)")
        with path.open("rb") as file:
            head = file.read(4096)
    except OSError as error:
        raise refusal(name, f"illisible : {error.strerror or error}") from None
    if head.startswith(_OLE_MAGIC):
        _check_ole(path, name)
        return "xls"
    if head.startswith(_ZIP_MAGICS):
        return _check_zip(path, name)
    what = _what_it_is(head)
    if what:
        raise refusal(name, f"n’est pas un tableur : c’est {what} ({_FORMATS})")
    raise refusal(name, f"n’est pas un tableur ({_FORMATS})")


# --- OLE compound files: .xls, and password-protected xlsx (EncryptionInfo + EncryptedPackage)


PASSWORD_HINT = "protégé par un mot de passe : enregistrez-le sans mot de passe puis recommencez"


def _check_ole(path: Path, name: str) -> None:
    """An OLE file is accepted only as a real .xls whose sheets fit in MAX_CELLS."""
    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {
                "/".join(entry).lower(): entry
                for entry in ole.listdir(streams=True, storages=False)
            }
            if streams.keys() & {"encryptedpackage", "encryptioninfo"}:
                raise refusal(name, PASSWORD_HINT)
            workbook = streams.get("workbook") or streams.get("book")
            if workbook is None:
                if "worddocument" in streams:
                    raise refusal(
                        name, f"n’est pas un tableur : c’est un document Word ({_FORMATS})"
                    )
                raise refusal(name, f"n’est pas un tableur ({_FORMATS})")
            if ole.get_size(workbook) > MAX_FILE_SIZE:
                raise refusal(name, f"abîmé ou incomplet : {REPAIR_HINT}")
            data = ole.openstream(workbook).read()
    except RefusedInput:
        raise
    except Exception:  # noqa: BLE001 - olefile raises OSError, ValueError, struct.error, IndexError…
        raise refusal(name, f"abîmé ou incomplet : {REPAIR_HINT}") from None
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
            raise refusal(name, PASSWORD_HINT)
        else:
            continue
        rows, columns = max(rows, row + 1), max(columns, column + 1)
        if rows * columns > MAX_CELLS:
            raise too_large(name)


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
                raise refusal(
                    name,
                    f"refusé : il contient {len(members)} éléments, un classeur n’en a jamais autant",
                )
            total = sum(m.file_size for m in members)
            if total > MAX_UNCOMPRESSED_SIZE:
                raise refusal(
                    name,
                    f"refusé : une fois décompressé il occuperait {_mb(total)} "
                    f"({_mb(MAX_UNCOMPRESSED_SIZE)} au plus) ; ce n’est pas un classeur ordinaire",
                )
            for member in members:
                if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(
                    member.compress_size, 1
                ):
                    raise refusal(
                        name,
                        "refusé : son contenu compressé est anormal (bombe de décompression ?) ; "
                        "ce n’est pas un classeur ordinaire",
                    )
                if member.flag_bits & 0x1:
                    raise refusal(name, PASSWORD_HINT)
            kind = _zip_kind([m.filename for m in members], archive)
            if kind == "xlsb":
                # calamine would lay out an xlsb sheet from its cells like an xlsx one, but its
                # binary records are not scanned here: a far cell would abort the process.
                raise refusal(
                    name,
                    "est un classeur binaire (.xlsb), format non lu : enregistrez-le au format "
                    ".xlsx puis recommencez",
                )
            if kind is None:
                raise refusal(name, f"n’est pas un tableur : c’est une archive zip ({_FORMATS})")
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
        raise refusal(name, f"abîmé ou incomplet : {REPAIR_HINT}") from None


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
            raise refusal(
                name,
                "refusé : il contient des déclarations XML (DOCTYPE, ENTITY) qu’un classeur n’a "
                f"jamais ; {REPAIR_HINT}",
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
        raise too_large(name)


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
                raise too_large(name)
    if rows * columns > MAX_CELLS:
        raise too_large(name)


def _pieces(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str) -> Iterable[bytes]:
    """The member's bytes in pieces cut just before a « < »: no tag and no text is ever split."""
    rest = b""
    with archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            data = rest + chunk
            cut = data.rfind(b"<")
            if cut <= 0:
                if len(data) > 2 * _CHUNK:  # megabytes without a tag: no spreadsheet writes that
                    raise refusal(name, f"refusé : son contenu XML est anormal ; {REPAIR_HINT}")
                rest = data
                continue
            yield data[:cut]
            rest = data[cut:]
    if rest:
        yield rest


def too_large(name: str) -> RefusedInput:
    return refusal(
        name,
        f"refusé : une de ses feuilles s’étend sur plus de {MAX_CELLS:,} cellules".replace(",", " ")
        + " ; supprimez les cellules inutiles (loin en bas ou à droite) puis recommencez",
    )
