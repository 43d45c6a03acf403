"""Deciding requests: every decision, changes before and after the letter is printed, two clerks at once."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from cnam_desk import frenchdates
from cnam_desk.database import open_database
from cnam_desk.db.models import Arrangement, Letter, RefusalReason, RequestStatus
from cnam_desk.errors import EditConflict, NotFound, RefusedInput
from cnam_desk.requests import detail, intake, queue, review
from cnam_desk.requests.review import ArrangementInput, Decision
from tests.conftest import ROOT
from tests.requests_support import answer, seed_office, write_export

NOW = frenchdates.paris_instant(dt.date(2024, 1, 9), dt.time(10, 0))
LATER = dt.time(21, 30)


@pytest.fixture
def office(db, tmp_path):
    """Three requests of S1/1: 1 overlap (100001), 2 trip (100002), 3 disability (100004)."""
    seed_office(db)
    path = write_export(
        tmp_path / "f.xlsx",
        [
            answer(),
            answer(
                "100002",
                "Déplacement professionnel à l'étranger",
                "RSX101",
                response_id=2,
                trip_start="24/01/2024",
                trip_end="26/01/2024",
            ),
            answer("100004", "Situation de handicap", "NFA031", response_id=3),
        ],
    )
    intake.import_requests(db, path)
    return db


def arrangement(**changes) -> ArrangementInput:
    values = {
        "ue_code": "NFA008",
        "date": dt.date(2024, 1, 22),
        "start": dt.time(21, 30),
        "end": dt.time(23, 59),
        "room": "Salle 11.B.05",
    }
    return ArrangementInput(**(values | changes))


def history(db, request_id: int) -> list[str]:
    return [line.text for line in detail.request_details(db, request_id).history]


# --- each decision --------------------------------------------------------------------------------


def test_accept_with_an_arrangement(office) -> None:
    row = review.decide(
        office, 1, Decision.ACCEPT, arrangement=arrangement(), expect_version=1, now=NOW
    )
    assert (row.status, row.version) == (RequestStatus.ACCEPTED, 2)
    details = detail.request_details(office, 1)
    assert details.arrangements == [
        detail.ArrangementLine(
            "NFA008", dt.date(2024, 1, 22), dt.time(21, 30), dt.time(23, 59), "Salle 11.B.05"
        )
    ]
    assert details.row.decided_by == "greffier.test"
    assert (
        history(office, 1)[-1]
        == "Acceptée : NFA008 le lundi 22 janvier 2024 de 21h30 à 23h59, Salle 11.B.05"
    )
    with office.transaction() as s:
        stored = s.scalar(select(Arrangement))
        assert stored.exam_id is not None  # linked to the schedule's NFA008 exam


def test_accept_with_the_only_ue_by_default(office) -> None:
    review.decide(
        office,
        2,
        "accept",
        arrangement=arrangement(ue_code=None, date=dt.date(2024, 1, 29), start=dt.time(9)),
        now=NOW,
    )
    assert detail.request_details(office, 2).arrangements[0].ue_code == "RSX101"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (None, "indiquez l'aménagement"),
        (arrangement(ue_code=None), "plusieurs UE"),
        (arrangement(ue_code="NFP107"), "L'UE NFP107 ne fait pas partie de la demande"),
        (arrangement(start=dt.time(21, 0), end=dt.time(20, 0)), "doit être après"),
        (arrangement(room="  "), "Indiquez la salle"),
        (arrangement(start=dt.time(19), end=dt.time(22)), "celui de l'examen NFA008 lui-même"),
        (arrangement(start=dt.time(20), end=dt.time(23)), "chevauche l'examen NFA031"),
        (
            arrangement(date=dt.date(2024, 1, 23), start=dt.time(17), end=dt.time(19)),
            "chevauche l'examen NFP107",
        ),
    ],
)
def test_accept_is_refused_when_the_arrangement_is_wrong(office, given, message) -> None:
    with pytest.raises(RefusedInput, match=message):
        review.decide(office, 1, "accept", arrangement=given, now=NOW)
    assert queue.get_row(office, 1).status is RequestStatus.PENDING


def test_refuse_with_a_reason_of_the_list(office) -> None:
    reasons = review.refusal_reasons(office)
    row = review.decide(
        office, 2, "refuse", reason="4", comment="Merci de nous écrire plus tôt.", now=NOW
    )
    assert row.status is RequestStatus.REFUSED
    details = detail.request_details(office, 2)
    assert details.decision_reason == reasons[3]
    assert details.decision_comment == "Merci de nous écrire plus tôt."
    # By its text, accents and case aside, or by its beginning.
    assert (
        review.match_refusal_reason(
            reasons, "demande recue apres la date limite de demande d'amenagement"
        )
        == reasons[0]
    )
    assert review.match_refusal_reason(reasons, "Les examens indiqués") == reasons[1]


def test_refuse_needs_a_reason_of_the_list(office) -> None:
    with pytest.raises(RefusedInput, match="choisissez un motif"):
        review.decide(office, 2, "refuse", now=NOW)
    with pytest.raises(RefusedInput, match="absent de la liste du service : 1. Demande reçue"):
        review.decide(office, 2, "refuse", reason="parce que", now=NOW)
    with pytest.raises(RefusedInput, match="absent de la liste"):
        review.decide(office, 2, "refuse", reason="99", now=NOW)


def test_incomplete_says_what_is_missing_and_until_when(office) -> None:
    row = review.decide(office, 2, "incomplete", reason="l'ordre de mission signé", now=NOW)
    assert row.status is RequestStatus.INCOMPLETE
    details = detail.request_details(office, 2)
    assert details.missing_items == "l'ordre de mission signé"
    assert details.reply_by == dt.date(2024, 1, 16)
    review.decide(
        office, 2, "incomplete", reason="le billet", reply_by=dt.date(2024, 1, 12), now=NOW
    )
    assert detail.request_details(office, 2).reply_by == dt.date(2024, 1, 12)
    with pytest.raises(RefusedInput, match="déjà passée"):
        review.decide(
            office, 2, "incomplete", reason="le billet", reply_by=dt.date(2024, 1, 8), now=NOW
        )
    with pytest.raises(RefusedInput, match="ce qui manque"):
        review.decide(office, 2, "incomplete", now=NOW)


def test_redirect(office) -> None:
    with pytest.raises(RefusedInput, match="vers qui"):
        review.decide(office, 1, "redirect", now=NOW)
    row = review.decide(office, 1, "redirect", reason="secrétariat pédagogique", now=NOW)
    assert row.status is RequestStatus.REDIRECTED
    assert history(office, 1)[-1] == "Redirigée vers secrétariat pédagogique"


def test_disability_is_only_redirected(office) -> None:
    for decision in ("accept", "refuse", "incomplete"):
        with pytest.raises(RefusedInput, match="Handi'Cnam"):
            review.decide(
                office, 3, decision, reason="1", arrangement=arrangement(ue_code="NFA031"), now=NOW
            )
    assert queue.get_row(office, 3).status is RequestStatus.REDIRECTED


def test_unknown_request_and_decision(office) -> None:
    with pytest.raises(NotFound, match="n° 99"):
        review.decide(office, 99, "refuse", reason="1")
    with pytest.raises(RefusedInput, match="Décision « approve » inconnue"):
        review.decide(office, 1, "approve")


# --- changing a decision -----------------------------------------------------------------------------


def test_a_decision_can_be_changed_until_its_letter_is_printed(office) -> None:
    review.decide(office, 1, "refuse", reason="2", now=NOW)
    row = review.decide(office, 1, "accept", arrangement=arrangement(), now=NOW)
    assert row.status is RequestStatus.ACCEPTED
    details = detail.request_details(office, 1)
    assert details.decision_reason == ""  # nothing of the refusal left
    assert history(office, 1)[-1].startswith(
        "Décision modifiée (était : refusée) : Acceptée : NFA008"
    )


def test_after_printing_only_with_a_reason_kept_in_the_history(office) -> None:
    row = review.decide(office, 1, "accept", arrangement=arrangement(), now=NOW)
    printed = NOW + dt.timedelta(hours=2)
    with office.transaction() as s:
        s.add(
            Letter(
                request_id=1,
                reference="DA-2024-0001",
                decision=RequestStatus.ACCEPTED,
                generated_at=printed,
                printed_at=printed,
                print_count=1,
            )
        )
    with pytest.raises(
        review.ChangeReasonRequired, match="imprimé le mardi 9 janvier 2024 à 12h00"
    ):
        review.decide(office, 1, "refuse", reason="2", expect_version=row.version)
    assert queue.get_row(office, 1).status is RequestStatus.ACCEPTED
    row = review.decide(
        office,
        1,
        "refuse",
        reason="2",
        expect_version=row.version,
        change_reason="erreur de lecture du planning",
    )
    assert row.status is RequestStatus.REFUSED
    lines = history(office, 1)
    assert "Courrier DA-2024-0001 imprimé" in lines
    assert lines[-1].endswith("; motif du changement : erreur de lecture du planning")
    assert detail.request_details(office, 1).letter_printed_at is not None


# --- two clerks -----------------------------------------------------------------------------------


def test_second_decision_on_an_old_version_is_refused(office, database_url) -> None:
    other = open_database(database_url, clerk="marie.durand")
    review.decide(other, 1, "accept", arrangement=arrangement(), expect_version=1, now=NOW)
    other.dispose()
    with pytest.raises(EditConflict) as conflict:
        review.decide(office, 1, "refuse", reason="2", expect_version=1)
    message = str(conflict.value)
    assert "décision « acceptée » prise par marie.durand le mardi 9 janvier 2024 à 10h00" in message
    assert "Rien n'a été enregistré" in message
    row = queue.get_row(office, 1)
    assert (row.status, row.version, row.decided_by) == (RequestStatus.ACCEPTED, 2, "marie.durand")


DECIDER = """
import json, sys, time
from pathlib import Path
from cnam_desk.database import open_database
from cnam_desk.errors import EditConflict
from cnam_desk.requests import review
url, clerk, decision, go = sys.argv[1:5]
db = open_database(url, clerk=clerk)
while not Path(go).exists():
    time.sleep(0.005)
