"""Arabic and Hebrew names in the window: the text is the name as stored, and what is drawn is Qt's shaping of it.

The request pane and the grade grid are grabbed offscreen; the name's area is compared with the
same name laid out by QTextLayout in the widget's own font (Qt shapes and orders it), and with
the name drawn in the wrong order (left to right as stored, what a mangled pane would show).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, QRect, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QImage,
    QPainter,
    QTextCursor,
    QTextLayout,
    QTextOption,
)
from sqlalchemy import select

from cnam_desk.db.models import CourseUnit, Enrolment, Student
from cnam_desk.requests import intake
from cnam_desk.schedule import exam_calendar
from cnam_desk.ui.main_window import MainWindow
from cnam_desk.ui.request_detail import isolated
from cnam_desk.ui.results_models import GradeTableModel
from tests.requests_support import answer, seed_office, write_export
from tests.results_data import seed
from tests.ui_support import results_tab_on

FONTS = Path(__file__).resolve().parent.parent / "resources" / "fonts"
NAMES = {"arabic": ("العلي", "محمد"), "hebrew": ("כהן", "דוד")}  # (last name, first name) as typed
LTR_OVERRIDE, POP = "\u202d", "\u202c"


@pytest.fixture(autouse=True)
def fonts_with_both_scripts(qapp) -> None:
    """The program's DejaVu Sans (Arabic and Hebrew glyphs) among the fonts Qt falls back on, on any machine."""
    for path in sorted(FONTS.glob("DejaVuSans*.ttf")):
        QFontDatabase.addApplicationFont(str(path))


# --- drawing and comparing ------------------------------------------------------------------


def _ink(image: QImage, background: QColor, area: QRect | None = None) -> QRect:
    """The bounding box of the pixels that differ from the background."""
    area = area or image.rect()
    left, top, right, bottom = area.right() + 1, area.bottom() + 1, area.left() - 1, area.top() - 1
    base = (background.red(), background.green(), background.blue())
    for y in range(area.top(), area.bottom() + 1):
        for x in range(area.left(), area.right() + 1):
            pixel = image.pixelColor(x, y)
            if abs(pixel.red() - base[0]) + abs(pixel.green() - base[1]) + abs(pixel.blue() - base[2]) > 60:
                left, top, right, bottom = min(left, x), min(top, y), max(right, x), max(bottom, y)
    return QRect(left, top, right - left + 1, bottom - top + 1) if right >= left else QRect()


def _drawn(text: str, font: QFont, colour: QColor, background: QColor) -> QImage:
    """The text as Qt lays it out and shapes it, alone on an image."""
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setTextDirection(Qt.LayoutDirection.LeftToRight)
    layout.setTextOption(option)
    layout.beginLayout()
    line = layout.createLine()
    line.setLineWidth(2000)
    layout.endLayout()
    image = QImage(int(line.naturalTextWidth()) + 20, int(line.height()) + 10, QImage.Format.Format_ARGB32)
    image.fill(background)
    painter = QPainter(image)
    painter.setPen(colour)
    layout.draw(painter, QPointF(10, 5))
    painter.end()
    return image


def _grey(image: QImage) -> tuple[bytes, int, int, int]:
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    return bytes(grey.constBits()), grey.bytesPerLine(), grey.width(), grey.height()


def _best_match(grab: QImage, area: QRect, template: QImage, box: QRect, slack: int = 4) -> float:
    """The smallest mean difference (0 to 1) of the template's inked box laid anywhere near the area."""
    data, stride, width, height = _grey(grab)
    tdata, tstride, _tw, _th = _grey(template)
    best = 1.0
    for top in range(area.top() - slack, area.bottom() + slack - box.height() + 2):
        for left in range(area.left() - slack, area.right() + slack - box.width() + 2):
            if left < 0 or top < 0 or left + box.width() > width or top + box.height() > height:
                continue
            total = 0
            for y in range(box.height()):
                row = data[(top + y) * stride + left : (top + y) * stride + left + box.width()]
                trow = tdata[(box.top() + y) * tstride + box.left() : (box.top() + y) * tstride + box.right() + 1]
                total += sum(abs(a - b) for a, b in zip(row, trow, strict=True))
            best = min(best, total / (255 * box.width() * box.height()))
    return best


def assert_drawn_as_qt_shapes_it(grab: QImage, area: QRect, name: str, font: QFont, colour: QColor) -> None:
    """The name's area of the grab is the name shaped by Qt, not empty, not in the stored order."""
    background = grab.pixelColor(area.right(), area.bottom())
    shown = _ink(grab, background, area)
    assert shown.isValid() and shown.width() > 10, "nothing drawn where the name is"
    reference = _drawn(name, font, colour, background)
    reference_box = _ink(reference, background)
    mangled = _drawn(LTR_OVERRIDE + name + POP, font, colour, background)
    mangled_box = _ink(mangled, background)
    assert shown.width() >= reference_box.width() - 2 and shown.height() >= reference_box.height() - 2
    right = _best_match(grab, area, reference, reference_box)
    wrong = _best_match(grab, area, mangled, mangled_box)
    assert right < 0.03, right
    if name != name[::-1]:  # « דוד » reads the same both ways: only its shape can be wrong
        assert right * 3 < wrong, (right, wrong)


