"""The TrueType fonts every document prints with, registered with reportlab, and which one draws what.

reportlab's 14 standard fonts cover Latin-1 only. DejaVu Sans prints Latin, Greek and Cyrillic
(Łukasz Żółć, Nguyễn Thị Minh Khai, Ağaoğlu); the other scripts of the office's students go to
a face of their own, chosen character by character: Noto Sans Arabic (محمد العلي), Noto Sans
Hebrew (דוד כהן) and WenQuanYi Micro Hei for Chinese, Japanese and Korean (王小明, 佐藤花子,
김민준). All are in resources/fonts with their licences, TrueType outlines (what reportlab
embeds), subset at embedding: a letter carries only the glyphs it draws. The fallback faces are
loaded the first time a text needs them.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont

from cnam_desk import paths

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}


@dataclass(frozen=True)
class Face:
    """A family of the documents: its regular and bold font names, files, and the script it is for."""

    key: str
    regular: str
    bold: str
    files: tuple[str, str]
    rtl: bool = False
    subfont: int = 0

    def name(self, bold: bool) -> str:
        return self.bold if bold else self.regular


LATIN = Face("latin", REGULAR, BOLD, ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"))
ARABIC = Face(
    "arabic", "NotoSansArabic", "NotoSansArabic-Bold", ("NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
    rtl=True,
)
HEBREW = Face(
    "hebrew", "NotoSansHebrew", "NotoSansHebrew-Bold", ("NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf"),
    rtl=True,
)
# No bold face: a bold CJK name prints in the regular weight.
CJK = Face("cjk", "WenQuanYiMicroHei", "WenQuanYiMicroHei", ("WenQuanYiMicroHei.ttc", "WenQuanYiMicroHei.ttc"))
FACES = (LATIN, ARABIC, HEBREW, CJK)
BY_NAME = {name: face for face in FACES for name in (face.regular, face.bold)}

# The scripts DejaVu Sans does not draw (or draws without joining): where a fallback is looked for.
OTHER_SCRIPTS = re.compile(
    "[\u0590-\u08ff\u1100-\u11ff\u2e80-\u2fdf\u3000-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff"
    "\ufb1d-\ufdff\ufe30-\ufe4f\ufe70-\ufeff\uff00-\uffef\U00020000-\U0003ffff]"
)
_RANGES = (
    (HEBREW, ((0x0590, 0x05FF), (0xFB1D, 0xFB4F))),
    (ARABIC, ((0x0600, 0x06FF), (0x0750, 0x077F), (0x0870, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))),
    (CJK, ((0x1100, 0x11FF), (0x2E80, 0x2FDF), (0x3000, 0x9FFF), (0xA960, 0xA97F), (0xAC00, 0xD7FF),
           (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF))),
)

_lock = threading.RLock()
_registered = False
_loaded: set[str] = set()


class GlyphFont(TTFont):
    """A TrueType font whose text layer also names glyphs that no character maps to.

    A shaped Arabic word draws joining forms (initial, medial, final) and ligatures that have no
    code point of their own: each gets a private-use code (see documents.rtl) and `actual_text`
    says which characters it stands for, so that a PDF reader copies the name as it was typed.
    """

    def __init__(self, name: str, filename: str, subfontIndex: int = 0):
        # asciiReadable off: a subset holds the glyphs drawn, not the 128 ASCII ones besides.
        super().__init__(name, filename, subfontIndex=subfontIndex, asciiReadable=False)
        self.actual_text: dict[int, str] = {}

    def addObjects(self, doc):  # type: ignore[no-untyped-def]
        state = self.state.get(doc)
        subsets = [list(subset) for subset in state.subsets] if state is not None else []
        super().addObjects(doc)
        for number, subset in enumerate(subsets):
            if not any(code in self.actual_text or 0xFB50 <= code <= 0xFEFF for code in subset):
                continue
            base = b"".join((SUBSETN(number), b"+", self.face.name, self.face.subfontNameX)).decode("pdfdoc")
            stream = doc.idToObject.get("toUnicodeCMap:" + base)
            if stream is not None:
                stream.content = _to_unicode(base, subset, self.actual_text)


def _to_unicode(name: str, subset: list[int], actual: dict[int, str]) -> str:
    """reportlab's ToUnicode CMap, with each glyph code mapped to the characters it draws."""
    entries = []
    for index, code in enumerate(subset):
        text = actual.get(code)
        if text is None:
            text = chr(code)
            if 0xFB50 <= code <= 0xFEFF:  # a presentation form: the letter as typed
                text = unicodedata.normalize("NFKC", text)
        if text:
            entries.append(f"<{index:02X}> <{text.encode('utf-16-be').hex().upper()}>")
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap", "/CIDSystemInfo",
            f"<< /Registry ({name})", f"/Ordering ({name})", "/Supplement 0", ">> def", f"/CMapName /{name} def",
            "/CMapType 2 def", "1 begincodespacerange", f"<00> <{len(subset) - 1:02X}>", "endcodespacerange",
            f"{len(entries)} beginbfchar", *entries, "endbfchar", "endcmap",
            "CMapName currentdict /CMap defineresource pop", "end", "end",
        ]
    )  # fmt: skip