try:
    if decision == "accept":
        import datetime as dt
        arrangement = review.ArrangementInput("NFA008", dt.date(2024, 1, 22), dt.time(21, 30), dt.time(23, 59), "Salle 2")
        row = review.decide(db, 1, "accept", arrangement=arrangement, expect_version=1)
    else:
        row = review.decide(db, 1, "refuse", reason="2", expect_version=1)
    print(json.dumps({"ok": row.status.value}))
except EditConflict as error:
    print(json.dumps({"conflict": str(error)}))
"""


def test_two_processes_decide_the_same_request_at_once(office, database_url, tmp_path) -> None:
    """Two clerks' programs, on the same database, decide the same version: one wins, the other is told."""
    script = tmp_path / "decider.py"
    script.write_text(DECIDER, encoding="utf-8")
    go = tmp_path / "go"
    env = dict(os.environ) | {"PYTHONPATH": str(ROOT)}
    clerks = {"accept": "anne.clerc", "refuse": "paul.greffe"}
    processes = {
        decision: subprocess.Popen(
            [sys.executable, str(script), database_url, clerk, decision, str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for decision, clerk in clerks.items()
    }
    time.sleep(1.5)  # both have opened the database and wait for the signal
    go.write_text("go")
    results = {}
    for decision, process in processes.items():
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        results[decision] = json.loads(out.strip().splitlines()[-1])
    winners = [d for d, r in results.items() if "ok" in r]
    losers = [d for d, r in results.items() if "conflict" in r]
    assert len(winners) == 1 and len(losers) == 1, results
    winner = winners[0]
    message = results[losers[0]]["conflict"]
    assert f"prise par {clerks[winner]}" in message and "Rien n'a été enregistré" in message
    row = queue.get_row(office, 1)
    assert row.version == 2 and row.decided_by == clerks[winner]
    assert row.status is review.Decision(winner).status
    # Nothing of the losing decision was written.
    assert sum("Acceptée" in line or "Refusée" in line for line in history(office, 1)) == 1


# --- the office's list of reasons --------------------------------------------------------------------


def test_refusal_reasons_are_editable(office) -> None:
    first = review.refusal_reasons(office)
    assert len(first) == 6 and first[0].startswith("Demande reçue après la date limite")
    review.set_refusal_reasons(office, ["Nouveau motif", first[1], "  ", first[1]])
    assert review.refusal_reasons(office) == ["Nouveau motif", first[1]]
    with office.transaction() as s:
        # Reasons taken off the list stay for the letters that used them.
        assert s.scalar(select(RefusalReason).where(RefusalReason.text == first[0])).active is False
    review.set_refusal_reasons(office, [first[0]])
    assert review.refusal_reasons(office) == [first[0]]
    with pytest.raises(RefusedInput, match="ne peut pas être vide"):
        review.set_refusal_reasons(office, [" "])


# --- the command line --------------------------------------------------------------------------------


def test_requests_command_json(office, cli) -> None:
    result = cli("requests", "--session", "2023-2024/S1/1", "--json")
    assert result.code == 0, result
    rows = json.loads(result.out)
    assert [r["id"] for r in rows] == [1, 2, 3]
    assert set(rows[0]) == {
        "id",
        "version",
        "student_number",
        "kind",
        "status",
        "received_at",
        "ues",
        "receipts",
        "checks",
        "as_typed",
    }
    assert rows[0] == {
        "id": 1,
        "version": 1,
        "student_number": "100001",
        "kind": "overlap",
        "status": "pending",
        "received_at": "2024-01-05T10:30:00+01:00",
        "ues": ["NFA031", "NFA008"],
        "receipts": 1,
        "checks": {
            "deadline": "on_time",
            "overlap": "confirmed",
            "proof": None,
            "trip_covers_exam": None,
        },
        "as_typed": {},
    }
    assert rows[1]["checks"] == {
        "deadline": "on_time",
        "overlap": None,
        "proof": "missing",
        "trip_covers_exam": True,
    }
    assert rows[2]["status"] == "redirected" and rows[2]["checks"]["deadline"] == "exempt"
    pending = json.loads(cli("requests", "--status", "pending", "--json").out)
    assert [r["id"] for r in pending] == [1, 2]
    text = cli("requests")
    assert (
        text.code == 0
        and "Chevauchement d'examens" in text.out
        and "chevauchement confirmé" in text.out
    )


def test_requests_command_refuses_bad_options(office, cli) -> None:
    assert cli("requests", "--status", "waiting").code == 2
    result = cli("requests", "--session", "2023-2024/S9/1")
    assert result.code == 1 and "2023-2024/S9/1" in result.err
    assert cli("requests", "--session", "2023-2024/S2/2").out.strip() == "Aucune demande."


def test_decide_command(office, cli) -> None:
    result = cli(
        "decide",
        "1",
        "accept",
        "--exam",
        "NFA008",
        "--date",
        "2024-01-22",
        "--start",
        "21:30",
        "--end",
        "23:59",
        "--room",
        "Salle 11.B.05",
        "--expect-version",
        "1",
        "--json",
    )
    assert result.code == 0, result
    assert json.loads(result.out)["status"] == "accepted" and json.loads(result.out)["version"] == 2
    # The same version again: conflict, exit 1, one French line naming who and when.
    again = cli("decide", "1", "refuse", "--reason", "2", "--expect-version", "1")
    assert again.code == 1
    assert (
        again.err.count("\n") == 1
        and "greffier.test" in again.err
        and "Rien n'a été enregistré" in again.err
    )
    refused = cli("decide", "2", "refuse", "--reason", "4", "--comment", "désolé")
    assert refused.code == 0 and "refusée" in refused.out
    incomplete = cli(
        "decide",
        "2",
        "incomplete",
        "--reason",
        "l'ordre de mission",
        "--reply-by",
        "2099-01-01",
        "--json",
    )
    assert incomplete.code == 0 and json.loads(incomplete.out)["status"] == "incomplete"


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("1", "accept"), 1, "--date"),
        (
            (
                "1",
                "accept",
                "--date",
                "22/01/2024",
                "--start",
                "9:00",
                "--end",
                "10:00",
                "--room",
                "A",
            ),
            1,
            "AAAA-MM-JJ",
        ),
        (
            (
                "1",
                "accept",
                "--exam",
                "NFA008",
                "--date",
                "2024-01-22",
                "--start",
                "soir",
                "--end",
                "23:00",
                "--room",
                "A",
            ),
            1,
            "soir",
        ),
        (("1", "refuse", "--room", "A"), 1, "acceptation"),
        (("1", "approve"), 2, "approve"),
        (("x", "refuse"), 2, "x"),
        (("42", "refuse", "--reason", "1"), 1, "n° 42"),
        (
            (
                "3",
                "accept",
                "--exam",
                "NFA031",
                "--date",
                "2024-01-29",
                "--start",
                "9:00",
                "--end",
                "12:00",
                "--room",
                "A",
            ),
            1,
            "Handi'Cnam",
        ),
    ],
)
def test_decide_command_errors(office, cli, args, code, words) -> None:
    result = cli("decide", *args)
    assert result.code == code, result
    assert words in result.err