# --- the request pane -----------------------------------------------------------------------


@pytest.fixture
def requests_window(qtbot, db, tmp_path):
    seed_office(db)
    answers = [
        answer("100001", last_name=NAMES["arabic"][0], first_name=NAMES["arabic"][1]),
        answer("100002", response_id=2, last_name=NAMES["hebrew"][0], first_name=NAMES["hebrew"][1]),
    ]
    intake.import_requests(db, write_export(tmp_path / "f.xlsx", answers))
    main = MainWindow(db)
    qtbot.addWidget(main)
    main.resize(1280, 800)
    main.show_tab("demandes")
    main.show()
    qtbot.waitExposed(main)
    return main


def _name_area(pane, name: str) -> tuple[QRect, QFont]:
    """Where the name sits in the pane's viewport (every cursor position of it), and its font."""
    document = pane.document()
    found = document.find(name)
    assert not found.isNull(), "the name is not in the pane"
    cursor = QTextCursor(document)
    rects = []
    for position in range(found.selectionStart(), found.selectionEnd() + 1):
        cursor.setPosition(position)
        rects.append(pane.cursorRect(cursor))
    area = rects[0]
    for rect in rects[1:]:
        area = area.united(rect)
    cursor.setPosition(found.selectionStart() + 1)
    font = cursor.charFormat().font()
    return area.adjusted(-1, 0, 1, 0), font


@pytest.mark.parametrize("script", sorted(NAMES))
def test_the_request_pane_shows_a_right_to_left_name_as_typed(requests_window, qtbot, script) -> None:
    last, first = NAMES[script]
    tab = requests_window.requests_tab
    tab.select_request(1 if script == "arabic" else 2)
    qtbot.waitUntil(lambda: last in tab.pane.toPlainText())
    name = f"{last} {first}"
    text = tab.pane.toPlainText()
    assert name in text
    pane_line = next(line for line in text.splitlines() if name in line)
    # The line stays French, left to right: the name, then the number after it.
    area, font = _name_area(tab.pane, name)
    block = tab.pane.document().find(name).block()
    assert block.textDirection() == Qt.LayoutDirection.LeftToRight, pane_line
    number = tab.pane.document().find("n° 10000")
    cursor = QTextCursor(tab.pane.document())
    cursor.setPosition(number.selectionStart())
    assert tab.pane.cursorRect(cursor).left() >= area.right() - 2
    assert font.bold()
    grab = tab.pane.viewport().grab().toImage()
    colour = tab.pane.palette().text().color()
    assert_drawn_as_qt_shapes_it(grab, area, name, font, colour)


def test_names_are_set_apart_from_the_french_around_them() -> None:
    assert isolated("<דוד>") == "\u2068&lt;דוד&gt;\u2069"  # escaped, between FSI and PDI


# --- the grade grid -------------------------------------------------------------------------


@pytest.fixture
def results_tab(qtbot, db):
    seed(db)
    with db.transaction() as s:
        year = exam_calendar.find_year(s, "2023-2024")
        unit = s.scalar(select(CourseUnit).where(CourseUnit.code == "NFA031"))
        for number, (last, first) in (("200", NAMES["arabic"]), ("201", NAMES["hebrew"])):
            student = Student(number=number, last_name=last, first_name=first)
            s.add(student)
            s.add(Enrolment(student=student, course_unit=unit, year=year))
    return results_tab_on(qtbot, db, "2023-2024/S1/1", "NFA031")


@pytest.mark.parametrize("script", sorted(NAMES))
@pytest.mark.parametrize("column", [GradeTableModel.LAST_NAME, GradeTableModel.FIRST_NAME])
def test_the_grade_grid_shows_a_right_to_left_name_as_typed(results_tab, script, column) -> None:
    tab = results_tab
    number = "200" if script == "arabic" else "201"
    rows = [r for r in range(tab.proxy.rowCount()) if tab.proxy.index(r, GradeTableModel.NUMBER).data() == number]
    assert len(rows) == 1
    index = tab.proxy.index(rows[0], column)
    name = NAMES[script][0 if column == GradeTableModel.LAST_NAME else 1]
    assert index.data() == name
    tab.grid.setCurrentIndex(tab.proxy.index(0 if rows[0] else 1, GradeTableModel.GRADE))  # not this row
    tab.grid.scrollTo(index)
    area = tab.grid.visualRect(index).adjusted(1, 1, -1, -1)
    grab = tab.grid.viewport().grab().toImage()
    colour = tab.grid.palette().text().color()
    assert_drawn_as_qt_shapes_it(grab, area, name, tab.grid.font(), colour)
