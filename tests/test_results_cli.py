"""The results commands as a clerk types them: exit codes, one French line on refusal, JSON keys."""

from __future__ import annotations

import json

import openpyxl

from cnam_desk.database import open_database
from cnam_desk.grading import entry
from tests.results_data import seed

S1 = "2023-2024/S1/1"


def _seeded(database_url: str) -> None:
    db = open_database(database_url)
    seed(db)
    db.dispose()


def test_set_grade_grades_publish_export(cli, database_url, tmp_path) -> None:
    _seeded(database_url)
    db = open_database(database_url)
    for number, value in [("101", "9.99"), ("102", "abi"), ("103", "ABJ"), ("104", "20")]:
        entry.set_grade(db, S1, "NFA031", number, value)
    db.dispose()
    result = cli("set-grade", "--session", S1, "--exam", "nfa031", "--student", "100", "12,5")
    assert result.code == 0, result
    assert "MARTIN Léa (100) en NFA031 : 12,5 (ADM)" in result.out
    refused = cli("set-grade", "--session", S1, "--exam", "NFA031", "--student", "105", "12,555")
    assert refused.code == 1 and refused.out == ""
    assert len(refused.err.strip().splitlines()) == 1 and "deux décimales" in refused.err
    assert cli("set-grade", "--session", S1, "--exam", "NFA031", "--student", "105", "20.001").code == 1

    result = cli("grades", "--session", S1, "--exam", "NFA031", "--json")
    assert result.code == 0, result
    rows = {row["student_number"]: row for row in json.loads(result.out)}
    assert rows["100"] == {"student_number": "100", "last_name": "Martin", "first_name": "Léa", "grade": 12.5,
                           "result": "ADM", "version": 1, "second_entry": None, "mismatch": False}
    assert (rows["101"]["grade"], rows["101"]["result"]) == (9.99, "AJ")
    assert (rows["102"]["grade"], rows["102"]["result"]) == ("ABI", "ABI")
    assert (rows["103"]["grade"], rows["103"]["result"]) == ("ABJ", "ABJ")
    assert (rows["104"]["grade"], rows["104"]["result"]) == (20, "ADM")
    assert (rows["105"]["grade"], rows["105"]["result"]) == (None, None)

    refused = cli("publish", "--session", S1, "--exam", "NFA031")
    assert refused.code == 1 and "sans note" in refused.err
    assert cli("set-grade", "--session", S1, "--exam", "NFA031", "--student", "105", "0").code == 0
    assert cli("publish", "--session", S1, "--exam", "NFA031").code == 0
    locked = cli("set-grade", "--session", S1, "--exam", "NFA031", "--student", "105", "1")
    assert locked.code == 1 and "motif" in locked.err
    fixed = cli("set-grade", "--session", S1, "--exam", "NFA031", "--student", "105", "1", "--reason", "copie recomptée")
    assert fixed.code == 0, fixed

    out = tmp_path / "portail.xlsx"
    result = cli("export-results", "--session", S1, "--out", str(out))
    assert result.code == 0, result
    sheet = openpyxl.load_workbook(out).active
    names = [row[1] for row in sheet.iter_rows(min_row=2)]
    formula = next(cell for cell in names if cell.value.startswith("="))
    assert formula.data_type == "s" and formula.value == "=HYPERLINK(\"x\")"


def test_import_grades_all_or_nothing(cli, database_url, tmp_path) -> None:
    _seeded(database_url)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Notes"
    for row in [["Relevé NFA031"], ["Note", "N° auditeur"], ["12", "100"], ["25", "101"], ["10", "999"]]:
        sheet.append(row)
    path = tmp_path / "notes.xlsx"
    book.save(path)
    refused = cli("import-grades", str(path), "--session", S1, "--exam", "NFA031")
    assert refused.code == 1 and refused.out == ""
    assert len(refused.err.strip().splitlines()) == 1
    assert "fichier « notes.xlsx », feuille « Notes », ligne 4, colonne A" in refused.err
    as_json = cli("import-grades", str(path), "--session", S1, "--exam", "NFA031", "--json")
    assert as_json.code == 1
    problems = json.loads(as_json.out)["problems"]
    assert [(p["kind"], p["row"], p["column"]) for p in problems] == [("invalid_grade", 4, "A"),
                                                                       ("unknown_student", 5, "B")]
    grades = json.loads(cli("grades", "--session", S1, "--exam", "NFA031", "--json").out)
    assert all(row["grade"] is None for row in grades)
    sheet.delete_rows(4, 2)
    book.save(path)
    result = cli("import-grades", str(path), "--session", S1, "--exam", "NFA031", "--json")
    assert result.code == 0, result
    assert json.loads(result.out)["saved"] == 1
    assert cli("import-grades", str(path), "--session", S1).code == 1  # no UE column, no --exam


def test_session2_json_and_xlsx(cli, database_url, tmp_path) -> None:
    _seeded(database_url)
    cli("set-grade", "--session", S1, "--exam", "STA001", "--student", "100", "15")
    cli("set-grade", "--session", S1, "--exam", "STA001", "--student", "101", "abj")
    cli("set-grade", "--session", S1, "--exam", "STA001", "--student", "102", "7,5")
    out = tmp_path / "s2.xlsx"
    result = cli("session2", "--semester", "2023-2024/S1", "--json", "--out", str(out))
    assert result.code == 0, result
    entries = [e for e in json.loads(result.out) if e["ue"] == "STA001"]
    assert entries == [{"student_number": "102", "ue": "STA001", "outcome": 7.5},
                       {"student_number": "101", "ue": "STA001", "outcome": "ABJ"}]
    assert out.exists()
    text = cli("session2", "--semester", "2023-2024/S1")
    assert "Pas de convocation" in text.out
    assert "convocation" not in " ".join(p.name for p in tmp_path.iterdir())
    assert cli("session2", "--semester", "2023-2024").code == 1


def test_usage_errors(cli) -> None:
    assert cli("grades", "--session", S1).code == 2
    assert cli("attestation", "--year", "2023-2024", "--out", "x.pdf").code == 2
    assert cli("attestation", "--student", "1", "--all", "--year", "2023-2024", "--out", "x.pdf").code == 2
    unknown = cli("grades", "--session", S1, "--exam", "ZZZ1")
    assert unknown.code == 1 and "ZZZ1" in unknown.err


def test_results_commands_import_no_qt(database_url: str) -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    _seeded(database_url)
    probe = (
        "import sys; from cnam_desk.cli import main; db = sys.argv[1]; "
        "assert main(['--db', db, 'grades', '--session', '2023-2024/S1/1', '--exam', 'NFA031']) == 0; "
        "assert main(['--db', db, 'session2', '--semester', '2023-2024/S1']) == 0; "
        "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt imported'"
    )
    result = subprocess.run([sys.executable, "-c", probe, database_url], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_set_grade_with_the_version_read_refuses_a_stale_one(cli, database_url) -> None:
    """Two clerks read the same grade; the second to save is told who changed it and when."""
    _seeded(database_url)

    def version_of(number: str) -> int:
        rows = json.loads(cli("grades", "--session", S1, "--exam", "NFA031", "--json").out)
        return next(row["version"] for row in rows if row["student_number"] == number)

    assert version_of("100") == 0  # no grade yet
    first = cli("set-grade", "--session", S1, "--exam", "NFA031", "--student", "100", "12", "--expect-version", "0",
                env={"CNAM_DESK_CLERK": "premier.agent"})
    assert first.code == 0, first
    assert version_of("100") == 1
    stale = cli("set-grade", "--session", S1, "--exam", "NFA031", "--student", "100", "8", "--expect-version", "0")
    assert stale.code == 1 and stale.out == ""
    assert "modifiée par premier.agent" in stale.err and "vaut maintenant 12" in stale.err
    assert len(stale.err.strip().splitlines()) == 1
    fresh = cli("set-grade", "--session", S1, "--exam", "NFA031", "--student", "100", "8", "--expect-version", "1")
    assert fresh.code == 0, fresh
    assert version_of("100") == 2
