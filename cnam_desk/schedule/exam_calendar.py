"""The calendar of exam sessions: years, semesters, sessions, deadlines and their states."""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from cnam_desk import frenchdates, paths
from cnam_desk.db.engine import Database, session_changed
from cnam_desk.db.models import AcademicYear, AuditEvent, ExamSession, Semester
from cnam_desk.errors import EditConflict, NotFound, RefusedInput

PROCESSING_DAYS = 7  # requests are handled in the week after the deadline
UNSET_DEADLINE = "en cours de planification"

_KEY = re.compile(r"^\s*(\d{4})-(\d{4})\s*/\s*S([12])\s*/\s*([12])\s*$", re.IGNORECASE)
_SEMESTER_KEY = re.compile(r"^\s*(\d{4})-(\d{4})\s*/\s*S([12])\s*$", re.IGNORECASE)
_YEAR = re.compile(r"^\s*(\d{4})-(\d{4})\s*$")


class SessionState(enum.StrEnum):
    NOT_OPEN = "not_open"
    OPEN = "open"
    PROCESSING = "processing"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            SessionState.NOT_OPEN: "demandes pas encore ouvertes",
            SessionState.OPEN: "demandes ouvertes",
            SessionState.PROCESSING: "date limite passée, semaine de traitement",
            SessionState.CLOSED: "clôturée",
        }[self]


@dataclass(frozen=True)
class SessionKey:
    """`2023-2024/S1/1`: year / semester / session."""

    year: str
    semester: int
    session: int

    def __str__(self) -> str:
        return f"{self.year}/S{self.semester}/{self.session}"


def parse_year(text: str) -> str:
    match = _YEAR.match(text or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise RefusedInput(f"Année universitaire « {text} » invalide : attendu par exemple 2023-2024.")
    return f"{match.group(1)}-{match.group(2)}"


def parse_session_key(text: str) -> SessionKey:
    match = _KEY.match(text or "")
    if not match:
        raise RefusedInput(f"Clé de session « {text} » invalide : attendu par exemple 2023-2024/S1/1.")
    year = parse_year(f"{match.group(1)}-{match.group(2)}")
    return SessionKey(year, int(match.group(3)), int(match.group(4)))


def parse_semester_key(text: str) -> tuple[str, int]:
    match = _SEMESTER_KEY.match(text or "")
    if not match:
        raise RefusedInput(f"Semestre « {text} » invalide : attendu par exemple 2023-2024/S1.")
    return parse_year(f"{match.group(1)}-{match.group(2)}"), int(match.group(3))


# --- rules ---------------------------------------------------------------------------------


def processing_due(deadline: dt.datetime | None) -> dt.datetime | None:
    """Requests are handled in the week that follows the deadline: seven days later, Paris wall clock
    (a deadline at 23h59 before the change to summer time ends its week at 23h59 too)."""
    return None if deadline is None else frenchdates.paris(deadline) + dt.timedelta(days=PROCESSING_DAYS)


class DatedSession(Protocol):
    """What a session's state is read from: an ExamSession, or a row of its columns."""

    @property
    def request_deadline(self) -> dt.datetime | None: ...
    @property
    def last_day(self) -> dt.date: ...


def session_state(session: DatedSession, now: dt.datetime | None = None) -> SessionState:
    """Where the session stands today for requests."""
    now = now or frenchdates.now()
    deadline = session.request_deadline
    last_moment = frenchdates.paris_instant(session.last_day, dt.time(23, 59, 59))
    if deadline is None:
        return SessionState.CLOSED if now > last_moment else SessionState.NOT_OPEN
    if now <= deadline:
        return SessionState.OPEN
    due = processing_due(deadline)
    if due is not None and now <= due:
        return SessionState.PROCESSING
    return SessionState.CLOSED


def deadline_text(deadline: dt.datetime | None) -> str:
    """« dimanche 7 janvier 2024 à 23h59 », or « en cours de planification »."""
    return UNSET_DEADLINE if deadline is None else frenchdates.long_datetime(deadline)


def validate_session(
    first_day: dt.date,
    last_day: dt.date,
    deadline: dt.datetime | None,
    others: list[tuple[str, dt.date, dt.date]],
) -> None:
    """The form's and the command line's rules for a session; raises RefusedInput."""
    if last_day <= first_day:
        raise RefusedInput(
            f"Le dernier jour ({frenchdates.short_date(last_day)}) doit être après "
            f"le premier jour ({frenchdates.short_date(first_day)})."
        )
    if deadline is not None and deadline >= frenchdates.paris_instant(first_day, dt.time(0, 0)):
        raise RefusedInput(
            f"La date limite ({deadline_text(deadline)}) doit précéder le début de la session "
            f"({frenchdates.long_date(first_day)})."
        )
    for key, other_first, other_last in others:
        if first_day <= other_last and other_first <= last_day:
            raise RefusedInput(
                f"Les dates chevauchent la session {key} "
                f"(du {frenchdates.short_date(other_first)} au {frenchdates.short_date(other_last)})."
            )


# --- queries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionView:
    """A session as the calendar shows it."""

    id: int
    key: str
    year: str
    semester: int
    number: int
    first_day: dt.date
    last_day: dt.date
    deadline: dt.datetime | None
    version: int
    state: SessionState

    @property
    def deadline_text(self) -> str:
        return deadline_text(self.deadline)

    @property
    def processing_due(self) -> dt.datetime | None:
        return processing_due(self.deadline)

    @property
    def title(self) -> str:
        return f"Semestre {self.semester}, session {self.number}"

    def as_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "deadline": None if self.deadline is None else frenchdates.paris(self.deadline).isoformat(),
            "state": self.state.value,
        }


