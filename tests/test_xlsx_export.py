"""The shared .xlsx writer: formula-like texts stay text, read back unchanged."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
import pytest

from cnam_desk.errors import RefusedInput
from cnam_desk.xlsx_export import XlsxWriter, is_formula_like, safe_cell, sheet_title, write_xlsx

DANGEROUS = ["=1+1", "=HYPERLINK(\"http://x\")", "+33 1 40 27 20 00", "-2+3", "@SUM(A1:A2)", "\tcalc", "\ny", "=a\nb"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_like_text_is_written_as_text(tmp_path, text) -> None:
    path = write_xlsx(tmp_path / "x.xlsx", "Export", ["valeur"], [[text]])
    cell = openpyxl.load_workbook(path)["Export"]["A2"]
    assert cell.data_type == "s"
    assert cell.value == text
    assert cell.quotePrefix


def test_carriage_return_is_text_and_a_line_break(tmp_path) -> None:
    # XML turns every CR into LF when read; the writer says so itself.
    path = write_xlsx(tmp_path / "x.xlsx", "Export", ["valeur"], [["\rx"], ["\r\n=y"], ["\x01=z"]])
    sheet = openpyxl.load_workbook(path)["Export"]
    assert [(c.value, c.data_type) for c in sheet["A"][1:]] == [("\nx", "s"), ("\n=y", "s"), ("=z", "s")]


def test_ordinary_values_keep_their_types(tmp_path) -> None:
    when = dt.datetime(2024, 1, 22, 8, 0, tzinfo=dt.UTC)
    rows = [["Dupont", 12, Decimal("12.5"), 9.99, dt.date(2024, 1, 22), when, None, "ok\x01"]]
    path = write_xlsx(tmp_path / "x.xlsx", "Export", list("ABCDEFGH"), rows, title_lines=["Titre"])
    sheet = openpyxl.load_workbook(path)["Export"]
    values = [c.value for c in sheet[3]]
    assert values[:5] == ["Dupont", 12, 12.5, 9.99, dt.datetime(2024, 1, 22)]
    assert values[5] == dt.datetime(2024, 1, 22, 9, 0)  # Paris time
    assert values[6] is None
    assert values[7] == "ok"  # a control character an xlsx cannot hold
    assert sheet["A1"].value == "Titre"
    assert [c.data_type for c in sheet[3]][:3] == ["s", "n", "n"]


def test_predicate() -> None:
    assert all(is_formula_like(t) for t in DANGEROUS)
    assert is_formula_like("\rx")
    assert not any(is_formula_like(t) for t in ["Dupont", "12,5", " =x", ""])


def test_sheet_titles_are_valid_and_unique() -> None:
    assert sheet_title("a/b:c*d?[e]") == "a-b-c-d--e-"
    assert len(sheet_title("x" * 50)) == 31
    assert sheet_title("Notes", ["notes"]) == "Notes (2)"


def test_safe_cell_alone() -> None:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("x")
    cell = safe_cell(sheet, "=A1")
    assert cell.data_type == "s" and cell.value == "=A1"


def test_a_missing_folder_is_created_and_a_folder_is_no_file(tmp_path) -> None:
    assert write_xlsx(tmp_path / "nouveau" / "x.xlsx", "x", ["a"], []).is_file()
    (tmp_path / "dossier.xlsx").mkdir()
    with pytest.raises(RefusedInput, match="est un dossier"):
        write_xlsx(tmp_path / "dossier.xlsx", "x", ["a"], [])


def test_several_sheets_and_atomic_save(tmp_path) -> None:
    target = tmp_path / "x.xlsx"
    with XlsxWriter(target) as book:
        book.add_sheet("Un", ["a"], [[1]])
        book.add_sheet("Un", ["a"], [[2]])
    assert openpyxl.load_workbook(target).sheetnames == ["Un", "Un (2)"]
    assert [p.name for p in tmp_path.iterdir()] == ["x.xlsx"]
