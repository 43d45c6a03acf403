"""The UE catalogue: credits read as offices type them, the import (service and command), the catalogue edited."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from cnam_desk.db.models import AuditEvent, CourseUnit
from cnam_desk.errors import EditConflict, RefusedInput
from cnam_desk.importing import RefusedFile
from cnam_desk.parsing import ParseError
from cnam_desk.schedule import unit_catalogue, units
from cnam_desk.schedule.unit_catalogue import UnitEdit, parse_credits
from tests.schedule_files import FORMATS, write_book, write_sheet

CATALOGUE = [
    ["Catalogue des UE – année 2023-2024", None, None],
    [None, None, None],
    ["Code UE", "Intitulé", "Crédits ECTS"],
    ["NFA031", "Programmation avec Java : notions de base", "6"],
    ["nfa 008", "Bases de données", "6,0"],
    ["STA001", "Statistique descriptive", "4 ECTS"],
    ["ANG320", "Anglais professionnel", 4.5],
    ["Total : 4 UE", None, None],
    ["Document non contractuel", None, None],
]


def units_in(db) -> dict[str, tuple[str, Decimal | None]]:
    return {u.code: (u.title, u.ects) for u in unit_catalogue.list_units(db)}


def add_unit(db, code: str, title: str = "", ects: int | None = None) -> None:
    with db.transaction() as s:
        s.add(CourseUnit(code=code, title=title, ects=ects))


# --- credits as typed -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "credits"),
    [("6", Decimal(6)), ("6,0", Decimal(6)), ("6.5", Decimal("6.5")), ("6 ECTS", Decimal(6)), ("6 ects", Decimal(6)),
     ("6 crédits", Decimal(6)), ("4,5 cr.", Decimal("4.5")), (6.0, Decimal(6)), (3, Decimal(3)), ("60", Decimal(60)),
     ("0", Decimal(0)), ("", None), (None, None), ("NC", None), ("-", None), ("non renseigné", None)],
)  # fmt: skip
def test_credits_as_offices_type_them(typed, credits) -> None:
    assert parse_credits(typed) == credits


@pytest.mark.parametrize("typed", ["six", "6 ou 3", "-2", "61", "6,555", "ECTS", True])
def test_what_cannot_be_credits_is_said_in_french(typed) -> None:
    with pytest.raises(ParseError) as refused:
        parse_credits(typed)
    assert "crédits ECTS" in refused.value.message


def test_sixty_credits_stay_sixty() -> None:
    assert str(parse_credits("60")) == "60"
    assert unit_catalogue.credits_text(parse_credits("60,00")) == "60"
    assert unit_catalogue.credits_text(parse_credits("4,50")) == "4,5"


# --- the import -----------------------------------------------------------------------------


def test_a_catalogue_creates_its_ues_with_titles_and_credits(db, tmp_path) -> None:
    summary = units.import_units(db, write_book(tmp_path / "ue.xlsx", {"Catalogue": CATALOGUE}))
    assert units_in(db) == {
        "NFA031": ("Programmation avec Java : notions de base", Decimal(6)),
        "NFA008": ("Bases de données", Decimal(6)),
        "STA001": ("Statistique descriptive", Decimal(4)),
        "ANG320": ("Anglais professionnel", Decimal("4.5")),
    }
    assert summary.as_json()["created"][0] == {"code": "NFA031", "title": "Programmation avec Java : notions de base", "ects": 6}
    assert [(line.row, line.text) for line in summary.skipped] == [
        (1, "Catalogue des UE – année 2023-2024"), (8, "Total : 4 UE"), (9, "Document non contractuel")
    ]  # fmt: skip
    assert summary.errors == ()
    again = units.import_units(db, write_book(tmp_path / "ue.xlsx", {"Catalogue": CATALOGUE}))
    assert (again.created, again.updated, again.unchanged) == ((), (), 4)


@pytest.mark.parametrize("kind", FORMATS)
def test_every_kind_of_workbook_is_read(db, tmp_path, kind) -> None:
    rows = [["UE", "Libellé", "ECTS"], ["NFA031", "Java", "6"], ["STA001", "Statistique", 4]]
    units.import_units(db, write_sheet(tmp_path / f"ue.{kind}", rows))
    assert units_in(db) == {"NFA031": ("Java", Decimal(6)), "STA001": ("Statistique", Decimal(4))}


@pytest.mark.parametrize(
    ("text", "encoding"),
    [("Code;Titre;Crédits\nNFA031;Programmation;6,0\nSTA001;Statistique;4\n", "cp1252"),
     ("Code UE,Intitulé,ECTS\nNFA031,Programmation,\"6,0\"\nSTA001,Statistique,4\n", "utf-8-sig"),
     ("Code\tTitre\tECTS\nNFA031\tProgrammation\t6\nSTA001\tStatistique\t4\n", "utf-8"),
     # title lines above the table: one cell whatever the separator, they must not choose ","
     ("Catalogue des UE\nAnnée 2024-2025\nService des examens\nCode;Titre;Crédits\nNFA031;Programmation;6,0\n"
      "STA001;Statistique;4\n", "cp1252")],
)  # fmt: skip
def test_csv_files_from_excel_and_elsewhere(db, tmp_path, text, encoding) -> None:
    path = tmp_path / "catalogue.csv"
    path.write_bytes(text.encode(encoding))
    units.import_units(db, path)
    assert units_in(db) == {"NFA031": ("Programmation", Decimal(6)), "STA001": ("Statistique", Decimal(4))}


def test_changes_are_listed_old_and_new_and_empty_cells_erase_nothing(db, tmp_path) -> None:
    add_unit(db, "NFA031", "Java", None)  # from a schedule import: no credits
    add_unit(db, "NFA008", "Bases de données", 6)
    add_unit(db, "STA001", "Statistique", 4)
    rows = [["Code UE", "Intitulé", "ECTS"], ["NFA031", "Programmation avec Java", "6"], ["NFA008", "", "3"],
            ["STA001", "Statistique", ""]]  # fmt: skip
    preview = units.import_units(db, write_book(tmp_path / "ue.xlsx", rows), dry_run=True)
    assert units_in(db)["NFA031"] == ("Java", None)  # a dry run writes nothing
    assert [c.as_json() for c in preview.updated] == [
        {"code": "NFA031", "field": "title", "old": "Java", "new": "Programmation avec Java"},
        {"code": "NFA031", "field": "ects", "old": None, "new": 6},
        {"code": "NFA008", "field": "ects", "old": 6, "new": 3},
    ]
    assert preview.unchanged == 1
    assert preview.updated[1].describe() == "NFA031 : crédits ECTS non renseignés → 6"
    summary = units.import_units(db, write_book(tmp_path / "ue.xlsx", rows))
    assert summary.updated == preview.updated
    assert units_in(db) == {
        "NFA031": ("Programmation avec Java", Decimal(6)), "NFA008": ("Bases de données", Decimal(3)),
        "STA001": ("Statistique", Decimal(4)),
    }  # fmt: skip
    with db.transaction(write=False) as s:
        events = s.execute(select(AuditEvent.action, AuditEvent.entity, AuditEvent.before, AuditEvent.after)
                           .where(AuditEvent.entity == "course_unit", AuditEvent.action != "insert")).all()  # fmt: skip
    updates = [(e.before, e.after) for e in events if e.action == "update"]
    assert ({"ects": "6.00"}, {"ects": "3"}) in updates  # every change in the trail, old and new
    assert any(e.action == "import" and e.after["updated"] == 2 for e in events)


def test_rows_in_error_are_located_and_left_out(db, tmp_path) -> None:
    rows = [["Code UE", "Intitulé", "ECTS"], ["NFA031", "Java", "six"], ["NFA008", "Bases", "6"],
            ["NFA031 / NFA032", "Deux", "3"], ["STA001", "Statistique", "4"], ["STA001", "Statistique", "5"],
            [None, "Sans code", "3"]]  # fmt: skip
    summary = units.import_units(db, write_book(tmp_path / "ue.xlsx", {"UE": rows}))
    assert [(e.sheet, e.row, e.column) for e in summary.errors] == [("UE", 2, "C"), ("UE", 4, "A"), ("UE", 6, "C"), ("UE", 7, "A")]
    assert summary.errors[0].describe() == (
        "fichier « ue.xlsx », feuille « UE », ligne 2, colonne C : "
        "crédits ECTS « six » illisibles : attendu un nombre, par exemple 6 ou 4,5"
    )
    assert "figure déjà ligne 5" in summary.errors[2].message
    assert set(units_in(db)) == {"NFA008", "STA001"}
    assert "2 UE créées" in summary.describe() and "4 lignes en erreur ignorées" in summary.describe()


def test_a_file_that_cannot_be_imported_is_refused_whole(db, tmp_path) -> None:
    with pytest.raises(RefusedFile):
        units.import_units(db, write_book(tmp_path / "a.xlsx", [["Code UE", "ECTS"], ["NFA031", "six"]]))
    with pytest.raises(RefusedInput, match="colonnes introuvables : Code UE"):
        units.import_units(db, write_book(tmp_path / "b.xlsx", [["Nom", "Prénom"], ["Martin", "Léa"]]))
    with pytest.raises(RefusedInput, match="Intitulé ou ECTS"):
        units.import_units(db, write_book(tmp_path / "c.xlsx", [["Code UE", "Salle"], ["NFA031", "A"]]))
    with pytest.raises(RefusedInput, match="aucune UE lue"):
        units.import_units(db, write_book(tmp_path / "d.xlsx", [["Code UE", "Intitulé"], ["Total : 0", None]]))
    (tmp_path / "e.csv").write_bytes(b"\x00\x01PK")
    with pytest.raises(RefusedInput, match="n’est pas un fichier CSV"):
        units.import_units(db, tmp_path / "e.csv")
    assert units_in(db) == {}


def test_a_preview_confirmed_after_another_change_is_refused(db, tmp_path) -> None:
    add_unit(db, "NFA031", "Java", 6)
    file = units.read_units(write_book(tmp_path / "ue.xlsx", [["Code UE", "ECTS"], ["NFA031", "5"]]))
    preview = units.preview_units(db, file)
    unit = unit_catalogue.list_units(db)[0]
    unit_catalogue.save_units(db, [UnitEdit("NFA031", "Java", Decimal(4), unit.version)])
    with pytest.raises(EditConflict):
        list(units.apply_units_steps(db, file, expected=preview))
    assert units_in(db)["NFA031"] == ("Java", Decimal(4))


# --- the catalogue edited -------------------------------------------------------------------


def test_edits_are_saved_together_or_not_at_all(db) -> None:
    add_unit(db, "NFA031", "Java", None)
    add_unit(db, "NFA008", "Bases", 6)
    shown = {u.code: u for u in unit_catalogue.list_units(db)}
    with pytest.raises(RefusedInput, match="intitulé ne peut pas être vide"):
        unit_catalogue.save_units(db, [UnitEdit("NFA031", "Java", Decimal(6), shown["NFA031"].version),
                                       UnitEdit("NFA008", " ", Decimal(6), shown["NFA008"].version)])  # fmt: skip
    assert units_in(db)["NFA031"] == ("Java", None)
    unit_catalogue.save_units(db, [UnitEdit("NFA031", "Programmation Java", Decimal("4.5"), shown["NFA031"].version)])
    assert units_in(db)["NFA031"] == ("Programmation Java", Decimal("4.5"))


def test_a_second_clerk_is_told_who_changed_the_ue(db, database_url) -> None:
    from cnam_desk.database import open_database

    add_unit(db, "NFA031", "Java", 6)
    seen = unit_catalogue.list_units(db)[0]
    other = open_database(database_url, clerk="greffier.b")
    try:
        unit_catalogue.save_units(other, [UnitEdit("NFA031", "Java", Decimal(5), seen.version)])
    finally:
        other.dispose()
    with pytest.raises(EditConflict) as conflict:
        unit_catalogue.save_units(db, [UnitEdit("NFA031", "Java", Decimal(3), seen.version)])
    assert "modifiée par greffier.b le " in str(conflict.value) and "rien n'a été enregistré" in str(conflict.value)
    assert units_in(db)["NFA031"] == ("Java", Decimal(5))


# --- the command, as a clerk types it -------------------------------------------------------


def test_import_units_command(cli, tmp_path) -> None:
    path = tmp_path / "catalogue.csv"
    path.write_text("Code UE;Intitulé;ECTS\nNFA031;Programmation avec Java;6\nRSX101;Réseaux;six\n", encoding="utf-8")
    dry = cli("import-units", str(path), "--dry-run")
    assert dry.code == 0, dry
    assert dry.out.startswith("Aperçu, rien n'a été enregistré. Catalogue des UE (« catalogue.csv ») : 1 UE créée")
    assert "créée : NFA031 Programmation avec Java (6 ECTS)" in dry.out
    assert "ligne 3, colonne C : crédits ECTS « six » illisibles" in dry.err
    refused = cli("import-units", str(path), "--json")
    assert refused.code == 1, refused  # a row in error refuses the file unless --skip-errors
    assert "ligne 3, colonne C" in refused.err and json.loads(refused.out)["created"] == []
    assert "NFA031" not in cli("import-units", str(path), "--dry-run").err
    done = cli("import-units", str(path), "--skip-errors", "--json")
    assert done.code == 0, done
    answer = json.loads(done.out)
    assert answer["created"] == [{"code": "NFA031", "title": "Programmation avec Java", "ects": 6}]
    assert answer["errors"] == [{"sheet": "catalogue", "row": 3, "column": "C",
                                 "message": "crédits ECTS « six » illisibles : attendu un nombre, par exemple 6 ou 4,5"}]  # fmt: skip
    assert answer["updated"] == [] and answer["unchanged"] == 0 and answer["dry_run"] is False
    path.write_text("Code UE;Intitulé;ECTS\nNFA031;Programmation avec Java;5\n", encoding="utf-8")
    changed = cli("import-units", str(path), "--json")
    assert json.loads(changed.out)["updated"] == [{"code": "NFA031", "field": "ects", "old": 6, "new": 5}]
    text = cli("import-units", str(path))
    assert "1 UE inchangée" in text.out


def test_import_units_command_refusals(cli, tmp_path) -> None:
    path = tmp_path / "faux.csv"
    path.write_text("Code UE;ECTS\nNFA031;six\n", encoding="utf-8")
    refused = cli("import-units", str(path), "--json")
    assert refused.code == 1, refused
    assert "Fichier refusé, rien n'a été enregistré (1 erreur)" in refused.err
    assert json.loads(refused.out)["errors"][0]["row"] == 2
    missing = cli("import-units", str(tmp_path / "absent.xlsx"))
    assert missing.code == 1 and "introuvable" in missing.err
    usage = cli("import-units")
    assert usage.code == 2