def _view(session: ExamSession, now: dt.datetime | None) -> SessionView:
    return SessionView(
        id=session.id,
        key=session.key,
        year=session.semester.year.label,
        semester=session.semester.number,
        number=session.number,
        first_day=session.first_day,
        last_day=session.last_day,
        deadline=session.request_deadline,
        version=session.version,
        state=session_state(session, now),
    )


def list_sessions(db: Database, now: dt.datetime | None = None) -> list[SessionView]:
    """Every session, in calendar order.

    Read from the tables alone (no ORM entity): `cnam-desk calendar` then never configures the
    office's mappers, which costs more than the query itself on a short command.
    """
    sessions, semesters, years = ExamSession.__table__, Semester.__table__, AcademicYear.__table__
    query = (
        select(
            sessions.c.id, years.c.label, semesters.c.number.label("semester_number"), sessions.c.number,
            sessions.c.first_day, sessions.c.last_day, sessions.c.request_deadline, sessions.c.version,
        )
        .select_from(
            sessions.join(semesters, sessions.c.semester_id == semesters.c.id).join(
                years, semesters.c.year_id == years.c.id
            )
        )
        .order_by(years.c.start_year, semesters.c.number, sessions.c.number)
    )
    with db.transaction(write=False) as s:
        rows = s.execute(query).all()
    return [
        SessionView(
            id=row.id,
            key=str(SessionKey(row.label, row.semester_number, row.number)),
            year=row.label,
            semester=row.semester_number,
            number=row.number,
            first_day=row.first_day,
            last_day=row.last_day,
            deadline=row.request_deadline,
            version=row.version,
            state=session_state(row, now),
        )
        for row in rows
    ]


def list_years(db: Database) -> list[str]:
    with db.transaction(write=False) as s:
        return list(s.scalars(select(AcademicYear.label).order_by(AcademicYear.start_year)))


def find_session(s: Session, key: str) -> ExamSession:
    """The session named by a key such as 2023-2024/S1/1, inside an open transaction."""
    parsed = parse_session_key(key)
    session = s.scalar(
        select(ExamSession)
        .join(ExamSession.semester)
        .join(Semester.year)
        .where(
            AcademicYear.label == parsed.year,
            Semester.number == parsed.semester,
            ExamSession.number == parsed.session,
        )
    )
    if session is None:
        raise NotFound(f"La session {parsed} n'existe pas (voir « cnam-desk calendar »).")
    return session


