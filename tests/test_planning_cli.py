"""The schedule commands as a clerk types them: exit codes, stderr lines and JSON keys."""

from __future__ import annotations

import json

from icalendar import Calendar
from openpyxl import load_workbook

from tests.schedule_files import SESSION, plain_schedule, write_book

GOOD_ROWS = [
    ["NFA031", "Java", "22/01/2024", "18h", "21h", "Amphi A", "Paris"],
    ["NFA032", "Java 2", "22/01/2024", "19h", "22h", "Amphi A", "Paris"],
]


def test_import_planning_json_then_reimport(cli, tmp_path) -> None:
    path = write_book(tmp_path / "planning.xlsx", plain_schedule(GOOD_ROWS))
    result = cli("import-planning", str(path), "--session", SESSION, "--json")
    assert result.code == 0, result
    assert json.loads(result.out) == {"added": 2, "updated": 0, "removed": 0, "unchanged": 0, "errors": [], "skipped": []}
    again = cli("import-planning", str(path), "--session", SESSION, "--json")
    assert json.loads(again.out) == {"added": 0, "updated": 0, "removed": 0, "unchanged": 2, "errors": [], "skipped": []}
    text = cli("import-planning", str(path), "--session", SESSION)
    assert text.code == 0 and "0 épreuve ajoutée" in text.out and "2 inchangées" in text.out


def test_rows_in_error_refuse_the_file(cli, tmp_path) -> None:
    path = write_book(
        tmp_path / "planning.xlsx",
        plain_schedule([*GOOD_ROWS, ["NFA033", "", "22/01/2025", "18h", "21h", "", ""], [None, "", "23/01/2024", "9h", "12h", "", ""]]),
    )
    result = cli("import-planning", str(path), "--session", SESSION)
    assert result.code == 1, result
    lines = result.err.strip().splitlines()
    assert lines[0].startswith("cnam-desk : Fichier refusé, rien n'a été enregistré (2 erreurs)")
    assert lines[1].startswith("fichier « planning.xlsx », feuille « Planning », ligne 4, colonne C : le mercredi 22 janvier 2025")
    assert lines[2] == "fichier « planning.xlsx », feuille « Planning », ligne 5, colonne A : UE manquante"
    assert result.out == ""
    assert json.loads(cli("planning", "--session", SESSION, "--json").out) == []

    as_json = cli("import-planning", str(path), "--session", SESSION, "--json")
    assert as_json.code == 1
    payload = json.loads(as_json.out)
    assert payload["added"] == 0 and payload["errors"][1] == {
        "sheet": "Planning", "row": 5, "column": "A", "message": "UE manquante",
    }  # fmt: skip

    skipped = cli("import-planning", str(path), "--session", SESSION, "--skip-errors", "--json")
    assert skipped.code == 0, skipped
    payload = json.loads(skipped.out)
    assert (payload["added"], len(payload["errors"])) == (2, 2)


def test_dry_run_writes_nothing(cli, tmp_path) -> None:
    path = write_book(tmp_path / "planning.xlsx", plain_schedule(GOOD_ROWS))
    result = cli("import-planning", str(path), "--session", SESSION, "--dry-run")
    assert result.code == 0 and result.out.startswith("Aperçu, rien n'a été enregistré.")
    assert json.loads(cli("planning", "--session", SESSION, "--json").out) == []


def test_bad_file_and_unknown_session(cli, tmp_path) -> None:
    bad = tmp_path / "planning.xlsx"
    bad.write_text("pas un tableur")
    result = cli("import-planning", str(bad), "--session", SESSION)
    assert result.code == 1 and "planning.xlsx" in result.err and len(result.err.strip().splitlines()) == 1
    unknown = cli("import-planning", str(bad), "--session", "2031-2032/S1/1")
    assert unknown.code == 1 and "n'existe pas" in unknown.err
    usage = cli("import-planning", str(bad))
    assert usage.code == 2


def test_planning_json(cli, tmp_path) -> None:
    cli("import-planning", str(write_book(tmp_path / "p.xlsx", plain_schedule(GOOD_ROWS))), "--session", SESSION)
    result = cli("planning", "--session", SESSION, "--json")
    assert result.code == 0
    assert json.loads(result.out)[0] == {
        "ue": "NFA031", "title": "Java", "date": "2024-01-22", "start": "18:00", "end": "21:00",
        "room": "Amphi A", "centre": "Paris",
    }  # fmt: skip
    text = cli("planning", "--session", SESSION)
    assert "22/01/2024" in text.out and "2 épreuves." in text.out


