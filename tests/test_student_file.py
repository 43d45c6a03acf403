"""The student's file and the search behind Ctrl+K, from the services and from `cnam-desk student`."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import results_data
from letters_data import SESSION, seed_requests

from cnam_desk import student_file
from cnam_desk.db.models import AccommodationRequest, Student
from cnam_desk.errors import NotFound
from cnam_desk.grading import entry
from cnam_desk.progress import run_to_end
from cnam_desk.requests import letter_files
from cnam_desk.requests.letter_state import LetterState

S1 = "2023-2024/S1/1"
S2 = "2023-2024/S1/2"


def test_search_by_name_without_accents_or_case(db) -> None:
    seed_requests(db)
    hits = student_file.search_students(db, "nguyen")
    assert [h.number for h in hits] == ["100023003"]
    assert [h.number for h in student_file.search_students(db, "ZOLC lukasz")] == ["100023002"]
    assert [h.number for h in student_file.search_students(db, "agaoglu")] == ["100023004"]
    assert [h.number for h in student_file.search_students(db, "lefevre dupre zoe")] == ["100023001"]
    assert student_file.search_students(db, "durand") == []
    assert student_file.search_students(db, "  ") == []


def test_search_by_number_exact_first_then_prefix(db) -> None:
    seed_requests(db)
    assert [h.number for h in student_file.search_students(db, "100023001")] == ["100023001"]
    prefix = [h.number for h in student_file.search_students(db, "10002300")]
    assert prefix == ["100023004", "100023005", "100023001", "100023003", "100023002"]  # by name
    # Known only from a request: found too, and said so.
    (unlinked,) = student_file.search_students(db, "o'connor")
    assert unlinked.number == "100099999" and not unlinked.on_record


def test_search_is_the_same_on_every_database_for_many_students(db) -> None:
    with db.transaction() as s:
        s.add_all(Student(number=f"2{i:07d}", last_name=name, first_name="Élodie")
                  for i, name in enumerate(["Lefèvre", "LEFEVRE", "lefèvre-Dupré", "Lefebvre", "Lèfevre"] * 20))
    hits = student_file.search_students(db, "lefevre", limit=500)
    assert len(hits) == 80 and {h.last_name for h in hits} == {"Lefèvre", "LEFEVRE", "lefèvre-Dupré", "Lèfevre"}
    assert len(student_file.search_students(db, "lefevre")) == 50  # a list to choose from, not thousands


def test_the_file_of_a_student_with_requests_and_letters(db, tmp_path) -> None:
    ids = seed_requests(db)
    file = student_file.student_file(db, " 100023001 ")
    assert (file.student_number, file.last_name, file.first_name) == ("100023001", "Lefèvre-Dupré", "Zoë")
    assert file.postal_address == "12 rue des Écoles\n75005 Paris" and file.on_record
    by_id = {line.id: line for line in file.requests}
    assert set(by_id) == {ids["accepted"], ids["other_session"]}
    accepted = by_id[ids["accepted"]]
    assert accepted.session == SESSION and accepted.letter.state is LetterState.TO_PRINT
    assert accepted.as_json()["letter"] == "to_print" and accepted.ues == ("NFA031", "NFP107")
    assert file.letters == []

    chosen, _files = run_to_end(letter_files.write_letters(db, SESSION, tmp_path))
    mine = next(letter for letter in chosen if letter.reference.endswith(f"-{ids['accepted']:06d}"))
    letter_files.record_printed(db, [mine.reference])
    file = student_file.student_file(db, "100023001")
    accepted = next(line for line in file.requests if line.id == ids["accepted"])
    assert accepted.letter.state is LetterState.PRINTED and accepted.letter.text.startswith("imprimé le ")
    assert [(line.reference, line.print_count) for line in file.letters] == [(mine.reference, 1)]
    # Nothing the student wrote in free text is in the file.
    with db.transaction() as s:
        s.get(AccommodationRequest, ids["accepted"]).comment = "mon médecin dit que…"
    assert "médecin" not in json.dumps(student_file.student_file(db, "100023001").as_json(), ensure_ascii=False)


def test_a_number_known_only_from_a_request(db) -> None:
    ids = seed_requests(db)
    file = student_file.student_file(db, "100099999")
    assert not file.on_record and (file.last_name, file.first_name) == ("O'Connor", "Siobhan")
    assert [line.id for line in file.requests] == [ids["unlinked"]] and file.enrolments == [] and file.exams == []
    with pytest.raises(NotFound, match="Aucun auditeur ni aucune demande avec le numéro « 424242 »"):
        student_file.student_file(db, "424242")


def test_exams_grades_history_and_session_2(db) -> None:
    results_data.seed(db)
    results_data.grade(db, S1, "NFA031", "101", "8")
    results_data.grade(db, S1, "NFA031", "101", "8,5", reason="erreur de report")
    results_data.grade(db, S1, "NFA008", "101", "14")
    file = student_file.student_file(db, "101")
    assert file.enrolments == [("NFA008", "Bases de données", "2023-2024"), ("NFA031", "Programmation Java", "2023-2024"),
                               ("STA001", "Statistique", "2023-2024")]
    # Session 1 exams of the three UEs; session 2 only for NFA031, below 10.
    assert [(e.ue, e.session) for e in file.exams] == [("NFA031", S1), ("NFA008", S1), ("STA001", S1), ("NFA031", S2)]
    first = file.exams[0]
    assert (first.date, first.start, first.end, first.room) == (dt.date(2024, 1, 22), dt.time(9), dt.time(12), "Salle 1")
    grades = {(g.ue, g.session): g for g in file.grades}
    nfa031 = grades[("NFA031", S1)]
    assert str(nfa031.grade) == "8.50" and nfa031.result.value == "AJ" and not nfa031.published
    assert [(c.old, c.new, c.reason) for c in nfa031.history] == [(None, "8", ""), ("8", "8.5", "erreur de report")]
    assert grades[("NFA008", S1)].result.value == "ADM"

    results_data.grade(db, S2, "NFA031", "101", "13")
    for number in ("100", "102", "103", "104", "105"):
        results_data.grade(db, S1, "NFA008", number, "ABI")
    entry.publish_by_keys(db, S1, "NFA008")
    data = student_file.student_file(db, "101").as_json()
    assert {"ue": "NFA031", "session": S2, "grade": 13, "result": "ADM"}.items() <= next(
        g for g in data["grades"] if g["session"] == S2).items()
    assert next(g for g in data["grades"] if g["ue"] == "NFA008")["published"] is True


def test_student_command_json_and_text(cli, db) -> None:
    ids = seed_requests(db)
    result = cli("student", "100023001", "--json")
    assert result.code == 0, result
    data = json.loads(result.out)
    assert list(data)[:4] == ["student_number", "last_name", "first_name", "postal_address"]
    for key in ("enrolments", "exams", "requests", "letters", "grades", "attestations"):
        assert isinstance(data[key], list)
    accepted = next(r for r in data["requests"] if r["id"] == ids["accepted"])
    assert {"id", "session", "status", "kind", "letter"} <= accepted.keys()
    assert (accepted["status"], accepted["kind"], accepted["letter"]) == ("accepted", "overlap", "to_print")
    pending = cli("student", "100023005", "--json")
    assert json.loads(pending.out)["requests"][0]["letter"] is None

    text = cli("student", "100023001")
    assert text.code == 0, text
    assert "Auditeur 100023001 : LEFÈVRE-DUPRÉ Zoë" in text.out
    assert "Adresse : 12 rue des Écoles, 75005 Paris" in text.out
    assert "acceptée le mercredi 10 janvier 2024 à 11h00 ; courrier à imprimer" in text.out

    unknown = cli("student", "424242")
    assert unknown.code == 1 and "Aucun auditeur ni aucune demande avec le numéro « 424242 »" in unknown.err
    assert not unknown.out
    assert cli("student").code == 2


@pytest.mark.parametrize("command", [["student", "100023001", "--json"], ["dashboard", "--session", SESSION, "--json"]])
def test_the_commands_import_no_qt(database_url: str, db, command: list[str]) -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    seed_requests(db)
    probe = (
        "import sys; from cnam_desk.cli import main; code = main(['--db', sys.argv[1]] + sys.argv[2:]); "
        "assert code == 0; assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt imported'"
    )
    result = subprocess.run([sys.executable, "-c", probe, database_url, *command], capture_output=True, text=True,
                            cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr
