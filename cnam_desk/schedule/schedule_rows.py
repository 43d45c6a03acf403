"""What a row of a schedule file is: an exam row, or a line that cannot be one (a note, a total, a signature, a title).

Offices' sheets carry, above, between and below the exams, lines that are no exam: titles
repeated over each block, « Total : 12 épreuves », « Document non contractuel… », « Le
responsable », a date of version, a lone remark across merged cells. Such a line is skipped and
listed, never an error. A row whose UE cell holds what looks like an UE code is always an exam
row: if its date cannot be read, the clerk is told where.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from cnam_desk import parsing, spreadsheets
from cnam_desk.importing import clean_ue_code, is_blank, memoised

# What an UE code looks like (NFA031, US331H, UTC501, « nfa 031 »), as opposed to a note such
# as « Semaine 2 » or « Total : 40 épreuves » typed in the same column.
_CODE = r"[A-Za-z]{2,4} ?\d[A-Za-z0-9]{1,5}"
_UE_CODE = re.compile(_CODE)
_LEADING_CODE = re.compile(rf"\s*{_CODE}(?![A-Za-z0-9])")
# « NFA031 / NFA032 », « NFA031, NFA032 », « NFA031 + NFA032 », « NFA031 ; NFA032 », « NFA031 et NFA032 ».
_CODE_SEPARATOR = re.compile(r"\s*(?:[/,+;&]|\bet\b)\s*", re.IGNORECASE)
# « NFA031 - Programmation avec Java », « NFA031 – Java », « NFA031 : Java »: a title starts with a letter.
_WITH_TITLE = re.compile(r"(.+?)\s*[-‐‑‒–—―:]\s*([^\W\d_].*)")
_TEXT_MAX = 200

# How notes, totals and signatures begin (folded): only read on a row with no UE code.
_NOTE_WORDS = (
    "total", "sous-total", "sous total", "nombre d", "nb ", "nb:", "n.b", "note", "remarque", "attention",
    "important", "legende", "signature", "signe", "visa", "cachet", "le responsable", "la responsable",
    "le directeur", "la directrice", "le chef", "la cheffe", "service des examens", "document non contractuel",
    "non contractuel", "sous reserve", "fait a", "fait le", "imprime le", "edite le", "etabli le", "mis a jour",
    "mise a jour", "version", "page ", "source", "contact", "pour toute question", "*",
)  # fmt: skip


class SkippedLine(NamedTuple):
    """A line of the file that is no exam: where, and what it says."""

    sheet: str
    row: int
    text: str

    def as_json(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "text": self.text}


def looks_like_code(text: str) -> bool:
    return _UE_CODE.fullmatch(text.strip()) is not None


def starts_with_code(text: str) -> bool:
    return _LEADING_CODE.match(text) is not None


def split_ue_cell(value: Any) -> tuple[list[str], str]:
    """The UE codes a cell names and the title it gives, if any.

    « NFA031 / NFA032 » -> ([NFA031, NFA032], ""); « NFA031 - Programmation avec Java » ->
    ([NFA031], "Programmation avec Java"); anything else is one code as typed (« nfa 031 » -> NFA031).
    """
    text = parsing.parse_text(value)
    if not text:
        return [], ""
    if _UE_CODE.fullmatch(text):  # most cells: one code
        return ["".join(text.split()).upper()], ""
    head, title = text, ""
    m = _WITH_TITLE.fullmatch(text)
    if m and all(looks_like_code(part) for part in _CODE_SEPARATOR.split(m[1])):
        head, title = m[1], m[2].strip()
    parts = _CODE_SEPARATOR.split(head)
    if all(looks_like_code(part) for part in parts):
        return list(dict.fromkeys(clean_ue_code(part) for part in parts)), title
    return [clean_ue_code(text)], ""


def _texts(cells: Iterable[Any]) -> list[str]:
    return [text for text in (parsing.parse_text(cell) for cell in cells if not is_blank(cell)) if text]


def line_text(cells: Iterable[Any]) -> str:
    text = " ".join(_texts(cells))
    return text if len(text) <= _TEXT_MAX else text[: _TEXT_MAX - 1] + "…"


class LineSorter:
    """Tells, for the rows of one file, the lines that cannot be exams (and what they say)."""

    def __init__(self, ue_headers: Iterable[str], time_fields: Sequence[str]):
        self.ue_headers = frozenset(ue_headers)
        self.time_fields = tuple(time_fields)
        self.titles: set[str] = set()
        self._ue_text = memoised(parsing.parse_text)

    def add_titles(self, rows: Iterable[Sequence[Any]]) -> None:
        """The lines above a header: a row that only repeats them later is a title, not an exam."""
        for cells in rows:
            self.titles.update(parsing.fold(text) for text in _texts(cells))

    def skipped(self, row: spreadsheets.Row) -> str | None:
        """What a line that cannot be an exam says; None for an exam row (even one in error)."""
        values = row.values
        ue = values.get("ue")
        ue_text = "" if is_blank(ue) else self._ue_text(ue)
        if ue_text and starts_with_code(ue_text):
            return None  # most rows: decided without looking at the other cells
        cells = row.cells or tuple(values.values())
        texts = _texts(cells)
        if not texts:
            return ""
        # A repeated header: its UE cell holds a word such as « Code UE ».
        if ue_text and spreadsheets.normalise_header(ue_text) in self.ue_headers:
            return line_text(cells)
        folded = [parsing.fold(text) for text in texts]
        if self.titles and all(text in self.titles for text in folded):
            return line_text(cells)  # a title repeated over a block
        first = folded[0]
        if first.startswith(_NOTE_WORDS):
            return line_text(cells)
        if len(texts) == 1:
            return line_text(cells)  # a lone remark, maybe across merged cells
        for name in self.time_fields:  # a loop, not any(): this runs for every row of the file
            value = values.get(name)
            if value is not None and (value.__class__ is not str or value.strip()):
                return None  # a date or a time: an exam whose UE is missing, said so
        return line_text(cells)
