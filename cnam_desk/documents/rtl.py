"""Right-to-left text for the PDFs: the bidirectional order of a line, and Arabic letters joined.

The order is the Unicode bidirectional algorithm (python-bidi's), on a left-to-right French
paragraph: « Madame محمد العلي, » keeps « Madame » on the left and the Arabic name reads from
the right. The shaping is HarfBuzz's (uharfbuzz, the shaper reportlab itself uses): each
Arabic letter takes its joining form. A form that no character maps to is drawn through a
private-use code of the face (see fonts.GlyphFont), whose text layer gives back the letters as
typed, so a PDF reader copies and searches the name as written.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import uharfbuzz
from bidi import algorithm as uba

from cnam_desk.documents import fonts

# Explicit direction marks and embeddings: a name never needs them, and they would only move text.
CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
STRONG_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
PRIVATE_FIRST, PRIVATE_LAST = 0xE000, 0xF8FF

_lock = threading.Lock()
_codes: dict[tuple, int] = {}


def has_rtl(text: str) -> bool:
    return STRONG_RTL.search(text) is not None


def levels(text: str) -> list[int]:
    """The embedding level of each character of a left-to-right paragraph (odd: right to left)."""
    if not has_rtl(text):
        return [0] * len(text)
    storage = uba.get_empty_storage()
    storage["base_level"] = 0
    storage["base_dir"] = "L"
    uba.get_embedding_levels(text, storage)
    uba.explicit_embed_and_overrides(storage)
    uba.resolve_weak_types(storage)
    uba.resolve_neutral_types(storage, False)
    uba.resolve_implicit_levels(storage, False)
    found = [char["level"] for char in storage["chars"]]
    return found if len(found) == len(text) else [0] * len(text)


def reorder(items: list, item_levels: list[int]) -> list:
    """Rule L2 of the algorithm: from the highest level down, reverse every run at that level or above."""
    order = list(range(len(items)))
    if not item_levels:
        return []
    highest = max(item_levels)
    lowest_odd = min((level for level in item_levels if level % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):
        index = 0
        while index < len(order):
            if item_levels[order[index]] >= level:
                end = index
                while end < len(order) and item_levels[order[end]] >= level:
                    end += 1
                order[index:end] = reversed(order[index:end])
                index = end
            else:
                index += 1
    return [items[i] for i in order]


@lru_cache(maxsize=16)
def _hb_font(font_name: str) -> uharfbuzz.Font:
    # The right-to-left faces are single TrueType files: face 0 of their data.
    return uharfbuzz.Font(uharfbuzz.Face(uharfbuzz.Blob(fonts.font(font_name).face._ttf_data)))


def _glyphs(text: str, font_name: str, rtl: bool) -> list[tuple[int, float, str]]:
    """HarfBuzz's glyphs for a run, in visual order: (glyph id, advance per 1000 em, characters drawn)."""
    ttf = fonts.font(font_name)
    buffer = uharfbuzz.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    buffer.direction = "rtl" if rtl else "ltr"
    buffer.cluster_level = uharfbuzz.BufferClusterLevel.MONOTONE_CHARACTERS
    uharfbuzz.shape(_hb_font(font_name), buffer, {"kern": True, "liga": True})
    starts = sorted({info.cluster for info in buffer.glyph_infos})
    ends = dict(zip(starts, [*starts[1:], len(text)], strict=True))
    seen: set[int] = set()
    glyphs = []
    for info, position in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True):
        cluster = info.cluster
        drawn = "" if cluster in seen else text[cluster : ends[cluster]]
        seen.add(cluster)
        glyphs.append((info.codepoint, ttf.pdfScale(position.x_advance), drawn))
    return glyphs


def _nominal(font_name: str, gid: int, advance: float, drawn: str) -> bool:
    face = fonts.font(font_name).face
    if len(drawn) != 1:
        return False
    code = ord(drawn)
    return face.charToGlyph.get(code) == gid and abs(face.charWidths.get(code, -1) - advance) < 0.5


def _private(key: tuple, mappings: list[tuple[str, int, float]], drawn: str) -> int:
    """A private-use code drawing the given glyph in each font of the family."""
    with _lock:
        code = _codes.get(key)
        if code is not None:
            return code
        faces = [fonts.font(name) for name, _gid, _advance in mappings]
        code = PRIVATE_FIRST + len(_codes)
        while any(code in ttf.face.charToGlyph for ttf in faces):
            code += 1
        if code > PRIVATE_LAST:
            raise RuntimeError("too many shaped glyphs for one process")
        for ttf, (_name, gid, advance) in zip(faces, mappings, strict=True):
            ttf.face.charToGlyph[code] = gid
            ttf.face.charWidths[code] = advance
            ttf.actual_text[code] = drawn
        _codes[key] = code
        return code


def shape(text: str, face: fonts.Face, rtl: bool = True) -> str:
    """A run of one face and one direction as codes to draw from left to right, regular and bold alike.

    Characters whose glyph is their own stay as they are (Hebrew, an unjoined letter); joined
    forms and ligatures become private-use codes registered in both weights of the face.
    """
    fonts.ensure(face)
    regular = _glyphs(text, face.regular, rtl)
    bold = _glyphs(text, face.bold, rtl) if face.bold != face.regular else regular
    paired = len(bold) == len(regular) and all(b[2] == r[2] for b, r in zip(bold, regular, strict=True))
    codes = []
    for index, (gid, advance, drawn) in enumerate(regular):
        if paired:
            bold_gid, bold_advance, _ = bold[index]
        else:  # the weights shaped differently (never seen): the bold weight draws the plain letter
            first = ord(drawn[0]) if drawn else 0x20
            bold_face = fonts.font(face.bold).face
            bold_gid = bold_face.charToGlyph.get(first, 0)
            bold_advance = bold_face.charWidths.get(first, bold_face.defaultWidth)
        if _nominal(face.regular, gid, advance, drawn) and _nominal(face.bold, bold_gid, bold_advance, drawn):
            codes.append(drawn)
            continue
        key = (face.key, gid, round(advance, 2), bold_gid, round(bold_advance, 2), drawn)
        mappings = [(face.regular, gid, advance)]
        if face.bold != face.regular:
            mappings.append((face.bold, bold_gid, bold_advance))
        codes.append(chr(_private(key, mappings, drawn)))
    return "".join(codes)
