"""Results on paper: attestations (réussite, M1) and the session 2 attendance sheets, through cnam_desk.documents."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select

from cnam_desk import frenchdates, office, outputs, paths
from cnam_desk.db.engine import Database
from cnam_desk.db.models import CourseUnit, Exam
from cnam_desk.documents import (
    AttendanceSheet,
    AttendanceStudent,
    Letterhead,
    M1Attestation,
    PassedUnit,
    SuccessAttestation,
    render_attendance_sheets,
    render_attestations,
)
from cnam_desk.errors import RefusedInput
from cnam_desk.grading import attestations
from cnam_desk.grading.attestations import M1Data, SuccessData
from cnam_desk.grading.session2 import Roster
from cnam_desk.progress import Progress, run_to_end


def office_letterhead(db: Database) -> Letterhead:
    """The office's letterhead and signatory, as set in Édition > En-tête des courriers et attestations."""
    return office.get_letterhead(db)


def _units(units: list[attestations.PassedUnit], *, with_year: bool) -> tuple[PassedUnit, ...]:
    """An attestation of one year names the semester and session; one over several years, the year too."""
    return tuple(
        PassedUnit(u.ue_code, u.ue_title, u.grade, f"{u.year_label}, {u.session_label}" if with_year else u.session_label,
                   u.ects)
        for u in units
    )


def success_document(item: SuccessData) -> SuccessAttestation:
    if not item.reference or item.issued_on is None:
        raise ValueError("an attestation is printed once issued (reference and date)")
    return SuccessAttestation(
        reference=item.reference,
        student_name=item.student.name,
        student_number=item.student.number,
        year_label=item.year_label,
        units=_units(item.units, with_year=False),
        date=item.issued_on,
        total_ects=item.total_ects,
    )


def m1_document(item: M1Data) -> M1Attestation:
    units = item.check.counted_units
    return M1Attestation(
        reference=item.reference,
        student_name=item.check.student.name,
        student_number=item.check.student.number,
        year_label=item.check.year_label,
        programme=item.check.programme.name,
        units=_units(units, with_year=len({u.year_label for u in units}) > 1),
        date=item.issued_on,
        total_ects=attestations.total_ects(units),
    )


CHANGED_MESSAGE = (
    "Les résultats ont changé pendant la préparation des attestations (un autre poste) : "
    "rien n'a été enregistré, relancez la production."
)


def success_steps(
    db: Database, year_label: str, out: str | os.PathLike[str], student_number: str | None = None
) -> Iterator[Progress]:
    """Attestations de réussite: one student to one PDF, or every student with an UE passed.

    For every student, `out` is either a .pdf (one document, one page each) or a folder (created if
    missing: one PDF per student, named after the number, ready for the portal). All or nothing:
    the files are in place and the attestations recorded together. Returns the paths written.
    """
    out = Path(out)
    yield Progress(0, 0, "Lecture des résultats publiés…")
    one_file = student_number is not None or out.suffix.lower() == ".pdf"
    if one_file and out.suffix.lower() != ".pdf":
        raise RefusedInput(f"« {out} » : indiquez un fichier .pdf.")
    if one_file:
        outputs.ensure_parent(out)
    else:
        outputs.ensure_folder(out)
    now = frenchdates.now()
    letterhead = office_letterhead(db)

    def issued(persist: bool) -> list[SuccessData]:
        items = attestations.success_data(db, year_label, student_number)
        if not items:
            raise RefusedInput(f"Aucun auditeur n'a d'UE réussie publiée en {year_label} : aucune attestation.")
        return attestations.issue_success(db, items, persist=persist, now=now)

    def plan() -> tuple[list[SuccessData], list[tuple[Path, list[SuccessData]]]]:
        items = issued(persist=False)
        if one_file:
            return items, [(out, items)]
        names = paths.UniqueNames()
        return items, [(out / names(f"attestation-reussite-{year_label}-{item.student.number}.pdf"), [item])
                       for item in items]

    def render(group: list[SuccessData], path: Path) -> None:
        documents = [success_document(item) for item in group]
        outputs.write_bytes(path, lambda buffer: render_attestations(documents, letterhead, buffer))

    _items, written = yield from outputs.write_recorded(
        db, plan=plan, render=render, record=lambda: issued(persist=True),
        noun="attestation", plural="attestations", feminine=True, changed_message=CHANGED_MESSAGE,
    )
    return written


