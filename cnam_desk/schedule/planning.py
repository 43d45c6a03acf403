"""A session's exam schedule: previewing and applying an import of a schedule file, listing exams."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from cnam_desk import frenchdates
from cnam_desk.db.bulk import insert_columns
from cnam_desk.db.engine import Database, session_changed
from cnam_desk.db.models import CourseUnit, Exam
from cnam_desk.errors import EditConflict
from cnam_desk.importing import (
    Pipeline,
    RefusedFile,
    RowError,
    chunks,
    count,
    record_import,
    refuse_errors,
    run_import,
)
from cnam_desk.progress import Progress, Steps, run_to_end
from cnam_desk.schedule import exam_calendar, removals
from cnam_desk.schedule.exam_list import ExamLine, exam_rows, exam_tuples, list_exams
from cnam_desk.schedule.removals import RestingOn
from cnam_desk.schedule.schedule_file import (
    ScheduledExam,
    ScheduleFile,
    no_exam_read,
    read_schedule,
    read_schedule_steps,
)
from cnam_desk.schedule.schedule_rows import SkippedLine
from cnam_desk.slots import place_key, respell, respell_rooms, split_rooms

# The listing lives in exam_list; its names are still read from here.
__all__ = ["ExamLine", "exam_rows", "exam_tuples", "list_exams"]

# --- what the session holds and what would change ----------------------------------------------


class HeldExam(NamedTuple):
    """One exam as the session holds it."""

    id: int
    ue: str
    title: str
    centre: str
    date: dt.date
    start: dt.time
    end: dt.time
    room: str
    version: int = 1

    @property
    def key(self) -> tuple[str, str]:
        return (self.ue, self.centre)


@dataclass(frozen=True)
class FieldChange:
    label: str  # « date », « début », « fin », « salle »
    old: str
    new: str

    def describe(self) -> str:
        return f"{self.label} : {self.old or '—'} → {self.new or '—'}"


@dataclass(frozen=True)
class ExamChange:
    held: HeldExam
    new: ScheduledExam
    changes: tuple[FieldChange, ...]

    def describe(self) -> str:
        return f"{self.held.ue} ({self.held.centre}) : " + ", ".join(change.describe() for change in self.changes)


@dataclass
class SchedulePreview:
    """What an import would do to a session: to add, to change (and how), to remove, unchanged."""

    added: list[ScheduledExam] = field(default_factory=list)
    changed: list[ExamChange] = field(default_factory=list)
    removed: list[HeldExam] = field(default_factory=list)
    unchanged: list[HeldExam] = field(default_factory=list)
    # Exams the file does not list but whose UE is on a row in error: left as they are.
    kept: list[HeldExam] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    held_signature: str = ""
    # The centres and rooms the spelling followed (other sessions'): the preview holds while they stay.
    places_signature: str = ""
    # UE codes the office does not know yet: created with the file's title (set by preview_schedule).
    new_units: list[str] = field(default_factory=list)
    # Lines of the file that are no exam (titles, notes, totals, signatures).
    skipped: list[SkippedLine] = field(default_factory=list)
    # Exams to remove that requests, arrangements or grades rest on (set by preview_schedule).
    resting: list[RestingOn] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "updated": len(self.changed),
            "removed": len(self.removed),
            "unchanged": len(self.unchanged),
        }


def _field_changes(held: HeldExam, new: ScheduledExam) -> tuple[FieldChange, ...]:
    changes = []
    if held.date != new.date:
        changes.append(FieldChange("date", frenchdates.short_date(held.date), frenchdates.short_date(new.date)))
    if held.start != new.start:
        changes.append(FieldChange("début", frenchdates.hour(held.start), frenchdates.hour(new.start)))
    if held.end != new.end:
        changes.append(FieldChange("fin", frenchdates.hour(held.end), frenchdates.hour(new.end)))
    if held.room != new.room:
        changes.append(FieldChange("salle", held.room, new.room))
    return tuple(changes)


def held_signature(held: Iterable[HeldExam]) -> str:
    """Changes whenever an exam of the session is added, removed or edited (versions are bumped)."""
    digest = hashlib.sha1(usedforsecurity=False)
    for exam in sorted(held, key=lambda e: e.id):
        digest.update(f"{exam.id}:{exam.version};".encode())
    return digest.hexdigest()


def places_signature(places: Iterable[str]) -> str:
    return hashlib.sha1("\n".join(sorted(set(places))).encode(), usedforsecurity=False).hexdigest()


def _held_signature_in(s: Session, session_id: int) -> str:
    """The session's held_signature from ids and versions alone (no need to load the exams)."""
    rows = s.execute(select(Exam.id, Exam.version).where(Exam.session_id == session_id)).all()
    return held_signature(HeldExam(id_, "", "", "", None, None, None, "", version) for id_, version in rows)  # type: ignore[arg-type]


