"""Looking at printed names as pixels: a PDF page rendered by poppler (pdftoppm), next to the same
text drawn by Qt (QPainter on a QImage, offscreen) with the same font files.

The comparison is tolerant on purpose (two rasterisers never agree to the pixel): there must be
ink where the name is, the ink must be about as wide and as tall, and its spread from left to
right must follow the same curve (the share of the ink left of each point, from the left edge to
the right edge of the ink, at BINS points). Text drawn in the wrong
order, unjoined Arabic letters or empty boxes change the shape and the width.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

FONTS = Path(__file__).resolve().parent.parent / "resources" / "fonts"
DPI = 150
MM = 72 / 25.4  # points in a millimetre
BINS = 40


def mm_to_px(value: float) -> int:
    return round(value / 25.4 * DPI)


def render(pdf: bytes, page: int = 1) -> Image.Image:
    """One page of a PDF as a grey image at DPI, through poppler."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) n'est pas installé")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "page.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(DPI), "-f", str(page), "-l", str(page), "-gray", "-png", "-singlefile",
             str(source), str(Path(folder) / "page")],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        with Image.open(Path(folder) / "page.png") as image:
            return image.convert("L")


def crop_mm(image: Image.Image, left: float, top: float, width: float, height: float) -> Image.Image:
    return image.crop((mm_to_px(left), mm_to_px(top), mm_to_px(left + width), mm_to_px(top + height)))


@dataclass(frozen=True)
class Ink:
    box: tuple[int, int, int, int] | None  # left, top, right, bottom of the dark pixels
    profile: tuple[float, ...]  # share of the ink left of each of BINS points across the box

    @property
    def width(self) -> int:
        return 0 if self.box is None else self.box[2] - self.box[0]

    @property
    def height(self) -> int:
        return 0 if self.box is None else self.box[3] - self.box[1]


def ink(image: Image.Image, threshold: int = 140) -> Ink:
    grey = image.convert("L")
    mask = grey.point(lambda value: 255 if value < threshold else 0)
    box = mask.getbbox()
    if box is None:
        return Ink(None, ())
    left, top, right, bottom = box
    columns = [0] * (right - left)
    pixels = mask.load()
    for x in range(left, right):
        columns[x - left] = sum(1 for y in range(top, bottom) if pixels[x, y])
    total = sum(columns) or 1
    running, cumulative = 0, []
    for value in columns:
        running += value
        cumulative.append(running / total)
    # Sampled between columns, linearly: a box one pixel wider does not shift the curve.
    samples = []
    for point in range(1, BINS + 1):
        position = point / (BINS + 1) * len(columns) - 0.5
        low = max(0, min(len(columns) - 1, int(position)))
        high = min(len(columns) - 1, low + 1)
        weight = min(max(position - low, 0.0), 1.0)
        samples.append(cumulative[low] * (1 - weight) + cumulative[high] * weight)
    return Ink(box, tuple(samples))


def distance(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """The largest gap between two ink curves (0: the same spread; a name backwards: 0.2 and more)."""
    return max(abs(x - y) for x, y in zip(a, b, strict=True))


_families: dict[str, list[str]] = {}


def qt_text(text: str, font_files: list[str], size: float, bold: bool = False, reverse: bool = False) -> Image.Image:
    """The text as Qt draws it (its own shaping and bidirectional order) with these font files.

    `reverse` draws the characters one by one from left to right in the order typed: what a PDF
    without right-to-left support shows (the control case a comparison must refuse).
    """
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QFont, QFontDatabase, QImage, QPainter

    families: list[str] = []
    for file_name in font_files:
        if file_name not in _families:
            font_id = QFontDatabase.addApplicationFont(str(FONTS / file_name))
            assert font_id >= 0, file_name
            _families[file_name] = QFontDatabase.applicationFontFamilies(font_id)[:1]
        families += _families[file_name]
    width, height = mm_to_px(200), mm_to_px(size / 72 * 25.4 * 2.2)
    image = QImage(width, height, QImage.Format.Format_Grayscale8)
    image.setDotsPerMeterX(round(DPI / 0.0254))
    image.setDotsPerMeterY(round(DPI / 0.0254))
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    font = QFont()
    font.setFamilies(families)
    font.setPointSizeF(size)
    font.setBold(bold)
    font.setKerning(True)
    painter.setFont(font)
    painter.setPen(Qt.GlobalColor.black)
    baseline = height * 0.65
    if reverse:
        x = 10.0
        for char in text:
            painter.drawText(QPointF(x, baseline), char)
            x += painter.fontMetrics().horizontalAdvance(char)
    else:
        painter.drawText(QPointF(10, baseline), text)
    painter.end()
    data = bytes(image.constBits())
    return Image.frombytes("L", (width, height), data, "raw", "L", image.bytesPerLine())


def similar(printed: Ink, reference: Ink, *, width_tolerance: float = 0.12, max_distance: float = 0.06) -> list[str]:
    """What differs between the printed name and Qt's (empty when they look alike)."""
    problems = []
    if printed.box is None:
        return ["pas d'encre à l'endroit du nom"]
    if reference.box is None:
        return ["pas d'encre dans la référence"]
    if abs(printed.width - reference.width) > width_tolerance * reference.width:
        problems.append(f"largeur {printed.width} px au lieu de {reference.width} px")
    if abs(printed.height - reference.height) > max(4, 0.25 * reference.height):
        problems.append(f"hauteur {printed.height} px au lieu de {reference.height} px")
    gap = distance(printed.profile, reference.profile)
    if gap > max_distance:
        problems.append(f"encre répartie autrement (écart {gap:.2f})")
    return problems