def test_import_requests_command(db, cli, tmp_path) -> None:
    seed_office(db)
    path = write_export(
        tmp_path / "f.xlsx",
        [answer(), answer(response_id=2, completed=dt.datetime(2024, 1, 6, 8, 0))],
    )
    result = cli("import-requests", str(path), "--json")
    assert result.code == 0, result
    assert json.loads(result.out) == {"added": 1, "merged": 1, "unchanged": 0, "errors": [], "warnings": [], "numbers_matched": []}
    again = cli("import-requests", str(path))
    assert again.code == 0 and "2 déjà importés" in again.out
    bad = write_export(
        tmp_path / "bad.xlsx",
        [answer(response_id=5, ues="ZZZ999"), answer(response_id=6, number="")],
    )
    result = cli("import-requests", str(bad), "--json")
    assert result.code == 1
    # The unknown UE is kept as typed; the answer without a student number cannot be a request.
    assert json.loads(result.out) == {
        "added": 0,
        "merged": 0,
        "unchanged": 0,
        "errors": [
            {"sheet": "Feuil1", "row": 3, "column": "G", "message": "numéro d'auditeur manquant"},
        ],
        "warnings": [],
        "numbers_matched": [],
    }
    assert result.err.startswith(
        "cnam-desk : fichier « bad.xlsx », feuille « Feuil1 », ligne 3, colonne G : numéro d'auditeur manquant"
    )
    plain = cli("import-requests", str(bad))
    assert plain.code == 1 and "ligne 3, colonne G" in plain.err and "Rien n'a été importé" in plain.err


def test_import_requests_command_with_columns_and_session(db, cli, tmp_path) -> None:
    seed_office(db)
    path = write_export(
        tmp_path / "f.xlsx", [answer()], questions=["Q1", "Q2", "Q3", "Q4", "Motif", "Q6"]
    )
    result = cli(
        "import-requests",
        str(path),
        "--session",
        "2023-2024/S1/2",
        "--column",
        "student_number=Q1",
        "--column",
        "exams=Q6",
        "--json",
    )
    assert result.code == 0, result
    assert json.loads(cli("requests", "--session", "2023-2024/S1/2", "--json").out)[0]["ues"] == [
        "NFA031",
        "NFA008",
    ]
    assert cli("import-requests", str(path), "--column", "ue=Q6").code == 1
    missing = cli("import-requests", str(tmp_path / "absent.xlsx"))
    assert missing.code == 1 and "absent.xlsx" in missing.err


def test_request_commands_import_no_qt(office, database_url) -> None:
    probe = (
        "import sys; from cnam_desk.cli import main; "
        "assert main(['--db', sys.argv[1], 'requests', '--json']) == 0; "
        "assert main(['--db', sys.argv[1], 'decide', '1', 'refuse', '--reason', '2']) == 0; "
        "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, database_url], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
