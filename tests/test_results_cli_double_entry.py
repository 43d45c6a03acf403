"""Double entry on the command line as a clerk types it: second entry imported, disagreements, settling, publication."""

from __future__ import annotations

import json

import openpyxl

from cnam_desk.database import open_database
from tests.results_data import seed

S1 = "2023-2024/S1/1"


def _seeded(database_url: str) -> None:
    db = open_database(database_url)
    seed(db)
    db.dispose()


def _file(path, rows) -> str:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Notes"
    sheet.append(["N° auditeur", "Note"])
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return str(path)


def _grades(cli) -> dict[str, dict]:
    result = cli("grades", "--session", S1, "--exam", "NFA031", "--json")
    assert result.code == 0, result
    return {row["student_number"]: row for row in json.loads(result.out)}


def test_second_entry_settle_and_publish(cli, database_url, tmp_path) -> None:
    _seeded(database_url)
    first = _file(tmp_path / "premiere.xlsx",
                  [("100", "12,5"), ("101", 8), ("102", "ABI"), ("103", "ABJ"), ("104", 15), ("105", 0)])
    assert cli("import-grades", first, "--session", S1, "--exam", "NFA031").code == 0
    second = _file(tmp_path / "seconde.xlsx",
                   [("100", "12.50"), ("101", 8), ("102", "abi"), ("103", "ABI"), ("104", 16), ("105", 0)])
    result = cli("import-grades", second, "--session", S1, "--exam", "NFA031", "--second-entry")
    assert result.code == 0, result
    assert "6 seconde(s) saisie(s) enregistrée(s)" in result.out
    assert "2 désaccord(s)" in result.out
    again = cli("import-grades", second, "--session", S1, "--exam", "NFA031", "--second-entry", "--json")
    report = json.loads(again.out)
    assert (report["second_entry"], report["saved"], report["unchanged"]) == (True, 0, 6)

    rows = _grades(cli)
    assert (rows["100"]["grade"], rows["100"]["second_entry"], rows["100"]["mismatch"]) == (12.5, 12.5, False)
    assert (rows["103"]["grade"], rows["103"]["second_entry"], rows["103"]["mismatch"]) == ("ABJ", "ABI", True)
    assert (rows["104"]["grade"], rows["104"]["second_entry"], rows["104"]["mismatch"]) == (15, 16, True)
    assert [n for n, row in rows.items() if row["mismatch"]] == ["103", "104"]
    text = cli("grades", "--session", S1, "--exam", "NFA031")
    assert "DÉSACCORD" in text.out and "2 désaccord(s) de la double saisie" in text.out

    refused = cli("publish", "--session", S1, "--exam", "NFA031")
    assert refused.code == 1 and refused.out == ""
    assert len(refused.err.strip().splitlines()) == 1
    assert "désaccord" in refused.err and "(103)" in refused.err and "(104)" in refused.err

    settled = cli("settle-grade", "--session", S1, "--exam", "NFA031", "--student", "104", "--grade", "16")
    assert settled.code == 0, settled
    assert "16 (1re saisie 15, 2de saisie 16)" in settled.out
    as_json = cli("settle-grade", "--session", S1, "--exam", "nfa031", "--student", "103", "--grade", "abj", "--json")
    assert as_json.code == 0, as_json
    assert json.loads(as_json.out) == {"student_number": "103", "first_entry": "ABJ", "second_entry": "ABI",
                                       "grade": "ABJ", "result": "ABJ", "version": 2}
    nothing = cli("settle-grade", "--session", S1, "--exam", "NFA031", "--student", "104", "--grade", "16")
    assert nothing.code == 1 and "Rien à trancher" in nothing.err
    bad = cli("settle-grade", "--session", S1, "--exam", "NFA031", "--student", "104", "--grade", "21")
    assert bad.code == 1 and "Note refusée" in bad.err
    rows = _grades(cli)
    assert not any(row["mismatch"] for row in rows.values())
    assert (rows["104"]["grade"], rows["104"]["second_entry"]) == (16, 16)

    published = cli("publish", "--session", S1, "--exam", "NFA031")
    assert published.code == 0, published
    changed = _file(tmp_path / "tardive.xlsx", [("100", 14)])
    closed = cli("import-grades", changed, "--session", S1, "--exam", "NFA031", "--second-entry")
    assert closed.code == 1 and "double saisie est close" in closed.err


def test_the_office_setting_on_and_off(cli, database_url, tmp_path) -> None:
    _seeded(database_url)
    shown = cli("double-entry", "--json")
    assert shown.code == 0 and json.loads(shown.out) == {"required": False}
    on = cli("double-entry", "--required")
    assert on.code == 0 and "obligatoire" in on.out
    assert json.loads(cli("double-entry", "--json").out) == {"required": True}
    first = _file(tmp_path / "premiere.xlsx", [(str(n), 10) for n in range(100, 106)])
    assert cli("import-grades", first, "--session", S1, "--exam", "NFA031").code == 0
    second = _file(tmp_path / "seconde.xlsx", [(str(n), 10) for n in range(100, 104)])
    assert cli("import-grades", second, "--session", S1, "--exam", "NFA031", "--second-entry").code == 0
    refused = cli("publish", "--session", S1, "--exam", "NFA031")
    assert refused.code == 1
    assert "obligatoire" in refused.err and "(104)" in refused.err and "(105)" in refused.err
    assert "(100)" not in refused.err
    off = cli("double-entry", "--optional", "--json")
    assert off.code == 0 and json.loads(off.out) == {"required": False}
    assert cli("publish", "--session", S1, "--exam", "NFA031").code == 0


def test_usage(cli, database_url) -> None:
    _seeded(database_url)
    assert cli("double-entry", "--required", "--optional").code == 2
    assert cli("settle-grade", "--session", S1, "--exam", "NFA031", "--student", "100").code == 2
    unknown = cli("settle-grade", "--session", S1, "--exam", "NFA031", "--student", "999", "--grade", "12")
    assert unknown.code == 1 and "999" in unknown.err
