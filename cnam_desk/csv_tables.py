"""Reading a .csv file as one sheet, so that imports find its header and columns as in a workbook.

Offices' CSV files come from Excel (semicolons, Windows-1252 or UTF-8 with a BOM) or from other
programs (commas, tabs, UTF-8). The separator is the one that splits the first lines into the
same number of columns; every cell is text (« 6,0 » stays « 6,0 »), an empty cell is None.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from cnam_desk.filecheck import MAX_FILE_SIZE, refusal
from cnam_desk.spreadsheets import Sheet

SEPARATORS = (";", "\t", ",", "|")
_ENCODINGS = ("utf-8-sig", "cp1252")
_SAMPLE_LINES = 20


def is_csv(path: str | Path) -> bool:
    return Path(path).suffix.lower() == ".csv"


def _text(path: Path) -> str:
    name = path.name
    try:
        if not path.is_file():
            raise refusal(name, "introuvable" if not path.exists() else "n’est pas un fichier")
        size = path.stat().st_size
        if size > MAX_FILE_SIZE:
            raise refusal(name, f"trop volumineux ({size // (1024 * 1024)} Mo ; {MAX_FILE_SIZE // (1024 * 1024)} Mo au plus)")
        data = path.read_bytes()
    except OSError as error:
        raise refusal(name, f"illisible : {error.strerror or error}") from None
    if not data.strip():
        raise refusal(name, "vide")
    if b"\x00" in data[:4096]:
        raise refusal(name, "n’est pas un fichier CSV (texte) : enregistrez-le au format .csv, .xlsx ou .ods")
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise refusal(name, "illisible : encodage inconnu (enregistrez-le en CSV UTF-8)")  # cp1252 takes nearly any byte


def separator(text: str) -> str:
    """The separator that gives the first lines the most columns, alike on every line."""
    lines = [line for line in text.splitlines()[:_SAMPLE_LINES] if line.strip()]
    best, best_score = SEPARATORS[0], (0, 0)
    for candidate in SEPARATORS:
        # A title or total line is one cell whatever the separator: it must not decide.
        widths = [len(row) for row in csv.reader(lines, delimiter=candidate) if len(row) > 1]
        if not widths:
            continue
        common = max(set(widths), key=widths.count)
        score = (widths.count(common), common)
        if score > best_score:
            best, best_score = candidate, score
    return best


def read_csv(path: str | Path) -> list[Sheet]:
    """The file as one sheet, named after the file as Excel names it; rows from line 1, None for an empty cell."""
    path = Path(path)
    text = _text(path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator(text))
    try:
        rows = [[cell if cell.strip() else None for cell in row] for row in reader]
    except csv.Error as error:
        raise refusal(path.name, f"illisible ({error}) : ouvrez-le dans le tableur et enregistrez-le de nouveau") from None
    return [Sheet(path.stem, rows)]
