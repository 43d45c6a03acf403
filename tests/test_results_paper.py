"""Results on paper: attestations (réussite, M1) and session 2 attendance sheets, read back from the PDF."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from cnam_desk import office
from cnam_desk.documents import Letterhead
from cnam_desk.errors import RefusedInput
from cnam_desk.grading import attestations, entry, paper, session2
from tests.results_data import grade, seed

S1 = "2023-2024/S1/1"


def text_of(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.fixture
def published(db):
    seed(db)
    for number, value in zip(["100", "101", "102", "103", "104", "105"], ["12", "9", "abi", "abj", "10", "15"],
                             strict=True):
        grade(db, S1, "NFA031", number, value)
    for number, value in zip(["100", "101", "102"], ["18", "10", "3"], strict=True):
        grade(db, S1, "STA001", number, value)
    entry.publish_by_keys(db, S1, "NFA031")
    entry.publish_by_keys(db, S1, "STA001")
    return db


def test_success_attestation_for_one_student(published, tmp_path) -> None:
    office.set_letterhead(published, Letterhead(institution="Conservatoire de démonstration",
                                                signatory_name="Agnès Dupré"))
    out = tmp_path / "a.pdf"
    paths = paper.write_success(published, "2023-2024", out, "100")
    assert paths == [out]
    text = text_of(out)
    assert "Attestation de réussite" in text and "Léa MARTIN" in text and "100" in text
    assert "NFA031" in text and "STA001" in text and "12,00" in text and "18,00" in text
    assert "AR-2023-2024-100-1" in text
    assert "Conservatoire de démonstration" in text and "Agnès Dupré" in text  # the office's letterhead
    with pytest.raises(RefusedInput, match="aucune UE réussie"):
        paper.write_success(published, "2023-2024", tmp_path / "b.pdf", "103")
    with pytest.raises(RefusedInput, match=r"\.pdf"):
        paper.write_success(published, "2023-2024", tmp_path / "c.txt", "100")


def test_success_attestations_for_everyone(published, tmp_path) -> None:
    folder = tmp_path / "attestations"
    paths = paper.write_success(published, "2023-2024", folder)
    assert sorted(p.name for p in paths) == [f"attestation-reussite-2023-2024-{n}.pdf" for n in ("100", "101", "104", "105")]
    assert "Łukasz ŁUKASIEWICZ" in text_of(folder / "attestation-reussite-2023-2024-104.pdf")
    combined = paper.write_success(published, "2023-2024", tmp_path / "toutes.pdf")
    assert len(PdfReader(combined[0]).pages) == 4


def test_m1_attestation(published, tmp_path) -> None:
    attestations.save_programme(published, "Master informatique", ["NFA031", "STA001"], None)
    out = tmp_path / "m1.pdf"
    data = paper.write_m1(published, "100", "Master informatique", "2023-2024", out)
    assert data.reference == "M1-2023-2024-100-1"
    text = text_of(out)
    assert "Master informatique" in text and "NFA031" in text
    with pytest.raises(RefusedInput, match="STA001"):
        paper.write_m1(published, "104", "Master informatique", "2023-2024", tmp_path / "m1b.pdf")


def test_session2_attendance_sheets(published, tmp_path) -> None:
    roster = session2.session2_roster(published, "2023-2024/S1")
    out = tmp_path / "emargement.pdf"
    pages = paper.write_roster_attendance(published, roster, out)
    assert pages >= 2
    text = text_of(out)
    assert "Feuille d'émargement" in text and "session 2" in text
    assert "Nguyễn" in text and "convocation" not in text.lower()


def test_attestation_command(cli, published, tmp_path) -> None:
    out = tmp_path / "cli.pdf"
    result = cli("attestation", "--student", "100", "--year", "2023-2024", "--out", str(out))
    assert result.code == 0, result
    assert out.read_bytes()[:5] == b"%PDF-"
    folder = tmp_path / "toutes"
    result = cli("attestation", "--all", "--year", "2023-2024", "--out", str(folder))
    assert result.code == 0, result
    assert len(list(folder.glob("*.pdf"))) == 4
    refused = cli("attestation", "--student", "103", "--year", "2023-2024", "--out", str(out))
    assert refused.code == 1 and "aucune UE réussie" in refused.err


def test_attestation_previews_record_nothing(published, tmp_path) -> None:
    # The preview's bytes are the attestation as it will be written, with the reference it will get.
    one = paper.success_pdf(published, "2023-2024", "100")
    assert one[:5] == b"%PDF-" and "AR-2023-2024-100-1" in text_of(io.BytesIO(one))
    assert len(PdfReader(io.BytesIO(paper.success_pdf(published, "2023-2024"))).pages) == 4
    with pytest.raises(RefusedInput, match="aucune UE réussie"):
        paper.success_pdf(published, "2023-2024", "103")
    attestations.save_programme(published, "Master informatique", ["NFA031", "STA001"], None)
    assert "M1-2023-2024-100-1" in text_of(io.BytesIO(paper.m1_pdf(published, "100", "Master informatique", "2023-2024")))
    # Nothing was recorded: the first written ones still get number 1.
    paper.write_success(published, "2023-2024", tmp_path / "a.pdf", "100")
    assert "AR-2023-2024-100-1" in text_of(tmp_path / "a.pdf")
    assert paper.write_m1(published, "100", "Master informatique", "2023-2024", tmp_path / "m1.pdf").reference == "M1-2023-2024-100-1"
