"""The TrueType font every document prints with, registered once with reportlab.

reportlab's 14 standard fonts cover Latin-1 only; DejaVu Sans (shipped in
resources/fonts with its licence) prints Łukasz Żółć, Nguyễn Thị Minh Khai and Ağaoğlu.
"""

from __future__ import annotations

import threading

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from cnam_desk import paths

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}

_lock = threading.Lock()
_registered = False


def register() -> None:
    """Load the font files once per process; later calls cost nothing."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        for name, file_name in FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(paths.resource("fonts", file_name))))
        # <b> and <i> in a Paragraph map to these faces (there is no italic: it prints upright).
        addMapping(REGULAR, 0, 0, REGULAR)
        addMapping(REGULAR, 1, 0, BOLD)
        addMapping(REGULAR, 0, 1, REGULAR)
        addMapping(REGULAR, 1, 1, BOLD)
        _registered = True


def missing_glyphs(text: str, font: str = REGULAR) -> list[str]:
    """The characters of `text` the font cannot draw (they would print as empty boxes)."""
    register()
    face = pdfmetrics.getFont(font).face
    return sorted({c for c in text if not c.isspace() and ord(c) not in face.charToGlyph})