def get_session(db: Database, key: str, now: dt.datetime | None = None) -> SessionView:
    with db.transaction(write=False) as s:
        return _view(find_session(s, key), now)


def find_year(s: Session, label: str) -> AcademicYear:
    year = s.scalar(select(AcademicYear).where(AcademicYear.label == parse_year(label)))
    if year is None:
        raise NotFound(f"L'année universitaire {label} n'existe pas (voir « cnam-desk calendar »).")
    return year


# --- changes -------------------------------------------------------------------------------


def _year(s: Session, label: str) -> AcademicYear:
    label = parse_year(label)
    year = s.scalar(select(AcademicYear).where(AcademicYear.label == label))
    if year is None:
        year = AcademicYear(label=label, start_year=int(label[:4]))
        s.add(year)
        s.flush()
    return year


def _semester(s: Session, year: AcademicYear, number: int) -> Semester:
    semester = s.scalar(select(Semester).where(Semester.year_id == year.id, Semester.number == number))
    if semester is None:
        semester = Semester(year=year, number=number)
        s.add(semester)
        s.flush()
    return semester


def set_session(
    db: Database,
    key: str,
    first_day: dt.date,
    last_day: dt.date,
    deadline: dt.datetime | None,
    *,
    expect_version: int | None = None,
) -> SessionView:
    """Create or update a session, with the same rules as the form."""
    with db.transaction() as s:
        return save_session(s, key, first_day, last_day, deadline, expect_version=expect_version)


def save_session(
    s: Session,
    key: str,
    first_day: dt.date,
    last_day: dt.date,
    deadline: dt.datetime | None,
    *,
    expect_version: int | None = None,
) -> SessionView:
    """set_session inside a transaction already open (several sessions saved all together)."""
    parsed = parse_session_key(key)
    year = _year(s, parsed.year)
    semester = _semester(s, year, parsed.semester)
    existing = {row.number: row for row in semester.sessions}
    session = existing.get(parsed.session)
    others = [
        (f"{semester.key}/{row.number}", row.first_day, row.last_day)
        for number, row in existing.items()
        if number != parsed.session
    ]
    validate_session(first_day, last_day, deadline, others)
    if session is None:
        session = ExamSession(
            semester=semester, number=parsed.session, first_day=first_day, last_day=last_day,
            request_deadline=deadline,
        )
        s.add(session)
    else:
        if expect_version is not None and session.version != expect_version:
            raise EditConflict(
                f"La session {parsed} a été modifiée par ailleurs depuis son ouverture : "
                "rechargez-la avant de l'enregistrer."
            )
        session.first_day = first_day
        session.last_day = last_day
        session.request_deadline = deadline
    s.flush()
    # A new deadline can make requests late or on time: their checks follow at once.
    session_changed(s, session)
    return _view(session, None)


def needs_default_calendar(db: Database) -> bool:
    """A database that never had a calendar: new, or its first opening was stopped before the calendar."""
    years, events = AcademicYear.__table__, AuditEvent.__table__  # columns: no mapper set-up on opening
    with db.transaction(write=False) as s:
        if s.scalar(select(years.c.id).limit(1)) is not None:
            return False
        # Sessions once created and all removed since: the office's choice, not a new database.
        return s.scalar(select(events.c.id).where(events.c.entity == "exam_session").limit(1)) is None


def install_default_calendar(db: Database) -> None:
    """The calendar of the office's public page, given to every new database, in one transaction."""
    data = json.loads(paths.resource("default_calendar.json").read_text(encoding="utf-8"))
    with db.transaction() as s:
        for year in data["years"]:
            for row in year["sessions"]:
                deadline = None
                if row["deadline"]:
                    local = dt.datetime.fromisoformat(row["deadline"])
                    deadline = frenchdates.paris_instant(local.date(), local.time())
                key = str(SessionKey(year["label"], row["semester"], row["session"]))
                save_session(
                    s, key, dt.date.fromisoformat(row["first_day"]), dt.date.fromisoformat(row["last_day"]), deadline
                )