def spellings(held: Iterable[HeldExam], known: Iterable[str] = ()) -> dict[str, str]:
    """The office's spelling of each centre and room, by `place_key`: the session's first, then others'."""
    found: dict[str, str] = {}
    for exam in held:
        found.setdefault(place_key(exam.centre), exam.centre)
        for room in split_rooms(exam.room):
            found.setdefault(place_key(room), room)
    for text in known:
        if text:
            found.setdefault(place_key(text), text)
    return found


def compare_schedule(
    schedule: ScheduleFile, held: Sequence[HeldExam], known_places: Iterable[str] = ()
) -> SchedulePreview:
    """The preview: the exams read compared with those the session holds (pure: no database).

    Centres and rooms are compared without case, accents or extra spaces, and written as the
    office already spells them (`known_places`: the centres and rooms of other sessions).
    """
    known_places = list(known_places)
    preview = SchedulePreview(
        errors=list(schedule.errors), held_signature=held_signature(held), skipped=list(schedule.skipped),
        places_signature=places_signature(known_places),
    )
    spelt = spellings(held, known_places)
    held_by_key = {(exam.ue, place_key(exam.centre)): exam for exam in held}
    # A schedule names the same few centres and rooms thousands of times: each is respelt once.
    centres = {centre: respell(centre, spelt) for centre in {exam.centre for exam in schedule.exams}}
    rooms = {room: respell_rooms(room, spelt) for room in {exam.room for exam in schedule.exams}}
    for exam in schedule.exams:
        centre, room = centres[exam.centre], rooms[exam.room]
        if centre != exam.centre or room != exam.room:
            exam = exam._replace(centre=centre, room=room)
        current = held_by_key.pop((exam.ue, place_key(centre)), None)
        if current is None:
            preview.added.append(exam)
        elif (current.date, current.start, current.end, current.room) == (exam.date, exam.start, exam.end, exam.room):
            preview.unchanged.append(current)
        else:
            preview.changed.append(ExamChange(current, exam, _field_changes(current, exam)))
    for exam in held_by_key.values():  # what the file no longer lists
        (preview.kept if exam.ue in schedule.ues_in_error else preview.removed).append(exam)
    return preview


def known_places(s: Session) -> list[str]:
    """Every centre and room the office has written, for spelling new exams the same way."""
    places: list[str] = []
    for centre, room in s.execute(select(Exam.centre, Exam.room).distinct()):
        places.append(centre)
        places.extend(split_rooms(room))
    return places


def _held_exams(s: Session, session_id: int) -> list[HeldExam]:
    rows = s.execute(
        select(
            Exam.id, CourseUnit.code, CourseUnit.title, Exam.centre, Exam.date, Exam.start, Exam.end,
            Exam.room, Exam.version,
        )
        .join(CourseUnit, Exam.course_unit_id == CourseUnit.id)
        .where(Exam.session_id == session_id)
    ).all()
    return list(map(HeldExam._make, rows))


def _resting(s: Session, session_id: int, schedule: ScheduleFile, preview: SchedulePreview) -> list[RestingOn]:
    remaining = {exam.ue for exam in schedule.exams} | {exam.ue for exam in preview.kept}
    return removals.resting_on(s, session_id, preview.removed, remaining)


def preview_schedule(db: Database, schedule: ScheduleFile) -> SchedulePreview:
    """The comparison with the session, read without the write lock (a colleague can go on writing)."""
    with db.transaction(write=False) as s:
        session = exam_calendar.find_session(s, schedule.session_key)
        preview = compare_schedule(schedule, _held_exams(s, session.id), known_places(s))
        preview.resting = _resting(s, session.id, schedule, preview)
        known = set(s.scalars(select(CourseUnit.code)))
        preview.new_units = sorted({exam.ue for exam in schedule.exams} - known)
        return preview


def read_and_preview_steps(
    db: Database, path: str | Path, session_key: str
) -> Steps[tuple[ScheduleFile, SchedulePreview]]:
    """What the window runs on a drop: read the file, then compare it with the session."""
    session = exam_calendar.get_session(db, session_key)
    schedule = yield from read_schedule_steps(path, session)
    yield Progress(0, 0, "Comparaison avec le planning de la session…")
    return schedule, preview_schedule(db, schedule)


