"""Any value printed on a document, in every script: the face of each run, its order, its width, its lines.

A value is cut into runs of one face (DejaVu Sans for Latin, Greek and Cyrillic; the Arabic,
Hebrew and CJK faces for theirs) and one direction. For a Paragraph, `markup` gives the escaped
text with a <font> tag around each run of another face, a right-to-left run already shaped,
in visual order, and kept whole on its line. On a canvas, `draw`, `width` and `wrap` do the
same for one line, and break a long value at spaces and after hyphens, never inside a word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from cnam_desk.documents import fonts, rtl
from cnam_desk.documents.fonts import LATIN, Face

NBSP = "\u00a0"


@dataclass(frozen=True)
class Piece:
    """Text of one face, ready to draw from left to right."""

    face: Face
    text: str


def _faces(text: str, text_levels: list[int]) -> list[Face]:
    """The face of each character; spaces and punctuation inside a right-to-left run print in its face."""
    faces: list[Face] = []
    current = LATIN
    for char, level in zip(text, text_levels, strict=True):
        face = fonts.face_for(char)
        if face is not None:
            current = face
        elif level % 2 and current.rtl and fonts.is_neutral(char) and ord(char) in fonts.font(current.regular).face.charToGlyph:
            face = current
        else:
            face = LATIN
            if not fonts.is_neutral(char):
                current = LATIN
        faces.append(face)
    return faces


def _segments(text: str) -> list[tuple[Face, int, str]]:
    """Logical runs of one face and one level: (face, level, text)."""
    text_levels = rtl.levels(text)
    faces = _faces(text, text_levels)
    segments: list[tuple[Face, int, str]] = []
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or faces[index] is not faces[start] or text_levels[index] != text_levels[start]:
            segments.append((faces[start], text_levels[start], text[start:index]))
            start = index
    return segments


def _visual(segments: list[tuple[Face, int, str]]) -> list[Piece]:
    pieces = []
    for face, level, part in rtl.reorder(segments, [level for _face, level, _part in segments]):
        if level % 2:
            part = rtl.shape(part, fonts.ensure(face)) if face.rtl else part[::-1]
        pieces.append(Piece(face, part))
    return pieces


def plain(value: Any) -> str:
    return "" if value is None else rtl.CONTROLS.sub("", str(value))


def pieces(value: Any) -> list[Piece]:
    """One line of text as pieces to draw from left to right."""
    fonts.register()
    text = plain(value)
    if not fonts.OTHER_SCRIPTS.search(text):
        return [Piece(LATIN, text)] if text else []
    return _visual(_segments(text))


def _tag(face: Face, text: str, bold: bool) -> str:
    if face is LATIN:
        return escape(text)
    fonts.ensure(face)
    return f'<font name="{face.name(bold)}">{escape(text)}</font>'


def markup(value: Any, bold: bool = False) -> str:
    """A value for a Paragraph: escaped (markup in it prints as written), each run in its face.

    `bold` when the value prints in bold (a <b> around it, a bold style): a <font> tag names
    its weight, it does not inherit it.

    A right-to-left run is given in visual order with no-break spaces: the line breaks around
    it, not inside it, so its words keep their order.
    """
    text = plain(value)
    if not fonts.OTHER_SCRIPTS.search(text):
        return escape(text)
    out: list[str] = []
    segments = _segments(text)
    index = 0
    while index < len(segments):
        face, level, part = segments[index]
        if not level:
            out.append(_tag(face, part, bold))
            index += 1
            continue
        end = index
        while end < len(segments) and segments[end][1]:
            end += 1
        for piece in _visual(segments[index:end]):
            out.append(_tag(piece.face, piece.text.replace(" ", NBSP), bold))
        index = end
    return "".join(out)


# --- one line on a canvas ---------------------------------------------------------------------


def width(value: Any, size: float, bold: bool = False) -> float:
    if isinstance(value, str) and not fonts.OTHER_SCRIPTS.search(value) and not rtl.CONTROLS.search(value):
        fonts.register()
        return stringWidth(value, LATIN.name(bold), size)
    return sum(stringWidth(piece.text, piece.face.name(bold), size) for piece in pieces(value))


def draw(canvas: Canvas, x: float, y: float, value: Any, size: float, bold: bool = False, align: str = "left") -> float:
    """Draw one line at x (its left, right or centre); returns its width. Sets the font as it goes."""
    line = pieces(value)
    widths = [stringWidth(piece.text, piece.face.name(bold), size) for piece in line]
    total = sum(widths)
    x -= {"left": 0, "right": total, "centre": total / 2}[align]
    for piece, piece_width in zip(line, widths, strict=True):
        canvas.setFont(piece.face.name(bold), size)
        canvas.drawString(x, y, piece.text)
        x += piece_width
    if not line:
        canvas.setFont(LATIN.name(bold), size)
    return total


_BREAKS = re.compile(r"[^\s\-‐‑]*[\-‐‑]+|[^\s]+|\s+")


def _tokens(text: str) -> list[str]:
    """Words, spaces, and each part of a hyphenated word with its hyphen (« Saint- », « Exupéry »)."""
    return _BREAKS.findall(text)


def wrap(value: Any, size: float, available: float, bold: bool = False) -> list[str]:
    """The lines of a value in this width: broken at spaces and after hyphens, never inside a word.

    Only a single word wider than the whole width is cut, where it must.
    """
    text = " ".join(plain(value).split())
    if width(text, size, bold) <= available:
        return [text] if text else []
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        candidate = line + token
        if not line or width(candidate.rstrip(), size, bold) <= available:
            line = candidate if line or not token.isspace() else ""
            continue
        lines.append(line.rstrip())
        line = "" if token.isspace() else token
    if line.strip():
        lines.append(line.rstrip())
    return [part for line in lines for part in _cut(line, size, available, bold)]


def _cut(line: str, size: float, available: float, bold: bool) -> list[str]:
    """A line still too wide (one long word), cut at the last character that fits."""
    parts = []
    while width(line, size, bold) > available and len(line) > 1:
        end = len(line) - 1
        while end > 1 and width(line[:end], size, bold) > available:
            end -= 1
        parts.append(line[:end])
        line = line[end:]
    return [*parts, line]


def fit(value: Any, size: float, available: float, bold: bool = False, min_size: float = 6.5) -> float:
    """The largest size, from `size` down to `min_size` by half points, at which the value holds on one line."""
    while size > min_size and width(value, size, bold) > available:
        size -= 0.5
    return size
