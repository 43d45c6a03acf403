"""Unexpected errors: rolled back, logged without grades or names, and explained to the clerk."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from cnam_desk import cli, logs
from cnam_desk.db.engine import Database
from cnam_desk.db.models import AuditEvent, CourseUnit, Grade, Student
from cnam_desk.errors import RefusedInput
from cnam_desk.schedule import exam_calendar

GRADE = Decimal("17.25")
NAME = "Lefèvre-Dupré"
NUMBER = "10099017"


def _log_text() -> str:
    for handler in __import__("logging").getLogger("cnam_desk").handlers:
        handler.flush()
    path = logs.log_file()
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _assert_no_values(text: str) -> None:
    for value in ("17.25", "17,25", NAME, "Zoë", NUMBER):
        assert value not in text, f"{value!r} found in the log"


@pytest.fixture(autouse=True)
def fresh_log(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each test has its own home folder: the log handler must follow it.
    import logging

    root = logging.getLogger("cnam_desk")
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    monkeypatch.setattr(logs, "_configured", False)


def test_a_failing_grade_entry_is_rolled_back_and_leaves_no_value_in_the_log(db: Database) -> None:
    with db.transaction() as s:
        s.add(Student(number=NUMBER, last_name=NAME, first_name="Zoë"))
        unit = CourseUnit(code="NFA031", title="Programmation")
        s.add(unit)
        s.flush()
        session_id = exam_calendar.find_session(s, "2023-2024/S1/1").id
        unit_id = unit.id
        events_before = s.scalar(select(func.count()).select_from(AuditEvent))
    value = GRADE
    with pytest.raises(IntegrityError):
        with db.transaction() as s:
            student = s.scalar(select(Student).where(Student.number == NUMBER))
            student.email = "zoe@exemple.fr"  # written first, must be undone with the rest
            s.flush()
            s.add(Grade(session_id=session_id, course_unit_id=unit_id, student_id=987654, value=value,
                        entered_at=dt.datetime.now(dt.UTC), entered_by="greffier.test"))
            s.flush()
    try:
        with db.transaction() as s:  # the same student number twice: the error names the column, not the value
            s.add(Student(number=NUMBER, last_name=NAME, first_name="Zoë"))
    except IntegrityError:
        logs.log_unexpected("saisie des notes", sys.exc_info())  # type: ignore[arg-type]
    try:
        with db.transaction() as s:
            s.add(Grade(session_id=session_id, course_unit_id=unit_id, student_id=987654, value=value,
                        entered_at=dt.datetime.now(dt.UTC), entered_by="greffier.test"))
    except IntegrityError:
        path = logs.log_unexpected("saisie des notes")
    text = _log_text()
    assert str(path) and "IntegrityError" in text and "saisie des notes" in text
    _assert_no_values(text)
    with db.transaction(write=False) as s:
        assert s.scalar(select(Student.email).where(Student.number == NUMBER)) == ""
        assert s.scalar(select(func.count()).select_from(Grade)) == 0
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == events_before


def test_a_bug_in_a_command_exits_3_and_logs_without_values(db: Database, monkeypatch, capsys) -> None:
    def broken(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        raise ValueError(f"note « {GRADE} » de {NUMBER} refusée pour '{NAME}', moyenne {GRADE}")

    from cnam_desk.commands import calendar as calendar_command

    opened: list[Database] = []
    real_open = calendar_command.open_db
    monkeypatch.setattr(calendar_command, "open_db", lambda args: opened.append(real_open(args)) or opened[-1])
    monkeypatch.setattr(exam_calendar, "list_sessions", broken)
    code = cli.main(["--db", db.url, "calendar"])
    for database in opened:
        database.dispose()
    err = capsys.readouterr().err
    assert code == cli.EXIT_UNEXPECTED
    assert str(logs.log_file()) in err and err.count("\n") == 1
    text = _log_text()
    assert "ValueError" in text and "test_errors_and_logs.py" in text  # where it happened is kept
    _assert_no_values(text)


@pytest.mark.parametrize(
    ("message", "kept"),
    [
        ("(sqlite3.IntegrityError) UNIQUE constraint failed: student.number", "UNIQUE constraint failed: student.number"),
        ('duplicate key value violates unique constraint "uq_student_number"\nDETAIL:  Key (number)=(10099017) already exists.',
         "Key (number)=(…) already exists"),
        ("[SQL: INSERT INTO grade (value) VALUES (?)]\n[parameters: ('17.25', 'Zoë')]", "[SQL: INSERT INTO grade (value) VALUES (?)]"),
        ("Note « 17,25 » invalide pour l'auditeur « Zoë Lefèvre-Dupré »", "Note … invalide pour l"),
        ("invalid literal for int() with base 10: '17,25'", "invalid literal for int() with base …: …"),
    ],
)
def test_scrub(message: str, kept: str) -> None:
    scrubbed = logs.scrub(message)
    assert kept in scrubbed
    _assert_no_values(scrubbed)


def test_error_chain_is_logged_without_values() -> None:
    try:
        try:
            Decimal("dix-sept") + 0
        except ArithmeticError as error:
            raise RefusedInput(f"Note « {GRADE} » illisible pour « {NAME} »") from error
    except RefusedInput as error:
        text = logs.format_error(error)
    assert "decimal.InvalidOperation" in text and "cnam_desk.errors.RefusedInput" in text
    _assert_no_values(text)


def test_window_hook_says_what_happened_and_where_the_log_is(qtbot, monkeypatch) -> None:
    from cnam_desk.ui import app, msgbox

    shown: list[tuple[str, str, str]] = []
    monkeypatch.setattr(msgbox, "error", lambda _p, title, text, details="": shown.append((title, text, details)))
    warnings: list[str] = []
    monkeypatch.setattr(msgbox, "warning", lambda _p, _title, text: warnings.append(text))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(__import__("threading"), "excepthook", __import__("threading").excepthook)
    app.install_error_hook()
    try:
        raise KeyError(f"{NUMBER} {GRADE}")
    except KeyError:
        sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
    title, text, details = shown[0]
    assert title == "Erreur inattendue"
    assert "KeyError" in text and "rien n'en a été enregistré" in text
    assert str(logs.log_file()) in text
    _assert_no_values(details)
    _assert_no_values(_log_text())
    try:
        raise RefusedInput("La session « 2023-2024/S9/1 » n'existe pas.")
    except RefusedInput:
        sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
    assert warnings == ["La session « 2023-2024/S9/1 » n'existe pas."]
    assert len(shown) == 1