def _register_face(face: Face) -> None:
    for name, file_name in zip((face.regular, face.bold), face.files, strict=True):
        if name in _loaded:
            continue
        path = str(paths.resource("fonts", file_name))
        font = TTFont(name, path) if face is LATIN else GlyphFont(name, path, subfontIndex=face.subfont)
        pdfmetrics.registerFont(font)
        _loaded.add(name)
    # <b> and <i> in a Paragraph map to these faces (there is no italic: it prints upright).
    addMapping(face.regular, 0, 0, face.regular)
    addMapping(face.regular, 1, 0, face.bold)
    addMapping(face.regular, 0, 1, face.regular)
    addMapping(face.regular, 1, 1, face.bold)
    if face.bold != face.regular:
        addMapping(face.bold, 0, 0, face.regular)
        addMapping(face.bold, 1, 0, face.bold)
        addMapping(face.bold, 0, 1, face.regular)
        addMapping(face.bold, 1, 1, face.bold)


def register() -> None:
    """Load DejaVu Sans once per process; later calls cost nothing."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        _register_face(LATIN)
        _registered = True


def ensure(face: Face) -> Face:
    """The face, its files loaded (once per process)."""
    if face.regular not in _loaded or face.bold not in _loaded:
        with _lock:
            register()
            _register_face(face)
    return face


def font(name: str) -> TTFont:
    ensure(BY_NAME[name])
    return pdfmetrics.getFont(name)


def _covers(face: Face, char: str) -> bool:
    return ord(char) in font(face.regular).face.charToGlyph


def face_for(char: str) -> Face | None:
    """The face that draws a letter of another script than DejaVu's, None for DejaVu's own."""
    if not OTHER_SCRIPTS.match(char):
        return None
    code = ord(char)
    for face, ranges in _RANGES:
        if any(low <= code <= high for low, high in ranges):
            return face if _covers(face, char) or face.rtl else None
    return None


def is_neutral(char: str) -> bool:
    """Spaces, punctuation and digits: they print in the face of the text around them."""
    return not char.isalpha() and not (0x0300 <= ord(char) <= 0x036F)


def missing_glyphs(text: str, font_name: str = REGULAR) -> list[str]:
    """The characters of `text` that would print as empty boxes in this weight.

    Each character is looked up in the face the documents choose for it (DejaVu Sans, or the
    Arabic, Hebrew or CJK face), so `missing_glyphs("王小明")` is empty.
    """
    register()
    named = BY_NAME.get(font_name, LATIN)
    bold = font_name == named.bold != named.regular
    missing = set()
    for char in text:
        if char.isspace():
            continue
        face = face_for(char) or LATIN
        if ord(char) not in font(face.name(bold)).face.charToGlyph:
            missing.add(char)
    return sorted(missing)
