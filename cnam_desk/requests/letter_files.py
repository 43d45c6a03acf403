"""Decision letters to files and printers: written whole, recorded only once they are in place."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Generator, Iterable, Sequence
from pathlib import Path

from sqlalchemy import select

from cnam_desk import frenchdates, outputs, paths, printing
from cnam_desk.db.engine import Database
from cnam_desk.db.models import Letter
from cnam_desk.documents import DecisionLetter, Letterhead, render_letters
from cnam_desk.errors import NotFound
from cnam_desk.progress import Progress
from cnam_desk.requests.letters import _sort_key, generate, generate_for_requests

CHANGED_MESSAGE = (
    "Les demandes ont changé pendant la préparation des courriers (décision d'un autre poste) : "
    "rien n'a été enregistré, relancez la production."
)

def _slug(text: str) -> str:
    plain = _sort_key(text)
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "x"


def letter_file_name(letter: DecisionLetter) -> str:
    """« SE-2024-000123_zoe-lefevre-dupre.pdf »: readable and safe on every file system."""
    return paths.safe_file_name(f"{letter.reference}_{_slug(letter.student_name)}.pdf")


def batch_file_name(key: str, now: dt.datetime) -> str:
    return paths.safe_file_name(f"courriers_{_slug(key)}_{frenchdates.paris(now):%Y%m%d-%H%M%S}.pdf")


def write_letters(
    db: Database,
    key: str,
    out_dir: str | Path,
    *,
    pending_only: bool = True,
    order: str = "name",
    request_ids: Sequence[int] | None = None,
    single_file: bool = False,
    now: dt.datetime | None = None,
) -> Generator[Progress, None, tuple[list[DecisionLetter], list[Path]]]:
    """Write the letters as PDF files in out_dir (created if missing): one per letter, or all in one
    file (single_file). Yields progress; returns the letters and the files written.

    All or nothing: a failure (full disk, a kill) leaves no file under a final name and records no letter.
    """
    now = now or frenchdates.now()
    folder = outputs.ensure_folder(out_dir)
    selection = {"pending_only": pending_only, "order": order, "request_ids": request_ids, "now": now}

    letterhead: list[Letterhead] = []

    def plan() -> tuple[list[DecisionLetter], list[tuple[Path, list[DecisionLetter]]]]:
        planned, head = generate(db, key, persist=False, **selection)
        letterhead[:] = [head]
        if single_file:
            return planned, [(folder / batch_file_name(key, now), planned)]
        names = paths.UniqueNames()
        return planned, [(folder / names(letter_file_name(letter)), [letter]) for letter in planned]

    return (yield from _write_then_record(
        db, plan, lambda: generate(db, key, persist=True, **selection)[0], letterhead
    ))


def write_for_requests(
    db: Database, request_ids: Sequence[int], target: str | Path, *, now: dt.datetime | None = None
) -> Generator[Progress, None, tuple[list[DecisionLetter], list[Path]]]:
    """The letters of some requests (any sessions) in one PDF at target, then recorded: all or nothing."""
    now = now or frenchdates.now()
    path = outputs.ensure_parent(target)
    letterhead: list[Letterhead] = []

    def plan() -> tuple[list[DecisionLetter], list[tuple[Path, list[DecisionLetter]]]]:
        planned, head = generate_for_requests(db, request_ids, now, persist=False)
        letterhead[:] = [head]
        return planned, [(path, planned)]

    return (yield from _write_then_record(
        db, plan, lambda: generate_for_requests(db, request_ids, now, persist=True)[0], letterhead
    ))


def _write_then_record(db, plan, record, letterhead):  # type: ignore[no-untyped-def]
    return outputs.write_recorded(
        db, plan=plan, record=record, render=lambda group, path: outputs.write_bytes(path, lambda out: render_letters(list(group), letterhead[0], out)),
        noun="courrier", plural="courriers", changed_message=CHANGED_MESSAGE,
    )

def record_printed(db: Database, references: Iterable[str], now: dt.datetime | None = None) -> None:
    """The letters were sent to a printer: printed_at is now and print_count goes up (reprints too)."""
    now = now or frenchdates.now()
    wanted = list(dict.fromkeys(references))
    with db.transaction() as s:
        rows = {row.reference: row for row in s.scalars(select(Letter).where(Letter.reference.in_(wanted)))}
        for reference in wanted:
            row = rows.get(reference)
            if row is None:
                raise NotFound(f"Le courrier {reference} n'existe pas.")
            row.printed_at = now
            row.print_count = (row.print_count or 0) + 1


def print_letters(
    db: Database,
    key: str,
    *,
    printer: str | None = None,
    pending_only: bool = True,
    order: str = "name",
    request_ids: Sequence[int] | None = None,
    single_job: bool = True,
    now: dt.datetime | None = None,
) -> Generator[Progress, None, tuple[list[DecisionLetter], list[str]]]:
    """Print the letters through the system's print service (one job, or one per letter).

    Each letter is recorded as printed once its job is accepted. Returns the letters and job ids.
    """
    now = now or frenchdates.now()
    printing.list_printers()  # a missing print service is said before any letter is generated
    letters, letterhead = generate(
        db, key, pending_only=pending_only, order=order, request_ids=request_ids, now=now
    )
    if not letters:
        return letters, []
    total = len(letters)
    jobs: list[str] = []
    groups = [letters] if single_job else [[letter] for letter in letters]
    done = 0
    with tempfile.TemporaryDirectory(prefix="cnam-desk-courriers-") as tmp:
        for group in groups:
            yield Progress(done, total, f"Impression de {len(group)} courrier(s)…")
            path = Path(tmp) / (letter_file_name(group[0]) if len(group) == 1 else batch_file_name(key, now))
            render_letters(group, letterhead, path)
            title = f"Courrier {group[0].reference}" if len(group) == 1 else f"Courriers {key} ({len(group)})"
            jobs.append(printing.print_pdf(path, printer, title=title))
            record_printed(db, [letter.reference for letter in group], now)
            done += len(group)
    yield Progress(total, total, f"{total} courrier(s) envoyés à l'impression")
    return letters, jobs


def render_for_requests(
    db: Database, request_ids: Sequence[int], out: object, *, persist: bool = True, now: dt.datetime | None = None
) -> list[DecisionLetter]:
    """The letters of some requests (any sessions) in one PDF, in the order given, to a path or buffer.

    persist=False is a preview: the PDF shows what will print, and nothing is recorded. With persist,
    the letters are recorded as generated before the PDF is made (for printing: a temporary file).
    """
    now = now or frenchdates.now()
    letters, letterhead = generate_for_requests(db, request_ids, now, persist)
    render_letters(letters, letterhead, out)  # type: ignore[arg-type]
    return letters