def test_enrolments_conflicts_and_exports(cli, tmp_path) -> None:
    cli("import-planning", str(write_book(tmp_path / "p.xlsx", plain_schedule(GOOD_ROWS))), "--session", SESSION)
    enrolments = write_book(
        tmp_path / "inscriptions.xlsx",
        [["Numéro d'auditeur", "Nom", "Prénom", "Email", "Code UE"],
         ["100", "Martin", "Jules", "jules@exemple.fr", "NFA031"],
         ["100", "Martin", "Jules", "jules@exemple.fr", "NFA032"]],
    )  # fmt: skip
    result = cli("import-enrolments", str(enrolments), "--year", "2023-2024", "--json")
    assert result.code == 0, result
    assert json.loads(result.out) == {
        "students_added": 1, "students_updated": 0, "enrolments_added": 2, "unchanged": 0, "errors": [],
    }  # fmt: skip

    clashes = cli("conflicts", "--session", SESSION, "--json")
    assert json.loads(clashes.out) == {
        "students": [{"student_number": "100", "ues": ["NFA031", "NFA032"]}],
        "rooms": [{"room": "Amphi A", "centre": "Paris", "ues": ["NFA031", "NFA032"]}],
    }
    assert "1 auditeur a des épreuves qui se chevauchent" in cli("conflicts", "--session", SESSION).out

    ics = tmp_path / "jules.ics"
    result = cli("export-planning", "--session", SESSION, "--student", "100", "--out", str(ics))
    assert result.code == 0, result
    assert len(Calendar.from_ical(ics.read_bytes()).walk("VEVENT")) == 2
    xlsx = tmp_path / "planning.xlsx"
    assert cli("export-planning", "--session", SESSION, "--out", str(xlsx)).code == 0
    assert load_workbook(xlsx).active["A3"].value == "NFA031"
    wrong = cli("export-planning", "--session", SESSION, "--out", str(tmp_path / "planning.csv"))
    assert wrong.code == 1 and ".ics ou .xlsx" in wrong.err

    sheets = cli("attendance-sheets", "--session", SESSION, "--out", str(tmp_path / "emargement"))
    assert sheets.code == 0, sheets
    assert "2 feuilles d’émargement écrites" in sheets.out
    assert sorted(p.suffix for p in (tmp_path / "emargement").iterdir()) == [".pdf", ".pdf"]
    empty = cli("attendance-sheets", "--session", "2023-2024/S2/2", "--out", str(tmp_path / "vide"))
    assert empty.code == 1 and "aucune feuille" in empty.err


def test_commands_do_not_import_qt(cli) -> None:
    result = cli("planning", "--session", SESSION, "--json")
    assert result.code == 0
    import subprocess
    import sys

    code = (
        "import sys, cnam_desk.commands.planning, cnam_desk.schedule.conflicts, cnam_desk.schedule.planning_export; "
        "print(any(m.startswith('PySide6') for m in sys.modules))"
    )
    probe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "False"


def test_a_file_that_reads_no_exam_empties_nothing(cli, tmp_path) -> None:
    """Headers only, or the wrong sheet: refused, and the session keeps every exam."""
    path = write_book(tmp_path / "planning.xlsx", plain_schedule(GOOD_ROWS))
    assert cli("import-planning", str(path), "--session", SESSION).code == 0
    empty = write_book(tmp_path / "vide.xlsx", {"Feuil1": plain_schedule([])})
    for extra in ([], ["--dry-run"], ["--skip-errors"], ["--json"]):
        refused = cli("import-planning", str(empty), "--session", SESSION, *extra)
        assert refused.code == 1, (extra, refused)
        assert "aucune épreuve lue" in refused.err and "« vide.xlsx »" in refused.err and "« Feuil1 »" in refused.err
    listed = json.loads(cli("planning", "--session", SESSION, "--json").out)
    assert sorted(exam["ue"] for exam in listed) == ["NFA031", "NFA032"]
