"""Batches of files (letters, attestations, exports): all written and recorded, or nothing, in French."""

from __future__ import annotations

import errno

import pytest
from letters_data import SESSION, seed_requests
from pdf_reading import page_texts
from small_disk import mounted
from sqlalchemy import select

from cnam_desk import outputs
from cnam_desk.db.models import Letter, Student
from cnam_desk.errors import RefusedInput
from cnam_desk.progress import run_to_end
from cnam_desk.requests import letter_files


@pytest.fixture
def ids(db) -> dict[str, int]:
    return seed_requests(db)


def letter_references(db) -> list[str]:
    with db.transaction(write=False) as s:
        return sorted(s.scalars(select(Letter.reference)))


def test_temporary_names_stand_for_their_final_file(tmp_path):
    files = outputs.Batch("courrier", "courriers", 2)
    tmp = files.temporary(tmp_path / "SE-2024-000001_zoe.pdf")
    assert tmp.name.startswith(".") and tmp.parent == tmp_path
    assert outputs.final_name(tmp) == tmp_path / "SE-2024-000001_zoe.pdf"
    full = OSError(errno.ENOSPC, "No space left on device", str(tmp))
    assert outputs.describe(full) == f"Impossible d'écrire « {tmp_path / 'SE-2024-000001_zoe.pdf'} » : disque plein."
    files.wrote()
    assert files.failure(full).startswith("disque plein : 1 courrier sur 2 écrit, rien n'a été enregistré")
    with pytest.raises(ValueError):
        files.temporary(tmp_path / "SE-2024-000001_zoe.pdf")


def test_a_failure_in_the_middle_removes_every_file_and_records_nothing(db, ids, tmp_path, monkeypatch):
    out = tmp_path / "courriers"
    real = letter_files.render_letters
    calls = []

    def fails_on_the_third(letters, letterhead, path):  # type: ignore[no-untyped-def]
        calls.append(path)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(letters, letterhead, path)

    monkeypatch.setattr(letter_files, "render_letters", fails_on_the_third)
    with pytest.raises(RefusedInput) as refused:
        run_to_end(letter_files.write_letters(db, SESSION, out))
    assert str(refused.value).startswith("Disque plein : 2 courriers sur 5 écrits, rien n'a été enregistré")
    assert ".part" not in str(refused.value)
    assert list(out.iterdir()) == [] and letter_references(db) == []


def test_a_change_while_the_letters_are_written_is_taken_before_recording(db, ids, tmp_path, monkeypatch):
    """Another workstation renames a student between preparing and recording: the files say the new name."""
    real = letter_files.render_letters
    renamed = []

    def rename_once(letters, letterhead, path):  # type: ignore[no-untyped-def]
        if not renamed:
            with db.transaction() as s:
                s.scalar(select(Student).where(Student.number == "100023001")).last_name = "Lefèvre-Martin"
            renamed.append(True)
        real(letters, letterhead, path)

    monkeypatch.setattr(letter_files, "render_letters", rename_once)
    out = tmp_path / "courriers"
    chosen, files = run_to_end(letter_files.write_letters(db, SESSION, out))
    assert sorted(f.name for f in out.iterdir()) == sorted(f.name for f in files)
    assert len(files) == len(chosen) == len(letter_references(db)) == 5
    texts = " ".join(page_texts(f)[0] for f in files)
    assert "Lefèvre-Martin" in texts and "Lefèvre-Dupré" not in texts


def test_a_full_disk_leaves_nothing(db, ids, tmp_path):
    with mounted(tmp_path / "petit", size="40k") as small:
        with pytest.raises(RefusedInput, match=r"^Disque plein : \d courriers? sur 5 écrits?, rien n'a été enregistré"):
            run_to_end(letter_files.write_letters(db, SESSION, small))
        assert list(small.iterdir()) == []
    assert letter_references(db) == []


@pytest.fixture
def cli_ids(db, ids) -> dict[str, int]:
    db.dispose()  # the subprocess opens the same database
    return ids


def test_cli_full_disk_is_one_french_line_and_exit_1(cli, cli_ids, tmp_path, db):
    with mounted(tmp_path / "petit", size="40k") as small:
        result = cli("letters", "--session", SESSION, "--out", str(small))
        assert result.code == 1, result
        assert result.err.startswith("cnam-desk : Disque plein : ") and len(result.err.strip().splitlines()) == 1
        assert "Traceback" not in result.err and ".part" not in result.err
        assert list(small.iterdir()) == []
    assert letter_references(db) == []


