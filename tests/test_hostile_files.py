"""The hostile-file factory makes what it says, and the spreadsheet reader (when present) survives every file."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests import hostile_files as hostile

FAST = [case for case in hostile.CASES if not case.slow]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostiles")


def test_files_are_what_they_claim(folder: Path) -> None:
    built = {case.name: case.build(folder, hostile.PLANNING) for case in FAST}
    assert not zipfile.is_zipfile(built["pas-un-zip"]) and built["vide"].stat().st_size == 0
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(built["tronque"]).testzip()
    assert built["xls-renomme"].read_bytes()[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    assert built["ole"].read_bytes()[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    assert built["pdf-renomme"].read_bytes()[:5] == b"%PDF-" and built["pdf-renomme"].suffix == ".xlsx"
    assert built["html-renomme"].read_text(encoding="utf-8").startswith("<html>")
    with zipfile.ZipFile(built["billion-laughs"]) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
        assert b"<!ENTITY lol9" in sheet and b"&lol9;" in sheet
    with zipfile.ZipFile(built["entite-externe"]) as archive:
        assert b'SYSTEM "file:///etc/passwd"' in archive.read("xl/worksheets/sheet1.xml")
    for name, declared in (("bombe", 2 << 30), ("bombe-menteuse", 10_000)):
        path = built[name]
        assert path.stat().st_size < 5_000_000
        with zipfile.ZipFile(path) as archive:
            sheet = archive.getinfo("xl/worksheets/sheet1.xml")
            assert sheet.file_size >= declared if name == "bombe" else sheet.file_size == declared
            with archive.open(sheet) as member:  # it really is a sheet, full of blanks
                start = member.read(400)
            assert start.startswith(b"<?xml") and b"<sheetData>" in start
    with zipfile.ZipFile(built["cellules-fusionnees"]) as archive:
        assert b'<mergeCell ref="A1:G1"/>' in archive.read("xl/worksheets/sheet1.xml")


def test_content_reads_back_with_calamine(folder: Path) -> None:
    from python_calamine import CalamineWorkbook

    controls = CalamineWorkbook.from_path(str(hostile.control_characters(folder, hostile.GRADES))).get_sheet_by_index(0).to_python()
    texts = {cell for row in controls for cell in row}
    assert "NFA\x00031" in texts and "x" * 32767 in texts and "\u202eesrever\u202c" in texts
    formulas = CalamineWorkbook.from_path(str(hostile.formulas(folder, hostile.GRADES))).get_sheet_by_index(0)
    assert any("cmd|" in str(cell) for row in formulas.to_python() for cell in row) is False  # no cached value: empty
    assert "=SOMME(A1:A2)" in {cell for row in formulas.to_python() for cell in row}
    sheets = CalamineWorkbook.from_path(str(hostile.many_sheets(folder, hostile.GRADES))).sheet_names
    assert len(sheets) == 300


def test_a_million_rows_is_built_in_seconds(folder: Path) -> None:
    import time

    began = time.monotonic()
    path = hostile.million_rows(folder, hostile.GRADES)
    assert time.monotonic() - began < 30
    with zipfile.ZipFile(path) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
        with archive.open(sheet) as member:
            member.seek(sheet.file_size - 400)
            tail = member.read()
    assert b'<row r="1000001">' in tail and tail.endswith(b"</worksheet>")


# --- the spreadsheet reader ---------------------------------------------------------------------

READER = """
import sys, time
from cnam_desk.errors import RefusedInput
from cnam_desk import filecheck, spreadsheets
try:
    filecheck.check_file(sys.argv[1])
    sheets = spreadsheets.read_workbook(sys.argv[1])
    print("lu", sum(len(s.rows) for s in sheets))
except RefusedInput as error:
    print("refusé", error, file=sys.stderr)
    sys.exit(1)
"""


@pytest.mark.parametrize("case", hostile.PARAMS)
def test_reader_survives(case: hostile.Case, tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    path = case.build(tmp_path, hostile.PLANNING)
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", READER, str(path)], capture_output=True, text=True, timeout=hostile.TIME_LIMIT_S,
        cwd=hostile.ROOT, preexec_fn=_memory_limit,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    if case.must_refuse:
        assert done.returncode == 1 and path.name in done.stderr, done.stdout
    assert time.monotonic() - began < hostile.TIME_LIMIT_S


def _memory_limit() -> None:
    import resource

    size = hostile.MEMORY_LIMIT_MB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size, size))


# --- the reader on random sheets (hypothesis) --------------------------------------------------------


def test_reader_on_random_sheets(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Any mix of good and bad cells in the grade layout: the reader returns tables or refuses, nothing else."""
    from hypothesis import HealthCheck, given, settings

    from cnam_desk import parsing, spreadsheets
    from cnam_desk.errors import RefusedInput

    folder = tmp_path_factory.mktemp("aleatoires")
    fields = [
        spreadsheets.Field("student_number", "numéro d'auditeur", ("numéro d'auditeur", "numéro", "n° auditeur")),
        spreadsheets.Field("grade", "note", ("note", "note sur 20")),
        spreadsheets.Field("last_name", "nom", ("nom",), required=False),
    ]

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(rows=hostile.sheets_for(hostile.GRADES))
    def run(rows: list[list[object]]) -> None:
        path = hostile.write_xlsx(folder / "notes.xlsx", {"Feuil1": rows})
        try:
            tables = spreadsheets.read_tables(path, fields)
        except RefusedInput as error:
            assert "notes.xlsx" in str(error)
            return
        for table in tables:
            for row in table.rows:
                # Every cell the reader hands on is one the parsers answer: a value or a clear ParseError.
                try:
                    parsing.parse_grade(row.values.get("grade"))
                except parsing.ParseError as error:
                    assert error.message
                assert row.location("notes.xlsx", "grade").describe().startswith("fichier « notes.xlsx »")

    run()