def success_pdf(db: Database, year_label: str, student_number: str | None = None) -> bytes:
    """The attestations de réussite as success_steps would write them, in one PDF; nothing recorded (preview)."""
    items = attestations.success_data(db, year_label, student_number)
    if not items:
        raise RefusedInput(f"Aucun auditeur n'a d'UE réussie publiée en {year_label} : aucune attestation.")
    items = attestations.issue_success(db, items, persist=False, now=frenchdates.now())
    buffer = io.BytesIO()
    render_attestations([success_document(item) for item in items], office_letterhead(db), buffer)
    return buffer.getvalue()


def m1_pdf(db: Database, student_number: str, programme_name: str, year_label: str) -> bytes:
    """The attestation de M1 as write_m1 would write it; nothing recorded (preview)."""
    item = attestations.issue_m1(db, student_number, programme_name, year_label, persist=False, now=frenchdates.now())
    buffer = io.BytesIO()
    render_attestations([m1_document(item)], office_letterhead(db), buffer)
    return buffer.getvalue()


def write_success(db: Database, year_label: str, out: str | os.PathLike[str], student_number: str | None = None) -> list[Path]:
    return run_to_end(success_steps(db, year_label, out, student_number))


def write_m1(db: Database, student_number: str, programme_name: str, year_label: str, out: str | os.PathLike[str]) -> M1Data:
    """The attestation de M1 (refused, with what is missing, when the requirements are not met).

    Recorded only once its PDF is whole and in place.
    """
    if Path(out).suffix.lower() != ".pdf":
        raise RefusedInput(f"« {out} » : indiquez un fichier .pdf.")
    path = outputs.ensure_parent(out)
    letterhead = office_letterhead(db)
    now = frenchdates.now()

    def issued(persist: bool) -> list[M1Data]:
        return [attestations.issue_m1(db, student_number, programme_name, year_label, persist=persist, now=now)]

    def plan() -> tuple[list[M1Data], list[tuple[Path, list[M1Data]]]]:
        items = issued(persist=False)
        return items, [(path, items)]

    def render(group: list[M1Data], target: Path) -> None:
        documents = [m1_document(item) for item in group]
        outputs.write_bytes(target, lambda buffer: render_attestations(documents, letterhead, buffer))

    items, _paths = run_to_end(outputs.write_recorded(
        db, plan=plan, render=render, record=lambda: issued(persist=True),
        noun="attestation", plural="attestations", feminine=True, changed_message=CHANGED_MESSAGE,
    ))
    return items[0]


def roster_attendance_sheets(db: Database, roster: Roster) -> list[AttendanceSheet]:
    """One sheet per session 2 exam (UE, day, room) with the students of the roster."""
    if roster.session2_id is None:
        raise RefusedInput(f"{roster.title} : la session 2 n'existe pas dans le calendrier.")
    with db.transaction() as s:
        exams = s.execute(
            select(Exam.course_unit_id, Exam.date, Exam.start, Exam.end, Exam.room, Exam.centre)
            .where(Exam.session_id == roster.session2_id)
        ).all()
        codes = dict(s.execute(select(CourseUnit.id, CourseUnit.code)).all())
    by_unit = roster.by_unit()
    sheets = []
    title = f"Semestre {roster.semester_number}, session 2 de l'année {roster.year_label}"
    for unit_id, day, start, end, room, centre in sorted(exams, key=lambda e: (e[1], e[2], codes[e[0]])):
        entries = by_unit.get(codes[unit_id], [])
        if not entries:
            continue
        sheets.append(
            AttendanceSheet(
                session_title=title, ue_code=codes[unit_id], ue_title=entries[0].ue_title, date=day, start=start,
                end=end, room=room, centre=centre,
                students=tuple(AttendanceStudent(e.student_number, e.last_name, e.first_name) for e in entries),
            )
        )
    if not sheets:
        raise RefusedInput(f"{roster.title} : aucune épreuve de session 2 n'a d'auditeur à faire émarger.")
    return sheets


def write_roster_attendance(db: Database, roster: Roster, out: str | os.PathLike[str]) -> int:
    """The session 2 attendance sheets in one PDF; returns the number of pages. (No convocation: never.)"""
    sheets, letterhead = roster_attendance_sheets(db, roster), office_letterhead(db)
    pages: list[int] = []
    with outputs.one_file(out) as temporary:
        outputs.write_bytes(temporary, lambda buffer: pages.append(render_attendance_sheets(sheets, letterhead, buffer)))
    return pages[0]
