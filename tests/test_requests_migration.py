"""Revision 0003 (requests) from 0002 with a request in the database: kept, and back down again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from cnam_desk.db import migrate
from cnam_desk.db.engine import make_engine
from tests.conftest import POSTGRES_URL, reset_postgres


def test_requests_revision_keeps_requests(tmp_path) -> None:
    url = POSTGRES_URL or f"sqlite:///{tmp_path / 'old.sqlite3'}"
    if POSTGRES_URL:
        reset_postgres(url)
    engine = make_engine(url)
    migrate.upgrade(engine, "0002")
    with engine.begin() as connection:
        connection.execute(text("insert into academic_year (id, label, start_year) values (1, '2023-2024', 2023)"))
        connection.execute(text("insert into semester (id, year_id, number) values (1, 1, 1)"))
        connection.execute(
            text(
                "insert into exam_session (id, semester_id, number, first_day, last_day, version) "
                "values (1, 1, 1, '2024-01-22', '2024-02-03', 1)"
            )
        )
        connection.execute(
            text(
                "insert into accommodation_request (id, session_id, student_number, last_name, first_name, email, "
                "kind, reason_text, received_at, source, comment, status, checks, decision_reason, "
                "decision_comment, missing_items, version) values (1, 1, '100001', 'Dupont', 'Camille', '', "
                "'overlap', 'chevauchement', '2024-01-05 09:30:00', 'form', '', 'pending', '{}', '', '', '', 1)"
            )
        )
    assert "request_event" not in inspect(engine).get_table_names()

    migrate.upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("select student_number from accommodation_request")).scalar_one() == "100001"
        reasons = connection.execute(text("select text from refusal_reason order by position")).scalars().all()
    assert len(reasons) == 6 and reasons[0].startswith("Demande reçue après la date limite")
    tables = inspect(engine)
    assert "request_event" in tables.get_table_names()
    indexes = {index["name"] for index in tables.get_indexes("accommodation_request")}
    assert {"ix_accommodation_request_session_received", "ix_accommodation_request_session_status"} <= indexes

    config = migrate.alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    assert "request_event" not in inspect(engine).get_table_names()
    with engine.connect() as connection:
        assert connection.execute(text("select count(*) from accommodation_request")).scalar_one() == 1
    migrate.upgrade(engine)  # and up again
    with engine.connect() as connection:
        assert connection.execute(text("select count(*) from refusal_reason")).scalar_one() == 6
    engine.dispose()