def test_cli_read_only_folder_is_said_in_words(cli, cli_ids, tmp_path, db):
    with mounted(tmp_path / "lecture-seule", read_only=True) as folder:
        result = cli("letters", "--session", SESSION, "--out", str(folder))
    assert result.code == 1, result
    assert "Support en lecture seule : 0 courrier sur 5 écrit" in result.err and "Read-only" not in result.err
    assert letter_references(db) == []


def test_out_folders_are_created_and_files_are_named_as_files(tmp_path):
    assert outputs.ensure_folder(tmp_path / "a" / "b").is_dir()
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(RefusedInput, match="« .*f.txt » est un fichier, pas un dossier"):
        outputs.ensure_folder(tmp_path / "f.txt")
    with pytest.raises(RefusedInput, match="est un dossier : indiquez le nom du fichier"):
        outputs.ensure_parent(tmp_path / "a")
    assert outputs.ensure_parent(tmp_path / "c" / "x.pdf").parent.is_dir()


def test_one_file_is_in_place_only_when_whole(tmp_path):
    target = tmp_path / "sortie" / "liste.xlsx"
    with pytest.raises(RuntimeError), outputs.one_file(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError
    assert not target.exists() and list(target.parent.iterdir()) == []
    with outputs.one_file(target) as tmp:
        tmp.write_bytes(b"whole")
    assert target.read_bytes() == b"whole" and [p.name for p in target.parent.iterdir()] == ["liste.xlsx"]


def _published_results(db) -> None:
    from cnam_desk.grading import entry
    from tests.results_data import grade, seed

    seed(db)
    for number, value in [("100", "12"), ("101", "14,5"), ("102", "11"), ("103", "16"), ("104", "10"), ("105", "9")]:
        grade(db, "2023-2024/S1/1", "NFA031", number, value)
    entry.publish_by_keys(db, "2023-2024/S1/1", "NFA031")
    db.dispose()


@pytest.mark.parametrize(
    ("command", "target", "message"),
    [
        (("attestation", "--all", "--year", "2023-2024"), "attestations", r"Disque plein : \d attestations? sur \d écrites?, rien n'a été enregistré"),
        (("attestation", "--all", "--year", "2023-2024"), "toutes.pdf", "Disque plein : 0 attestation sur 5 écrite, rien n'a été enregistré \\(« .*toutes.pdf »\\)"),
        (("export-results", "--session", "2023-2024/S1/1"), "portail.xlsx", "Disque plein : « .*portail.xlsx » n'a pas été écrit"),
    ],
)
def test_cli_other_batches_on_a_full_disk(cli, db, tmp_path, command, target, message):
    import re

    from cnam_desk.db.models import Attestation

    _published_results(db)
    with mounted(tmp_path / "petit", size="12k") as small:
        (small / "remplissage").write_bytes(b"x" * 8 * 1024)
        result = cli(*command, "--out", str(small / target))
        assert result.code == 1, result
        assert re.search(message, result.err), result.err
        assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
        left = sorted(p.name for p in small.rglob("*"))
        assert left in (["remplissage"], ["attestations", "remplissage"]), left
    with db.transaction(write=False) as s:
        assert s.scalars(select(Attestation)).all() == []


def test_cli_attendance_sheets_and_planning_export_on_a_full_disk(cli, db, tmp_path):
    import re

    seed_requests(db)
    db.dispose()
    with mounted(tmp_path / "petit", size="12k") as small:
        (small / "remplissage").write_bytes(b"x" * 8 * 1024)
        sheets = cli("attendance-sheets", "--session", SESSION, "--out", str(small / "emargement"))
        assert sheets.code == 1, sheets
        assert re.search(r"Disque plein : \d feuilles? d'émargement sur \d écrites?, rien n'a été enregistré", sheets.err)
        planning = cli("export-planning", "--session", SESSION, "--out", str(small / "planning.xlsx"))
        assert planning.code == 1, planning
        assert "Disque plein : « " in planning.err and "planning.xlsx » n'a pas été écrit" in planning.err
        for result in (sheets, planning):
            assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
        assert sorted(p.name for p in small.rglob("*")) in (["remplissage"], ["emargement", "remplissage"])
