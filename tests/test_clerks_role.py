"""PostgreSQL's two roles: the clerks' role works normally but can neither edit nor delete the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from cnam_desk import integrity
from cnam_desk.database import open_database
from cnam_desk.db import roles
from cnam_desk.db.engine import Database
from cnam_desk.db.models import AuditEvent, Student
from cnam_desk.errors import RefusedInput
from cnam_desk.schedule import exam_calendar

ROLE = "cnam_greffiers_test"


@pytest.fixture
def clerks_url(db: Database) -> str:
    if db.is_sqlite:
        pytest.skip("PostgreSQL seulement")
    with db.engine.begin() as connection:
        if connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": ROLE}).first() is None:
            connection.exec_driver_sql(f"CREATE ROLE {ROLE} LOGIN")
    return make_url(db.url).set(username=ROLE, password=None).render_as_string(hide_password=False)


def _refused(url: str, statement: str) -> str:
    engine = create_engine(url)
    try:
        with pytest.raises(DBAPIError) as refused, engine.begin() as connection:
            connection.exec_driver_sql(statement)
    finally:
        engine.dispose()
    return str(refused.value.orig)


def test_clerks_role_works_but_cannot_touch_the_trail(cli, db: Database, clerks_url: str) -> None:
    done = cli("grant-clerks", ROLE)
    assert done.code == 0, done
    assert ROLE in done.out
    clerk = open_database(clerks_url, clerk="greffiere.b")
    try:
        assert clerk.notices == []
        with clerk.transaction() as s:
            s.add(Student(number="100880001", last_name="Rôle"))
        exam_calendar.set_session(clerk, "2023-2024/S1/1", dt.date(2024, 1, 22), dt.date(2024, 2, 3), None)
        with clerk.transaction(write=False) as s:
            mine = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.clerk == "greffiere.b"))
        assert mine >= 2  # its work is in the trail, chained like any other
    finally:
        clerk.dispose()
    for statement in (
        "UPDATE audit_event SET clerk = 'x'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
        "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only",
        "DROP TRIGGER audit_event_append_only ON audit_event",
        "UPDATE alembic_version SET version_num = '0001'",
        "CREATE TABLE audit_copy (id int)",
    ):
        message = _refused(clerks_url, statement)
        assert "permission denied" in message or "must be owner" in message or "droit refusé" in message, statement
    assert integrity.check(db.url).ok


def test_grants_refuse_an_owner_or_a_bad_name(db: Database) -> None:
    if db.is_sqlite:
        with pytest.raises(RefusedInput, match="PostgreSQL"):
            roles.grant_clerks(db.engine, ROLE)
        return
    owner = make_url(db.url).username
    with pytest.raises(RefusedInput, match="propriétaire"):
        roles.grant_clerks(db.engine, owner)
    with pytest.raises(RefusedInput, match="n'existe pas"):
        roles.grant_clerks(db.engine, "personne_de_ce_nom")


def test_grant_clerks_sql_and_refusals(cli) -> None:
    shown = cli("grant-clerks", "greffiers", "--sql")
    assert shown.code == 0 and "REVOKE UPDATE, DELETE, TRUNCATE" in shown.out and "audit_event" in shown.out
    bad = cli("grant-clerks", "greffiers; DROP TABLE x", "--sql")
    assert bad.code == 1 and "refusé" in bad.err and len(bad.err.strip().splitlines()) == 1
