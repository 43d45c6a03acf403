"""Reading the program's PDFs back in tests: page texts, flattened, and where a text was drawn."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf

MM = 72 / 25.4


def reader(source: str | Path | bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(source) if isinstance(source, bytes) else str(source))


def flat(text: str) -> str:
    """Whitespace and line breaks as single spaces, so wrapped sentences read whole."""
    return " ".join(text.split())


def page_texts(source: str | Path | bytes) -> list[str]:
    return [flat(page.extract_text()) for page in reader(source).pages]


def positions(source: str | Path | bytes, page: int = 0) -> list[tuple[str, float, float]]:
    """Each drawn text with its x and its distance from the top of the page, in millimetres."""
    pdf_page = reader(source).pages[page]
    height = float(pdf_page.mediabox.height)
    found: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, _font, _size):  # type: ignore[no-untyped-def]
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((text.strip(), x / MM, (height - y) / MM))

    pdf_page.extract_text(visitor_text=visit)
    return found


def font_names(source: str | Path | bytes) -> set[str]:
    names: set[str] = set()
    for page in reader(source).pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            names.add(str(font.get_object().get("/BaseFont")))
    return names
