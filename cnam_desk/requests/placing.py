"""Which exam session each answer of an export goes to, when the clerk does not say.

An answer goes to the session whose schedule holds every exam it names that a schedule holds;
the next one to come when several do. An answer that names no exam of any schedule (a typo, no
code at all) goes with the other answers of the export (the session most of them go to), else
to the next session after it was received; a warning says where it went.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from cnam_desk import frenchdates
from cnam_desk.db.models import AcademicYear, CourseUnit, Exam, ExamSession, Semester
from cnam_desk.errors import RefusedInput
from cnam_desk.requests.answers import Answer
from cnam_desk.requests.exports import ImportProblem


class SessionIndex:
    """Which sessions have an exam for each UE, to find the session an answer is about."""

    def __init__(self, s: Session):
        self.sessions: dict[int, ExamSession] = {
            row.id: row
            for row in s.scalars(
                select(ExamSession)
                .join(ExamSession.semester)
                .join(Semester.year)
                .order_by(AcademicYear.start_year, Semester.number, ExamSession.number)
            )
        }
        self.by_code: dict[str, set[int]] = defaultdict(set)
        for code, session_id in s.execute(
            select(CourseUnit.code, Exam.session_id).join(Exam.course_unit).distinct()
        ):
            self.by_code[code].add(session_id)

    def scheduled(self, codes: Sequence[str]) -> list[str]:
        """The codes some session's schedule holds (a typo, or an UE never scheduled, is not)."""
        return [code for code in codes if self.by_code.get(code)]

    def session_for(self, codes: Sequence[str], received_at: dt.datetime) -> ExamSession:
        """The session whose schedule holds every named exam; the next one to come when several do."""
        candidates = set.intersection(*(self.by_code.get(code, set()) for code in codes))
        if not candidates:
            raise RefusedInput(
                f"aucune session n'a d'examen pour {', '.join(codes)} dans son planning : indiquez la session (--session)"
            )
        day = frenchdates.paris(received_at).date()
        ordered = sorted(candidates, key=lambda sid: self.sessions[sid].first_day)
        upcoming = [sid for sid in ordered if self.sessions[sid].first_day > day]
        if upcoming:
            return self.sessions[upcoming[0]]
        if len(ordered) == 1:
            return self.sessions[ordered[0]]
        keys = ", ".join(self.sessions[sid].key for sid in ordered)
        raise RefusedInput(
            f"plusieurs sessions possibles ({keys}) : indiquez la session (--session)"
        )

    def next_after(self, received_at: dt.datetime) -> ExamSession | None:
        """The first session whose exams begin after that day."""
        day = frenchdates.paris(received_at).date()
        upcoming = sorted(
            (session for session in self.sessions.values() if session.first_day > day),
            key=lambda session: session.first_day,
        )
        return upcoming[0] if upcoming else None


def place_answers(
    s: Session, answers: Sequence[Answer], *, file_name: str, sheet: str
) -> tuple[list[tuple[Answer, ExamSession]], list[ImportProblem], list[ImportProblem]]:
    """Each answer with its session; the answers that cannot be placed; where the others went by default."""
    index = SessionIndex(s)
    placed: dict[int, ExamSession] = {}  # by position in answers: the export's order is kept
    errors: list[ImportProblem] = []
    warnings: list[ImportProblem] = []
    unplaced: list[int] = []
    for position, answer in enumerate(answers):
        scheduled = index.scheduled(answer.codes)
        if not scheduled:
            unplaced.append(position)
            continue
        try:
            placed[position] = index.session_for(scheduled, answer.received_at)
        except RefusedInput as error:
            errors.append(ImportProblem(file_name, sheet, answer.row, None, error.message))
    counts = Counter(session.id for session in placed.values())
    usual = (
        max(counts, key=lambda sid: (counts[sid], -index.sessions[sid].first_day.toordinal()))
        if counts
        else None
    )
    for position in unplaced:
        answer = answers[position]
        if usual is not None:
            session, why = index.sessions[usual], "celle des autres réponses de l'export"
        else:
            found = index.next_after(answer.received_at)
            if found is None:
                errors.append(
                    ImportProblem(
                        file_name, sheet, answer.row, None,
                        "aucune UE d'un planning pour trouver la session : indiquez la session (--session)",
                    )
                )
                continue
            session, why = found, "la prochaine après sa réception"
        placed[position] = session
        warnings.append(
            ImportProblem(
                file_name, sheet, answer.row, None,
                f"aucune UE d'un planning : demande rangée dans la session {session.key} ({why})",
            )
        )
    return [(answers[i], placed[i]) for i in sorted(placed)], errors, warnings
