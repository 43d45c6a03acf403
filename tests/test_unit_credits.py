"""Attestations with UEs whose credits are unknown: said as such, never printed or counted as 0."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from pdf_reading import page_texts
from sqlalchemy import update

from cnam_desk.db.models import CourseUnit
from cnam_desk.documents import PassedUnit, SuccessAttestation, render_attestations
from cnam_desk.documents.attestations import total_label
from cnam_desk.grading import attestations, entry, paper
from tests.results_data import grade, seed

S1 = "2023-2024/S1/1"
JAVA = PassedUnit("NFA031", "Programmation avec Java", Decimal("14.5"), "semestre 1, session 1", Decimal(6))
STATS = PassedUnit("STA001", "Statistique", Decimal(12), "semestre 1, session 1", None)
ENGLISH = PassedUnit("ANG320", "Anglais", Decimal(11), "semestre 1, session 2", None)


def text_of(*units: PassedUnit) -> str:
    item = SuccessAttestation("AR-1", "Léa MARTIN", "100", "2023-2024", units, dt.date(2024, 7, 1))
    buffer = io.BytesIO()
    render_attestations([item], None, buffer)
    return page_texts(buffer.getvalue())[0]


def test_known_credits_are_totalled_as_before() -> None:
    text = text_of(JAVA)
    assert "Total des crédits ECTS 6" in text and "NR" not in text


def test_an_ue_of_unknown_credits_is_said_and_left_out_of_the_total_in_words() -> None:
    text = text_of(JAVA, STATS, ENGLISH)
    assert "STA001 Statistique semestre 1, session 1 12,00 NR" in text
    assert "Total des crédits ECTS, hors 2 UE aux crédits non renseignés (NR) 6" in text
    assert total_label(SuccessAttestation("r", "n", "1", "2023-2024", (JAVA, STATS), dt.date(2024, 7, 1))) == (
        "Total des crédits ECTS, hors 1 UE aux crédits non renseignés (NR)", "6"
    )


def test_no_credit_known_prints_no_zero() -> None:
    text = text_of(STATS)
    assert "Total des crédits ECTS (crédits des UE non renseignés : NR) NR" in text
    assert "ECTS 0" not in text and "NR) 0" not in text


def test_attestations_of_a_year_whose_ues_came_without_credits(db, tmp_path) -> None:
    seed(db, enrol={"NFA031": ["100"], "STA001": ["100"]})
    with db.transaction() as s:
        s.execute(update(CourseUnit).where(CourseUnit.code == "STA001").values(ects=None))
    grade(db, S1, "NFA031", "100", "12")
    grade(db, S1, "STA001", "100", "15")
    entry.publish_by_keys(db, S1, "NFA031")
    entry.publish_by_keys(db, S1, "STA001")
    [data] = attestations.success_data(db, "2023-2024", "100")
    assert data.total_ects == Decimal(6) and attestations.unknown_ects(data.units) == ["STA001"]
    out = tmp_path / "a.pdf"
    paper.write_success(db, "2023-2024", out, "100")
    text = page_texts(out)[0]
    assert "Total des crédits ECTS, hors 1 UE aux crédits non renseignés (NR) 6" in text
    attestations.save_programme(db, "Master", [], Decimal(30))
    [check] = [c for c in attestations.m1_checks(db, "100", "2023-2024") if c.programme.name == "Master"]
    assert "sans compter STA001 dont les crédits ne sont pas renseignés" in check.summary
