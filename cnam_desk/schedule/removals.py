"""Exams an import would remove, and what rests on them: requests, arrangements, grades.

A schedule file that leaves out exams the office has built on (a request names them, an
arrangement was granted for them, grades were entered for their UE) is refused unless the
clerk says the removals are meant; then the requests concerned are marked for review (an
event in their history, a new version) before the exams go, and the session's followers
recheck them in the same transaction (their overlap check becomes « not_found »).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from cnam_desk import frenchdates
from cnam_desk.db import audit
from cnam_desk.db.models import (
    AccommodationRequest,
    Arrangement,
    CourseUnit,
    Grade,
    RequestedExam,
    RequestEvent,
)
from cnam_desk.errors import RefusedInput
from cnam_desk.importing import count

SHOWN = 30  # exams named in a refusal; the count says the rest


@dataclass(frozen=True)
class RestingOn:
    """One exam to be removed and how many requests, arrangements and grades rest on it."""

    exam: Any  # a HeldExam
    requests: int = 0
    arrangements: int = 0
    grades: int = 0

    def what(self) -> str:
        parts = []
        if self.requests:
            parts.append(count(self.requests, "demande", "demandes"))
        if self.arrangements:
            parts.append(count(self.arrangements, "aménagement", "aménagements"))
        if self.grades:
            parts.append(count(self.grades, "note", "notes"))
        return ", ".join(parts)

    def describe(self) -> str:
        return f"{self.exam.ue} ({self.exam.centre}) du {frenchdates.short_date(self.exam.date)} : {self.what()}"

    def as_json(self) -> dict[str, Any]:
        return {
            "ue": self.exam.ue, "centre": self.exam.centre, "date": self.exam.date.isoformat(),
            "requests": self.requests, "arrangements": self.arrangements, "grades": self.grades,
        }  # fmt: skip


class RemovalsRefused(RefusedInput):
    """An import that would remove exams something rests on, without the clerk's leave."""

    def __init__(self, file_name: str, resting: Sequence[RestingOn]):
        self.resting = list(resting)
        where = f"fichier « {file_name} »"
        # One line per exam, each naming the file, as a row error does.
        lines = "\n".join(f"{where} : {item.describe()}" for item in resting[:SHOWN])
        if len(resting) > SHOWN:
            lines += f"\n{where} : … et {count(len(resting) - SHOWN, 'autre épreuve', 'autres épreuves')}"
        super().__init__(
            f"{where} refusé, rien n'a été modifié : l'import supprimerait "
            f"{count(len(resting), 'épreuve', 'épreuves')} sur lesquelles reposent des demandes, "
            "des aménagements ou des notes. Vérifiez que le fichier est le planning complet de la session ; "
            "pour les supprimer quand même, relancez avec --allow-removals (les demandes concernées seront "
            f"à revoir) :\n{lines}"
        )


def _per_exam(s: Session, column: Any, request_column: Any, ids: list[int]) -> dict[int, int]:
    rows = s.execute(
        select(column, func.count(func.distinct(request_column))).where(column.in_(ids)).group_by(column)
    )
    return {exam_id: number for exam_id, number in rows}


def resting_on(s: Session, session_id: int, removed: Sequence[Any], remaining_ues: Iterable[str]) -> list[RestingOn]:
    """What rests on each exam to remove; grades count only when no exam of their UE is left."""
    if not removed:
        return []
    ids = [exam.id for exam in removed]
    requests = _per_exam(s, RequestedExam.exam_id, RequestedExam.request_id, ids)
    arrangements = _per_exam(s, Arrangement.exam_id, Arrangement.id, ids)
    left = set(remaining_ues)
    gone = {exam.ue for exam in removed} - left
    grades: dict[str, int] = {}
    if gone:
        grades = dict(
            s.execute(
                select(CourseUnit.code, func.count(Grade.id))
                .join(Grade, Grade.course_unit_id == CourseUnit.id)
                .where(Grade.session_id == session_id, CourseUnit.code.in_(gone))
                .group_by(CourseUnit.code)
            ).all()
        )
    found = []
    graded: set[str] = set()
    for exam in removed:
        marks = 0
        if exam.ue in grades and exam.ue not in graded:  # an UE's grades told once
            marks = grades[exam.ue]
            graded.add(exam.ue)
        item = RestingOn(exam, requests.get(exam.id, 0), arrangements.get(exam.id, 0), marks)
        if item.requests or item.arrangements or item.grades:
            found.append(item)
    return found


def mark_for_review(s: Session, file_name: str, removed: Sequence[Any]) -> int:
    """Tell each request resting on exams about to be removed that it is to be looked at again."""
    by_id = {exam.id: exam for exam in removed}
    ids = list(by_id)
    if not ids:
        return 0
    concerned: dict[int, list[Any]] = {}
    for request_id, exam_id in s.execute(
        select(RequestedExam.request_id, RequestedExam.exam_id)
        .where(RequestedExam.exam_id.in_(ids))
        .union(select(Arrangement.request_id, Arrangement.exam_id).where(Arrangement.exam_id.in_(ids)))
    ):
        exams = concerned.setdefault(request_id, [])
        if by_id[exam_id] not in exams:
            exams.append(by_id[exam_id])
    if not concerned:
        return 0
    at, clerk = audit.now(), s.info.get("clerk", "inconnu")
    events = []
    for request_id, exams in concerned.items():
        named = ", ".join(f"{e.ue} ({e.centre}) du {frenchdates.short_date(e.date)}" for e in exams)
        word = "Épreuve supprimée" if len(exams) == 1 else "Épreuves supprimées"
        text = f"{word} du planning par l'import de « {file_name} » : {named}. Demande à revoir."
        events.append({"request_id": request_id, "at": at, "clerk": clerk, "action": "review", "text": text})
    s.execute(insert(RequestEvent.__table__), events)
    table = AccommodationRequest.__table__
    s.execute(update(table).where(table.c.id.in_(list(concerned))).values(version=table.c.version + 1))
    return len(concerned)