# --- applying ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportSummary:
    session_key: str
    file_name: str
    added: int
    updated: int
    removed: int
    unchanged: int
    course_units_created: int
    errors: tuple[RowError, ...] = ()
    skipped: tuple[SkippedLine, ...] = ()
    requests_to_review: int = 0
    # What was compared: the changes in detail, for the clerk's summary.
    preview: SchedulePreview | None = field(default=None, compare=False, repr=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "errors": [error.as_json() for error in self.errors],
            "skipped": [line.as_json() for line in self.skipped],
        }

    def describe(self) -> str:
        text = (
            f"Planning {self.session_key} : {count(self.added, 'épreuve ajoutée', 'épreuves ajoutées')}, "
            f"{count(self.updated, 'modifiée', 'modifiées')}, {count(self.removed, 'supprimée', 'supprimées')}, "
            f"{count(self.unchanged, 'inchangée', 'inchangées')}"
        )
        if self.course_units_created:
            text += f" ; {count(self.course_units_created, 'UE créée', 'UE créées')}"
        if self.errors:
            text += f" ; {count(len(self.errors), 'erreur ignorée', 'erreurs ignorées')}"
        if self.skipped:
            text += f" ; {count(len(self.skipped), 'ligne sans épreuve ignorée', 'lignes sans épreuve ignorées')}"
            text += " (titres, notes, totaux, signatures)"
        if self.requests_to_review:
            text += f" ; {count(self.requests_to_review, 'demande à revoir', 'demandes à revoir')}"
        return text + "."


def _course_units(s: Session, exams: Sequence[ScheduledExam]) -> tuple[dict[str, int], int, int]:
    """The ids of the UEs the exams name, creating the unknown ones with the file's title.

    Returns the ids by code, how many UEs were created and how many untitled ones got a title.
    """
    table = CourseUnit.__table__
    known = {code: (unit_id, title) for unit_id, code, title in s.execute(select(table.c.id, table.c.code, table.c.title))}
    titles: dict[str, str] = {}
    for exam in exams:
        if exam.title and not titles.get(exam.ue):
            titles[exam.ue] = exam.title
        else:
            titles.setdefault(exam.ue, "")
    new = [{"code": code, "title": title, "version": 1} for code, title in titles.items() if code not in known]
    if new:
        s.execute(insert(table), new)
    untitled = [
        {"b_id": known[code][0], "b_title": title}
        for code, title in titles.items()
        if code in known and title and not known[code][1]
    ]
    if untitled:
        s.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(title=bindparam("b_title"), version=table.c.version + 1),
            untitled,
        )
    ids = {code: unit_id for code, (unit_id, _title) in known.items()}
    if new:
        wanted = {row["code"] for row in new}
        for unit_id, code in s.execute(select(table.c.id, table.c.code)):
            if code in wanted:
                ids[code] = unit_id
    return ids, len(new), len(untitled)


