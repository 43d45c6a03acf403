"""Printing through the system's print service: a fake CUPS for the refusals, a real one when CI has it."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest
from pdf_reading import font_names, page_texts

from cnam_desk import printing
from cnam_desk.documents import DecisionLetter, ExamLine, render_letter
from cnam_desk.errors import RefusedInput

REAL_PRINTER = os.environ.get("CNAM_DESK_TEST_PRINTER", "")
CUPS_PDF_OUT = Path(os.environ.get("CUPS_PDF_OUT", "/tmp/cnam-desk-cups-pdf"))


def a_letter(reference: str = "SE-2024-000777") -> DecisionLetter:
    return DecisionLetter(
        reference=reference,
        decision="accepted",
        student_name="Łukasz Żółć",
        student_number="100099001",
        address_lines=("3 rue Oberkampf", "75011 Paris"),
        session_title="semestre 1, session 1 de l'année 2023-2024",
        exams=(ExamLine("NFA031", "Programmation avec Java : notions de base", dt.date(2024, 1, 22), dt.time(18), dt.time(21), "Salle 31.1.25"),),
        letter_date=dt.date(2024, 2, 4),
    )


@pytest.fixture
def letter_pdf(tmp_path: Path) -> Path:
    path = tmp_path / "courrier.pdf"
    render_letter(a_letter(), None, path)
    return path


# --- a fake print service: each command is a small script on PATH ------------------------------


@pytest.fixture
def fake_cups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = tmp_path / "bin"
    folder.mkdir()
    log = tmp_path / "lp.log"
    monkeypatch.setenv("PATH", str(folder))

    def install(printers: list[str], default: str | None = None, running: bool = True, lp_fails: str = "") -> Path:
        listing = "; ".join(f'echo "{name}"' for name in printers) or "true"
        scripts = {
            "lpstat": f"""#!/bin/sh
case "$1" in
  -e) {listing} ;;
  -d) {'echo "system default destination: ' + default + '"' if default else 'echo "no system default destination"'} ;;
  -r) echo "scheduler is {'running' if running else 'not running'}" ;;
  -o) exit 0 ;;
esac
exit 0
""",
            "lp": f"""#!/bin/sh
echo "$@" >> {log}
{'echo "' + lp_fails + '" >&2; exit 1' if lp_fails else 'echo "request id is $2-42 (1 file(s))"'}
""",
        }
        for name, text in scripts.items():
            script = folder / name
            script.write_text(text)
            script.chmod(0o755)
        return log

    return install


def test_no_print_service_is_a_clear_refusal(tmp_path, monkeypatch, letter_pdf):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(RefusedInput, match="Aucun service d'impression"):
        printing.list_printers()
    with pytest.raises(RefusedInput, match="Aucun service d'impression"):
        printing.print_pdf(letter_pdf, "PDF")
    assert printing.service_running() is False


def test_a_stopped_print_service_is_named(fake_cups, letter_pdf):
    fake_cups([], running=False)
    with pytest.raises(RefusedInput, match="ne répond pas"):
        printing.list_printers()


def test_printers_are_listed_and_the_job_id_returned(fake_cups, letter_pdf):
    log = fake_cups(["Accueil", "PDF", "bureau-2"], default="PDF")
    assert printing.list_printers() == ["Accueil", "bureau-2", "PDF"]
    assert printing.default_printer() == "PDF"
    assert printing.print_pdf(letter_pdf, "Accueil", title="Courrier SE-1") == "Accueil-42"
    assert printing.print_pdf(letter_pdf) == "PDF-42"
    sent = log.read_text().splitlines()
    assert sent[0] == f"-d Accueil -t Courrier SE-1 -n 1 -- {letter_pdf}"
    assert sent[1].startswith("-d PDF ")


def test_unknown_printer_no_printer_and_no_default_are_refused(fake_cups, letter_pdf, tmp_path):
    fake_cups(["PDF"], default=None)
    with pytest.raises(RefusedInput, match="« Bureau » est inconnue de ce poste. Imprimantes disponibles : PDF"):
        printing.print_pdf(letter_pdf, "Bureau")
    with pytest.raises(RefusedInput, match="Aucune imprimante par défaut"):
        printing.print_pdf(letter_pdf)
    with pytest.raises(RefusedInput, match="introuvable ou vide"):
        printing.print_pdf(tmp_path / "absent.pdf", "PDF")
    fake_cups([], running=True)
    with pytest.raises(RefusedInput, match="Aucune imprimante n'est installée"):
        printing.print_pdf(letter_pdf)


def test_a_printer_that_refuses_the_job_is_named(fake_cups, letter_pdf):
    fake_cups(["PDF"], default="PDF", lp_fails="lp: Error - The printer or class is not accepting jobs.")
    with pytest.raises(RefusedInput, match="« PDF » a refusé le document : lp: Error"):
        printing.print_pdf(letter_pdf, "PDF")


# --- a real CUPS server with the cups-pdf printer (.ci/cups.sh start) ----------------------------


def wait_for_job_file(job_id: str, printer: str, before: set[Path], timeout: float = 90) -> Path:
    """The job's PDF in the cups-pdf folder, once the job is done and the file is written."""
    number = job_id.rsplit("-", 1)[-1]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = set(CUPS_PDF_OUT.rglob("*.pdf")) - before
        named = [f for f in files if f.name.endswith(f"job_{number}.pdf")] or list(files)
        if named and job_id not in printing.pending_jobs(printer):
            file = named[0]
            if file.stat().st_size > 0:
                return file
        time.sleep(0.3)
    raise AssertionError(f"le travail {job_id} n'est pas arrivé dans {CUPS_PDF_OUT} en {timeout} s")


@pytest.mark.skipif(
    not REAL_PRINTER,
    reason="pas d'imprimante de test : lancer `.ci/cups.sh start` puis définir CNAM_DESK_TEST_PRINTER=PDF "
    "(et CUPS_PDF_OUT si le dossier de sortie n'est pas /tmp/cnam-desk-cups-pdf)",
)
def test_a_letter_printed_on_a_real_cups_pdf_printer_arrives(tmp_path):
    assert REAL_PRINTER in printing.list_printers()
    path = tmp_path / "courrier.pdf"
    render_letter(a_letter("SE-2024-000778"), None, path)
    before = set(CUPS_PDF_OUT.rglob("*.pdf"))
    job = printing.print_pdf(path, REAL_PRINTER, title="Courrier SE-2024-000778")
    assert job.startswith(f"{REAL_PRINTER}-")
    printed = wait_for_job_file(job, REAL_PRINTER, before)
    texts = page_texts(printed)
    assert len(texts) == 1
    # cups-pdf re-renders the job through Ghostscript, which drops the fonts' Unicode maps: only
    # the plain-ASCII text reads back there (the accented names are checked on the PDF sent).
    for written in ("SE-2024-000778", "100099001", "NFA031", "Madame, Monsieur,", "75011 Paris"):
        assert written in texts[0]
    assert any("DejaVuSans" in name for name in font_names(printed))
    assert "Łukasz Żółć" in page_texts(path)[0]
