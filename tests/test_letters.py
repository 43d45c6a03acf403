"""Decision letters from the database: selection, order, Letter rows, files, printing records, the command line."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from letters_data import OTHER_SESSION, SESSION, seed_requests
from pdf_reading import page_texts
from sqlalchemy import select

from cnam_desk import frenchdates, office, printing
from cnam_desk.db.models import AccommodationRequest, AuditEvent, Letter, RequestStatus
from cnam_desk.documents import Letterhead
from cnam_desk.errors import NotFound, RefusedInput
from cnam_desk.frenchdates import paris_instant
from cnam_desk.progress import run_to_end
from cnam_desk.requests import letter_files, letters

NOW = paris_instant(dt.date(2024, 2, 4), dt.time(10, 30))
LATER = paris_instant(dt.date(2024, 3, 1), dt.time(9))


@pytest.fixture
def ids(db) -> dict[str, int]:
    return seed_requests(db)


def letter_rows(db) -> list[Letter]:
    with db.transaction() as s:
        return list(s.scalars(select(Letter).order_by(Letter.id)))


def test_the_session_decided_requests_in_each_order(db, ids):
    by_name = letters.letters_for_session(db, SESSION, pending_only=False, order="name")
    assert [s.last_name for s in by_name] == ["Ağaoğlu", "Lefèvre-Dupré", "Nguyễn", "O'Connor", "Żółć"]
    by_decision = letters.letters_for_session(db, SESSION, pending_only=False, order="decision")
    assert [s.decision.value for s in by_decision] == ["accepted", "refused", "refused", "incomplete", "redirected"]
    assert [s.last_name for s in by_decision][1:3] == ["O'Connor", "Żółć"]
    by_date = letters.letters_for_session(db, SESSION, pending_only=False, order="date")
    assert [s.request_id for s in by_date] == [ids[k] for k in ("redirected", "refused", "accepted", "incomplete", "unlinked")]
    assert all(s.pending and s.reference is None for s in by_name)
    with pytest.raises(RefusedInput, match="Ordre « taille » inconnu"):
        letters.letters_for_session(db, SESSION, order="taille")
    with pytest.raises(NotFound, match="2031-2032/S1/1 n'existe pas"):
        letters.letters_for_session(db, "2031-2032/S1/1")


def test_one_file_per_letter_with_names_addresses_dates_and_wording(db, ids, tmp_path):
    chosen, files = run_to_end(letter_files.write_letters(db, SESSION, tmp_path, now=NOW))
    assert len(files) == 5 and all(f.parent == tmp_path and f.stat().st_size > 0 for f in files)
    by_ref = {letter.reference: path for letter, path in zip(chosen, files)}
    accepted = f"SE-2024-{ids['accepted']:06d}"
    assert by_ref[accepted].name == f"{accepted}_zoe-lefevre-dupre.pdf"
    text = page_texts(by_ref[accepted])[0]
    for written in (
        "Zoë Lefèvre-Dupré 12 rue des Écoles 75005 Paris",
        f"Notre référence : {accepted}",
        "Numéro d'auditeur : 100023001",
        "Paris, le 4 février 2024",
        "Objet : Demande d'aménagement d'examen – semestre 1, session 1 de l'année 2023-2024",
        "Par votre demande reçue le 5 janvier 2024",
        "qu'elle est acceptée",
        "NFP107 Systèmes de gestion de bases de données mardi 23 janvier 2024 18h00 – 21h00 Salle 17.2.04",
        "NFA031 Programmation avec Java : notions de base lundi 22 janvier 2024 18h00 – 21h00 Amphi Abbé-Grégoire",
    ):
        assert written in text, written
    refused = page_texts(by_ref[f"SE-2024-{ids['refused']:06d}"])[0]
    assert "Łukasz Żółć 3 rue Oberkampf Bâtiment B 75011 Paris" in refused
    assert "pour le motif suivant : Les deux épreuves n'ont pas lieu au même moment." in refused
    incomplete = page_texts(by_ref[f"SE-2024-{ids['incomplete']:06d}"])[0]
    assert "Thị Minh Khai Nguyễn" in incomplete
    assert "• Justificatif de déplacement signé par l'employeur • Dates du déplacement" in incomplete
    assert "au plus tard le lundi 15 janvier 2024" in incomplete
    redirected = page_texts(by_ref[f"SE-2024-{ids['redirected']:06d}"])[0]
    assert "Ahmet Ağaoğlu" in redirected and "handicnam_paris@lecnam.net" in redirected
    unlinked = page_texts(by_ref[f"SE-2024-{ids['unlinked']:06d}"])[0]
    assert "Siobhan O'Connor" in unlinked and "Numéro d'auditeur : 100099999" in unlinked
    rows = letter_rows(db)
    assert len(rows) == 5
    assert {row.decision for row in rows} == {RequestStatus.ACCEPTED, RequestStatus.REFUSED, RequestStatus.INCOMPLETE, RequestStatus.REDIRECTED}
    assert all(row.generated_at == NOW and row.print_count == 0 and row.printed_at is None for row in rows)


def test_one_batch_file_in_the_chosen_order_and_a_second_generation_updates_the_rows(db, ids, tmp_path):
    _chosen, files = run_to_end(letter_files.write_letters(db, SESSION, tmp_path, single_file=True, order="decision", now=NOW))
    assert len(files) == 1 and files[0].name == "courriers_2023-2024-s1-1_20240204-103000.pdf"
    texts = page_texts(files[0])
    assert len(texts) == 5
    assert ["acceptée" in texts[0], "refusée" in texts[1], "refusée" in texts[2], "incomplet" in texts[3], "Handi'Cnam" in texts[4]] == [True] * 5
    references = [row.reference for row in letter_rows(db)]
    run_to_end(letter_files.write_letters(db, SESSION, tmp_path, single_file=True, now=LATER))
    rows = letter_rows(db)
    assert [row.reference for row in rows] == references  # same letters, generated again
    assert all(row.generated_at == LATER for row in rows)
    assert not list(tmp_path.glob(".*.part"))


def test_printing_records_the_print_and_pending_leaves_printed_letters_out(db, ids, monkeypatch):
    sent: list[tuple[str, str | None, str, int]] = []

    def fake_print(path, printer=None, title="Cnam Desk", copies=1):
        sent.append((Path(path).name, printer, title, len(page_texts(path))))
        return f"{printer}-{len(sent)}"

    monkeypatch.setattr(printing, "print_pdf", fake_print)
    monkeypatch.setattr(printing, "list_printers", lambda: ["PDF"])
    chosen, jobs = run_to_end(letter_files.print_letters(db, SESSION, printer="PDF", request_ids=[ids["accepted"]], now=NOW))
    assert jobs == ["PDF-1"] and sent[0][2] == f"Courrier SE-2024-{ids['accepted']:06d}"
    pending = letters.letters_for_session(db, SESSION, pending_only=True)
    assert ids["accepted"] not in [s.request_id for s in pending] and len(pending) == 4
    chosen, jobs = run_to_end(letter_files.print_letters(db, SESSION, printer="PDF", pending_only=True, single_job=True, now=NOW))
    assert jobs == ["PDF-2"] and sent[1][3] == 4 and len(chosen) == 4
    assert letters.letters_for_session(db, SESSION, pending_only=True) == []
    # A reprint is allowed and counted.
    reprinted, _jobs = run_to_end(
        letter_files.print_letters(db, SESSION, printer="PDF", request_ids=[ids["accepted"]], pending_only=False, now=LATER)
    )
    assert len(reprinted) == 1
    summary = {s.request_id: s for s in letters.letters_for_session(db, SESSION, pending_only=False)}[ids["accepted"]]
    assert summary.print_count == 2 and summary.printed_at == LATER
    with db.transaction() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.entity == "letter", AuditEvent.action == "update")).all()
    assert any(event.after.get("print_count") == 2 for event in events)


def test_a_new_decision_gets_a_new_letter(db, ids, tmp_path):
    run_to_end(letter_files.write_letters(db, SESSION, tmp_path, request_ids=[ids["incomplete"]], now=NOW))
    letter_files.record_printed(db, [f"SE-2024-{ids['incomplete']:06d}"], NOW)
    with db.transaction() as s:
        request = s.get(AccommodationRequest, ids["incomplete"])
        request.status = RequestStatus.ACCEPTED
        request.decided_at = LATER
    pending = letters.letters_for_session(db, SESSION, pending_only=True, request_ids=[ids["incomplete"]])
    assert [s.request_id for s in pending] == [ids["incomplete"]]
    chosen, files = run_to_end(letter_files.write_letters(db, SESSION, tmp_path, request_ids=[ids["incomplete"]], now=LATER))
    assert chosen[0].reference == f"SE-2024-{ids['incomplete']:06d}-2"
    assert "Paris, le 1er mars 2024" in page_texts(files[0])[0]
    assert [row.decision for row in letter_rows(db)] == [RequestStatus.INCOMPLETE, RequestStatus.ACCEPTED]


def test_requests_that_cannot_have_a_letter_are_refused(db, ids, tmp_path):
    with pytest.raises(RefusedInput, match=f"La demande n° {ids['pending']} n'est pas encore décidée"):
        run_to_end(letter_files.write_letters(db, SESSION, tmp_path, request_ids=[ids["pending"]]))
    with pytest.raises(NotFound, match=f"La demande n° {ids['other_session']} n'existe pas dans la session {SESSION}"):
        run_to_end(letter_files.write_letters(db, SESSION, tmp_path, request_ids=[ids["other_session"]]))
    (tmp_path / "un-fichier").write_text("")
    with pytest.raises(RefusedInput, match="est un fichier, pas un dossier"):
        run_to_end(letter_files.write_letters(db, SESSION, tmp_path / "un-fichier"))
    assert letter_rows(db) == []


def test_a_folder_that_does_not_exist_yet_is_created(db, ids, tmp_path):
    out = tmp_path / "courriers" / "janvier"
    chosen, files = run_to_end(letter_files.write_letters(db, SESSION, out, now=NOW))
    assert len(chosen) == 5 and sorted(f.name for f in out.iterdir()) == sorted(f.name for f in files)


def test_markup_from_the_database_prints_as_written(db, ids, tmp_path):
    _chosen, files = run_to_end(letter_files.write_letters(db, OTHER_SESSION, tmp_path, request_ids=[ids["markup"]], now=NOW))
    text = page_texts(files[0])[0]
    assert "Jean Dupont <Admin> & Fils 5 rue <b>Oberkampf</b> & Cie 75011 Paris" in text
    assert "Motif <i>x</i> & y" in text
    assert "semestre 1, session 2 de l'année 2023-2024" in text


def test_a_preview_records_nothing(db, ids, tmp_path):
    path = tmp_path / "apercu.pdf"
    shown = letter_files.render_for_requests(db, [ids["refused"], ids["accepted"]], path, persist=False, now=NOW)
    assert [letter.reference for letter in shown] == [f"SE-2024-{ids['refused']:06d}", f"SE-2024-{ids['accepted']:06d}"]
    assert len(page_texts(path)) == 2
    assert letter_rows(db) == []
    letter_files.render_for_requests(db, [ids["refused"]], tmp_path / "vrai.pdf", now=NOW)
    assert [row.reference for row in letter_rows(db)] == [f"SE-2024-{ids['refused']:06d}"]


def test_the_office_letterhead_is_stored_shared_and_used(db, ids, tmp_path):
    from PIL import Image

    assert office.get_letterhead(db) == Letterhead()
    logo = tmp_path / "logo.png"
    Image.new("RGB", (240, 100), (190, 0, 30)).save(logo)
    saved = office.set_letterhead(db, Letterhead(
        office_name="Service des examens", institution="Cnam Paris", address_lines=("292 rue Saint-Martin", "", "75003 Paris"),
        city="Paris", phone="01 40 27 20 00", email="examens@exemple.fr", logo_path=str(logo),
        signatory_name="Claire O'Connor", signatory_title="La responsable du service des examens",
    ))
    assert saved.address_lines == ("292 rue Saint-Martin", "75003 Paris")
    assert saved.logo_path and Path(saved.logo_path).read_bytes() == logo.read_bytes()
    logo.unlink()  # stored in the database: the original file is no longer needed
    assert office.get_letterhead(db) == saved
    assert office.set_letterhead(db, saved) == saved  # unchanged logo path: kept
    _chosen, files = run_to_end(letter_files.write_letters(db, SESSION, tmp_path, request_ids=[ids["accepted"]], now=NOW))
    text = page_texts(files[0])[0]
    assert "Claire O'Connor" in text and "examens@exemple.fr" in text
    without_logo = office.set_letterhead(db, Letterhead(**{**saved.__dict__, "logo_path": None}))
    assert without_logo.logo_path is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"city": " "}, "la ville"),
        ({"office_name": ""}, "le nom du service"),
        ({"address_lines": ()}, "l'adresse du service est obligatoire"),
        ({"address_lines": ("1", "2", "3", "4", "5")}, "4 lignes au plus"),
        ({"email": "pas une adresse"}, "adresse électronique"),
        ({"logo_path": "/nulle/part/logo.png"}, "introuvable"),
    ],
)
def test_a_bad_letterhead_is_refused(db, change, message):
    with pytest.raises(RefusedInput, match=message):
        office.set_letterhead(db, Letterhead(**{**Letterhead().__dict__, **change}))
    assert office.get_letterhead(db) == Letterhead()


def test_a_logo_that_is_not_an_image_is_refused(db, tmp_path):
    fake = tmp_path / "logo.png"
    fake.write_text("<svg/>")
    with pytest.raises(RefusedInput, match="n'est pas une image lisible"):
        office.set_letterhead(db, Letterhead(logo_path=str(fake)))


# --- the command line -------------------------------------------------------------------------


@pytest.fixture
def cli_ids(db, ids) -> dict[str, int]:
    db.dispose()  # the subprocess opens the same database
    return ids


def test_cli_writes_the_session_letters_and_says_so_in_json(cli, cli_ids, tmp_path):
    out = tmp_path / "courriers"
    out.mkdir()
    result = cli("letters", "--session", SESSION, "--out", str(out), "--order", "decision", "--json")
    assert result.code == 0, result
    data = json.loads(result.out)
    assert [row["decision"] for row in data["letters"]] == ["accepted", "refused", "refused", "incomplete", "redirected"]
    assert set(data["letters"][0]) == {
        "request_id", "reference", "student_number", "last_name", "first_name", "decision", "postal_address",
        "generated_at", "printed_at", "print_count",
    }
    assert data["letters"][0]["last_name"] == "Lefèvre-Dupré"
    assert len(data["files"]) == 5 and data["jobs"] == []
    today = frenchdates.paris(frenchdates.now()).date()
    text = page_texts(data["files"][0])[0]
    assert f"Paris, le {frenchdates.long_date(today, weekday=False)}" in text
    unlinked = next(row for row in data["letters"] if row["last_name"] == "O'Connor")
    assert unlinked["postal_address"] is False


def test_cli_single_file_for_one_request_and_plain_output(cli, cli_ids, tmp_path):
    result = cli("letters", "--session", SESSION, "--request", str(cli_ids["refused"]), "--request",
                 str(cli_ids["accepted"]), "--out", str(tmp_path), "--single-file")
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert lines[0].startswith("SE-") and "Lefèvre-Dupré Zoë : demande acceptée" in lines[0]
    assert "Żółć Łukasz : demande refusée" in lines[1]
    assert "2 courrier(s) écrit(s)" in lines[2]
    files = list(tmp_path.glob("courriers_*.pdf"))
    assert len(files) == 1 and len(page_texts(files[0])) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--session", SESSION), "Indiquez où écrire les courriers"),
        (("--session", "2023-2024/S3/1", "--out", "."), "Clé de session « 2023-2024/S3/1 » invalide"),
        (("--session", SESSION, "--out", "/etc/passwd"), "« /etc/passwd » est un fichier, pas un dossier"),
        (("--session", SESSION, "--out", ".", "--printer", "PDF"), "--printer ne sert qu'avec --print"),
    ],
)
def test_cli_refusals_are_one_french_line(cli, cli_ids, args, message):
    result = cli("letters", *args)
    assert result.code == 1, result
    assert message in result.err and len(result.err.strip().splitlines()) == 1


def test_cli_pending_when_nothing_is_left(cli, cli_ids, tmp_path):
    result = cli("letters", "--session", "2023-2024/S2/1", "--pending", "--out", str(tmp_path))
    assert result.code == 0, result
    assert result.out.strip() == "Aucun courrier en attente d'impression pour la session 2023-2024/S2/1."


def test_cli_print_on_an_unknown_printer_is_refused(cli, cli_ids, tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    for name, text in {
        "lpstat": '#!/bin/sh\ncase "$1" in -e) echo PDF ;; -r) echo "scheduler is running" ;; esac\n',
        "lp": '#!/bin/sh\necho "request id is PDF-1 (1 file(s))"\n',
    }.items():
        (fake / name).write_text(text)
        (fake / name).chmod(0o755)
    result = cli("letters", "--session", SESSION, "--pending", "--print", "--printer", "Bureau",
                 env={"PATH": f"{fake}:{os.environ['PATH']}"})
    assert result.code == 1, result
    assert "L'imprimante « Bureau » est inconnue de ce poste. Imprimantes disponibles : PDF." in result.err
    ok = cli("letters", "--session", SESSION, "--pending", "--print", "--printer", "PDF", "--single-file", "--json",
             env={"PATH": f"{fake}:{os.environ['PATH']}"})
    assert ok.code == 0, ok
    data = json.loads(ok.out)
    assert data["jobs"] == ["PDF-1"] and all(row["print_count"] == 1 for row in data["letters"])
    again = cli("letters", "--session", SESSION, "--pending", "--print", env={"PATH": f"{fake}:{os.environ['PATH']}"})
    assert again.code == 0 and "Aucun courrier en attente" in again.out


@pytest.mark.skipif(not os.environ.get("CNAM_DESK_TEST_PRINTER"), reason="pas d'imprimante de test (CNAM_DESK_TEST_PRINTER)")
def test_cli_prints_on_the_real_test_printer(cli, cli_ids):
    printer = os.environ["CNAM_DESK_TEST_PRINTER"]
    result = cli("letters", "--session", SESSION, "--request", str(cli_ids["accepted"]), "--print", "--printer", printer, "--json")
    assert result.code == 0, result
    data = json.loads(result.out)
    assert len(data["jobs"]) == 1 and data["jobs"][0].startswith(f"{printer}-")
    assert data["letters"][0]["print_count"] == 1
