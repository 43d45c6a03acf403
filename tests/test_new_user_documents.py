"""Documents with the office's less usual values: nothing breaks a code or a name across lines."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pdf_reading import reader

from cnam_desk.documents import (
    ArrangementLine,
    DecisionLetter,
    ExamLine,
    Letterhead,
    render_letters,
)


@pytest.mark.parametrize("code", ["NFA031-P", "US331HX", "UTC501-FOD"])
def test_an_ue_code_is_never_cut_in_a_letter(code):
    exams = (ExamLine(code, "Programmation Java", dt.date(2024, 1, 22), dt.time(18, 30), dt.time(21, 30), "Amphi A"),)
    letter = DecisionLetter(
        reference="SE-2024-000050", decision="accepted", student_name="Łukasz Żółć", student_number="100200302",
        address_lines=("3 allée des Tilleuls", "03100 Montluçon"), session_title="semestre 1, session 1 de l'année 2023-2024",
        exams=exams, letter_date=dt.date(2024, 2, 4),
        arrangements=(ArrangementLine(code, dt.date(2024, 1, 29), dt.time(18, 30), dt.time(21, 30), "Salle 7"),),
    )  # fmt: skip
    buffer = io.BytesIO()
    render_letters([letter], Letterhead(), buffer)
    lines = reader(buffer.getvalue()).pages[0].extract_text().splitlines()
    assert sum(code in line for line in lines) == 2, lines
