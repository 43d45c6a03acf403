"""Student numbers are the office's, never paths; every file name written is safe and unique in its batch."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from cnam_desk import parsing, paths
from cnam_desk.db.engine import Database
from cnam_desk.db.models import CourseUnit, Enrolment, Grade, Publication, Student
from cnam_desk.errors import RefusedInput
from cnam_desk.grading import paper
from cnam_desk.requests import intake, manual
from cnam_desk.schedule import exam_calendar
from tests.requests_support import answer, seed_office, write_export
from tests.schedule_files import write_book

HOSTILE = ["../../x", "777/1", "..\\\\x", "12 34/5", "A/123", "ABCD1234", "1" * 13, "", "PA", "NFA031;", "1234\x00"]


@pytest.mark.parametrize("number", ["100023001", "0004", "PA100023", "pa 100 023", "1"])
def test_the_office_s_numbers_pass(number: str) -> None:
    assert parsing.student_number_problem("".join(number.split()).upper()) is None


@pytest.mark.parametrize("number", HOSTILE)
def test_anything_else_is_refused(number: str) -> None:
    problem = parsing.student_number_problem(number)
    assert problem is not None and "invalide" in problem and "1 à 12 chiffres" in problem


def test_import_enrolments_refuses_paths_as_numbers(cli, tmp_path) -> None:
    rows = [["Numéro d'auditeur", "Nom", "Prénom", "UE"], ["100023001", "Dupont", "Léa", "NFA031"]]
    rows += [[number, f"Nom{i}", "", "NFA031"] for i, number in enumerate(["../../x", "777/1", "777-1"])]
    path = write_book(tmp_path / "inscrits.xlsx", {"Inscrits": rows})
    done = cli("import-enrolments", str(path), "--year", "2023-2024")
    assert done.code == 1, done
    assert "inscrits.xlsx" in done.err and "Inscrits" in done.err and "ligne 3" in done.err
    assert "colonne A : numéro d'auditeur « ../../X » invalide" in done.err and "« 777/1 » invalide" in done.err
    listed = cli("import-enrolments", str(path), "--year", "2023-2024", "--dry-run", "--json")
    errors = json.loads(listed.out)["errors"] if listed.out.strip() else []
    if errors:  # --json lists every row error
        assert [e["row"] for e in errors] == [3, 4, 5] and {e["column"] for e in errors} <= {"A", "Numéro d'auditeur"}
    skipped = cli("import-enrolments", str(path), "--year", "2023-2024", "--skip-errors", "--json")
    assert skipped.code == 0, skipped
    assert json.loads(skipped.out)["students_added"] == 1


def test_forms_export_refuses_a_path_as_number(db: Database, tmp_path) -> None:
    seed_office(db)
    path = write_export(tmp_path / "f.xlsx", [answer("100001"), answer("../../etc/passwd", response_id=2)])
    with pytest.raises(RefusedInput) as refused:
        intake.import_requests(db, path)
    assert "ligne 3, colonne G : numéro d'auditeur « ../../ETC/PASSWD » invalide" in str(refused.value)


def test_hand_typed_request_refuses_a_path_as_number(db: Database) -> None:
    seed_office(db)
    typed = manual.HandTypedRequest(
        session_key="2023-2024/S1/1", student_number="777/1", reason_text="Deux examens le même jour",
        codes=["NFA031"], received_at=dt.datetime(2024, 1, 4, 9, tzinfo=dt.UTC),
    )  # fmt: skip
    with pytest.raises(RefusedInput, match="invalide"):
        manual.add_request(db, typed)


@pytest.mark.parametrize(
    ("name", "safe"),
    [("../../x.pdf", "x.pdf"), ("777/1.pdf", "777-1.pdf"), ("Zoë Lefèvre.pdf", "Zoe-Lefevre.pdf"), ("CON", "CON-fichier"),
     ("..", "fichier"), ("a\\\\b:c*?.PDF", "a-b-c.pdf"),
     ("attestation-100003-Łukasiewicz.pdf", "attestation-100003-Lukasiewicz.pdf"), ("Øster Straße.pdf", "Oster-Strasse.pdf")],
)  # fmt: skip
def test_safe_file_names(name: str, safe: str) -> None:
    assert paths.safe_file_name(name) == safe


def test_names_of_a_batch_are_unique() -> None:
    names = paths.UniqueNames()
    made = [names(n) for n in ("a-1.pdf", "a/1.pdf", "A 1.pdf", "a-1.pdf")]
    assert len({m.lower() for m in made}) == 4 and all("/" not in m and " " not in m for m in made)


def test_four_clashing_numbers_give_four_attestations(db: Database, tmp_path) -> None:
    # Numbers from before the rule (stored by an older version): their files must not overwrite each other.
    numbers = ["777/1", "777-1", "777 1", "777\\\\1"]
    with db.transaction() as s:
        unit = CourseUnit(code="NFA031", title="Java", ects=Decimal(6))
        s.add(unit)
        session = exam_calendar.find_session(s, "2023-2024/S1/1")
        year = exam_calendar.find_year(s, "2023-2024")
        for i, number in enumerate(numbers):
            student = Student(number=number, last_name=f"Nom{i}")
            s.add_all([student, Enrolment(student=student, course_unit=unit, year=year)])
            s.add(Grade(session=session, course_unit=unit, student=student, value=Decimal(12),
                        entered_at=dt.datetime(2024, 2, 1, tzinfo=dt.UTC)))  # fmt: skip
        s.flush()
        s.add(Publication(session_id=session.id, course_unit_id=unit.id, published_at=dt.datetime(2024, 2, 2, tzinfo=dt.UTC)))
    out = tmp_path / "attestations"
    written = paper.write_success(db, "2023-2024", out)
    assert len(written) == 4 and len(set(written)) == 4
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)
    assert all(p.parent == out for p in written)
