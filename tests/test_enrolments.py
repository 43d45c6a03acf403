"""Enrolment import: tolerant reading, students created or updated, all or nothing, idempotent."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cnam_desk.db.models import AuditEvent, CourseUnit, Enrolment, Student
from cnam_desk.errors import NotFound, RefusedInput
from cnam_desk.importing import RefusedFile
from cnam_desk.schedule import enrolments
from tests.schedule_files import write_book

YEAR = "2023-2024"


def students(db):
    with db.transaction() as s:
        return {
            st.number: (st.last_name, st.first_name, st.email, st.postal_address, st.version)
            for st in s.scalars(select(Student))
        }


def enrolled(db):
    with db.transaction() as s:
        return sorted(
            s.execute(
                select(Student.number, CourseUnit.code)
                .join(Enrolment, Enrolment.student_id == Student.id)
                .join(CourseUnit, Enrolment.course_unit_id == CourseUnit.id)
            ).all()
        )


def snapshot(db):
    with db.transaction() as s:
        return students(db), enrolled(db), s.scalar(select(func.count()).select_from(AuditEvent))


def several_address_columns(tmp_path):
    return write_book(
        tmp_path / "inscriptions.xlsx",
        {
            "Inscrits": [
                ["Inscriptions 2023-2024 – export du 4 septembre"],
                [],
                ["N° auditeur", "NOM", "Prénom", "Courriel", "Adresse", "Code postal", "Ville", "Code UE", "Intitulé", "Autre"],
                [100023001.0, "Dupont", "Léa", "lea.dupont@exemple.fr", "12 rue des Écoles", 75005, "Paris", "NFA031", "Java", "x"],
                [100023001.0, "Dupont", "Léa", "", "", None, "", "nfa032", "Java 2", None],
                ["100023002", "N'Diaye", "Aïcha", "aicha@exemple.fr", "3 avenue Jean-Jaurès\nBâtiment B", 1000, "Bourg-en-Bresse", "RSX101", "", None],
                [],
                ["Fin de l'export"],
            ],
            "Suite": [
                ["Numéro d'auditeur", "Nom", "Prénom", "E-mail", "Code UE"],
                ["100023003", "Nguyễn", "Thị Minh", "minh@exemple.fr", "NFA031"],
            ],
        },
    )  # fmt: skip


def test_reads_every_quirk(db, tmp_path) -> None:
    file = enrolments.read_enrolments(several_address_columns(tmp_path), YEAR)
    assert file.errors == []
    assert file.enrolments == [("100023001", "NFA031"), ("100023001", "NFA032"), ("100023002", "RSX101"), ("100023003", "NFA031")]
    lea = file.students["100023001"]
    assert (lea.last_name, lea.first_name, lea.email) == ("Dupont", "Léa", "lea.dupont@exemple.fr")
    assert lea.postal_address == "12 rue des Écoles\n75005 Paris"
    assert file.students["100023002"].postal_address == "3 avenue Jean-Jaurès\nBâtiment B\n01000 Bourg-en-Bresse"
    assert file.titles == {"NFA031": "Java", "NFA032": "Java 2"}


def test_one_address_column(db, tmp_path) -> None:
    path = write_book(
        tmp_path / "i.xlsx",
        [["Numéro", "Nom", "Prénom", "Email", "Adresse postale", "UE"],
         ["1", "Martin", "Jules", "", "5 rue Oberkampf 75011 Paris", "NFA031"]],
    )  # fmt: skip
    file = enrolments.read_enrolments(path, YEAR)
    assert file.students["1"].postal_address == "5 rue Oberkampf 75011 Paris"


def test_import_creates_then_changes_nothing(db, tmp_path) -> None:
    path = several_address_columns(tmp_path)
    summary = enrolments.import_enrolments(db, path, YEAR)
    assert summary.as_json() == {
        "students_added": 3, "students_updated": 0, "enrolments_added": 4, "unchanged": 0, "errors": [],
    }  # fmt: skip
    assert summary.course_units_created == 3
    assert enrolled(db) == [("100023001", "NFA031"), ("100023001", "NFA032"), ("100023002", "RSX101"), ("100023003", "NFA031")]
    before = snapshot(db)
    again = enrolments.import_enrolments(db, path, YEAR)
    assert again.as_json() == {
        "students_added": 0, "students_updated": 0, "enrolments_added": 0, "unchanged": 4, "errors": [],
    }  # fmt: skip
    assert snapshot(db) == before


def test_update_fills_and_changes_but_never_erases(db, tmp_path) -> None:
    enrolments.import_enrolments(db, several_address_columns(tmp_path), YEAR)
    update = write_book(
        tmp_path / "maj.xlsx",
        [["Numéro d'auditeur", "Nom", "Prénom", "Email", "Code UE"],
         ["100023001", "Dupont-Martin", "Léa", "", "NFA031"],  # new name, no email: email kept
         ["100023001", "Dupont-Martin", "Léa", "", "RSX101"],  # new enrolment
         ["100023003", "Nguyễn", "Thị Minh", "minh@exemple.fr", "NFA031"]],  # unchanged
    )  # fmt: skip
    summary = enrolments.import_enrolments(db, update, YEAR)
    assert summary.as_json()["students_updated"] == 1
    assert (summary.enrolments_added, summary.unchanged) == (1, 1)
    lea = students(db)["100023001"]
    assert lea[:3] == ("Dupont-Martin", "Léa", "lea.dupont@exemple.fr")
    assert lea[3] == "12 rue des Écoles\n75005 Paris"
    assert lea[4] == 2  # version bumped once


def test_bad_rows_refuse_the_file_whole(db, tmp_path) -> None:
    path = write_book(
        tmp_path / "erreurs.xlsx",
        [["Numéro d'auditeur", "Nom", "Prénom", "Email", "Code UE"],
         ["1", "Martin", "Jules", "jules@exemple.fr", "NFA031"],
         [None, "Sans numéro", "", "", "NFA031"],
         ["2", "", "Sans nom", "", "NFA031"],
         ["3", "Petit", "", "pas-une-adresse", "NFA031"],
         ["4", "Robert", "", "", None],
         ["1", "Autre", "Jules", "", "NFA032"]],
    )  # fmt: skip
    before = snapshot(db)
    with pytest.raises(RefusedFile) as refused:
        enrolments.import_enrolments(db, path, YEAR)
    got = [(e.row, e.column, e.message) for e in refused.value.errors]
    assert got[:4] == [
        (3, "A", "numéro d'auditeur manquant"),
        (4, "B", "nom manquant"),
        (5, "D", "adresse électronique « pas-une-adresse » invalide"),
        (6, "E", "UE manquante"),
    ]
    assert got[4][:2] == (7, "A") and "avec un autre nom" in got[4][2]
    assert snapshot(db) == before
    summary = enrolments.import_enrolments(db, path, YEAR, skip_errors=True)
    assert (summary.students_added, summary.enrolments_added, len(summary.errors)) == (1, 1, 5)


def test_unknown_year_and_bad_files(db, tmp_path) -> None:
    path = several_address_columns(tmp_path)
    with pytest.raises(NotFound):
        enrolments.import_enrolments(db, path, "2030-2031")
    no_columns = write_book(tmp_path / "x.xlsx", [["Nom", "Prénom"], ["Martin", "Jules"]])
    before = snapshot(db)
    with pytest.raises(RefusedInput, match="x.xlsx"):
        enrolments.import_enrolments(db, no_columns, YEAR)
    assert snapshot(db) == before


def test_dry_run(db, tmp_path) -> None:
    before = snapshot(db)
    summary = enrolments.import_enrolments(db, several_address_columns(tmp_path), YEAR, dry_run=True)
    assert (summary.students_added, summary.enrolments_added) == (3, 4)
    assert snapshot(db) == before


def test_one_audit_summary(db, tmp_path) -> None:
    enrolments.import_enrolments(db, several_address_columns(tmp_path), YEAR)
    with db.transaction() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.entity == "enrolment")).all()
    assert [(e.action, e.entity_id) for e in events] == [("import", YEAR)]
    assert events[0].after["enrolments_added"] == 4