def apply_schedule_steps(
    db: Database,
    schedule: ScheduleFile,
    *,
    skip_errors: bool = False,
    expected: SchedulePreview | None = None,
    allow_removals: bool = False,
    prepared: SchedulePreview | None = None,
) -> Steps[ImportSummary]:
    """Write an import in one transaction, yielding progress; nothing is kept if anything fails.

    The comparison is made before, without the write lock (`prepared`, or `expected`): under the
    lock it is only checked against the session, so a colleague waits for the writing alone.
    With `expected` (the preview the clerk confirmed), the import is refused when the session's
    schedule or dates changed in between, so what is written is what was shown; a `prepared`
    comparison that no longer holds is made again. Removing exams that requests, arrangements or
    grades rest on is refused unless `allow_removals`; then those requests are marked for review.
    """
    if schedule.errors and not skip_errors:
        raise refuse_errors(schedule.errors)
    if not schedule.exams:
        raise no_exam_read(schedule)
    exam_table = Exam.__table__
    with db.transaction() as s:
        session = exam_calendar.find_session(s, schedule.session_key)
        if (session.first_day, session.last_day) != (schedule.first_day, schedule.last_day):
            raise EditConflict(
                f"Les dates de la session {schedule.session_key} ont changé depuis la lecture du fichier : "
                "relancez l'import."
            )
        signature = _held_signature_in(s, session.id)
        if expected is not None and expected.held_signature != signature:
            raise EditConflict(
                f"Le planning de la session {schedule.session_key} a été modifié depuis l'aperçu : relancez l'import."
            )
        places = known_places(s)
        preview = expected or prepared
        if preview is None or (preview.held_signature, preview.places_signature) != (signature, places_signature(places)):
            preview = compare_schedule(schedule, _held_exams(s, session.id), places)
        held_count = len(preview.unchanged) + len(preview.changed) + len(preview.removed) + len(preview.kept)
        resting = _resting(s, session.id, schedule, preview)
        if resting and not allow_removals:
            raise removals.RemovalsRefused(schedule.file_name, resting)
        to_review = removals.mark_for_review(s, schedule.file_name, preview.removed)
        total = len(preview.added) + len(preview.changed) + len(preview.removed)
        done = 0
        yield Progress(done, total, "Enregistrement du planning…")
        unit_ids, units_created, units_titled = _course_units(s, schedule.exams)
        connection = s.connection()
        for chunk in chunks(preview.added):
            ues, _titles, centres, dates, starts, ends, rooms, *_where = zip(*chunk, strict=True)
            insert_columns(connection, exam_table, {
                "session_id": [session.id] * len(chunk), "course_unit_id": [unit_ids[ue] for ue in ues],
                "centre": centres, "date": dates, "start": starts, "end": ends, "room": rooms,
                "version": [1] * len(chunk),
            })  # fmt: skip
            done += len(chunk)
            yield Progress(done, total, f"Épreuves ajoutées : {done} sur {total}")
        changer = (
            update(exam_table)
            .where(exam_table.c.id == bindparam("b_id"))
            .values(
                date=bindparam("b_date"), start=bindparam("b_start"), end=bindparam("b_end"),
                room=bindparam("b_room"), version=exam_table.c.version + 1,
            )
        )
        for chunk in chunks(preview.changed):
            s.execute(
                changer,
                [
                    {"b_id": c.held.id, "b_date": c.new.date, "b_start": c.new.start, "b_end": c.new.end, "b_room": c.new.room}
                    for c in chunk
                ],
            )
            done += len(chunk)
            yield Progress(done, total, f"Épreuves modifiées : {done} sur {total}")
        for chunk in chunks(preview.removed):
            s.execute(delete(exam_table).where(exam_table.c.id.in_([exam.id for exam in chunk])))
            done += len(chunk)
            yield Progress(done, total, f"Épreuves supprimées : {done} sur {total}")
        summary = ImportSummary(
            session_key=schedule.session_key,
            file_name=schedule.file_name,
            added=len(preview.added),
            updated=len(preview.changed),
            removed=len(preview.removed),
            unchanged=len(preview.unchanged),
            course_units_created=units_created,
            errors=tuple(schedule.errors),
            skipped=tuple(schedule.skipped),
            requests_to_review=to_review,
            preview=preview,
        )
        if preview.has_changes or units_created or units_titled:
            record_import(
                s, "exam", schedule.session_key, schedule.file_name,
                {"added": summary.added, "updated": summary.updated, "removed": summary.removed,
                 "unchanged": summary.unchanged},
                before={"exams": held_count}, course_units_created=units_created,
                course_units_titled=units_titled, rows_skipped=len(schedule.errors),
                **({"requests_to_review": to_review} if to_review else {}),
            )  # fmt: skip
        if preview.has_changes:
            session_changed(s, session)  # the requests' checks depend on the schedule
        yield Progress(total, total, "Planning enregistré")
    return summary


def apply_schedule(
    db: Database, schedule: ScheduleFile, *, skip_errors: bool = False, expected: SchedulePreview | None = None,
    allow_removals: bool = False,
) -> ImportSummary:
    return run_to_end(
        apply_schedule_steps(db, schedule, skip_errors=skip_errors, expected=expected, allow_removals=allow_removals)
    )


def import_schedule(
    db: Database, path: str | Path, session_key: str, *, skip_errors: bool = False, dry_run: bool = False,
    allow_removals: bool = False,
) -> ImportSummary:
    """Read, compare and (unless dry_run) apply: the command line's import, all or nothing.

    A dry run is refused as the import would be when it removes exams something rests on.
    """
    read: list[ScheduleFile] = []

    def dry_summary(schedule: ScheduleFile, preview: SchedulePreview) -> ImportSummary:
        if preview.resting and not allow_removals:
            raise removals.RemovalsRefused(schedule.file_name, preview.resting)
        counts = preview.counts()
        return ImportSummary(
            schedule.session_key, schedule.file_name, counts["added"], counts["updated"], counts["removed"],
            counts["unchanged"], len(preview.new_units), tuple(schedule.errors), tuple(schedule.skipped),
            preview=preview,
        )  # fmt: skip

    pipeline = Pipeline(
        read=lambda: read.append(read_schedule(path, exam_calendar.get_session(db, session_key))) or read[0],
        compare=lambda schedule: preview_schedule(db, schedule),
        dry_summary=dry_summary,
        write=lambda schedule: apply_schedule_steps(
            db, schedule, skip_errors=skip_errors, allow_removals=allow_removals,
            prepared=preview_schedule(db, schedule),  # compared before taking the write lock
        ),
    )
    try:
        return run_import(pipeline, skip_errors=skip_errors, dry_run=dry_run)
    except RefusedFile as refusal:
        refusal.skipped = list(read[0].skipped) if read else []  # type: ignore[attr-defined]
        raise
