"""Revision 0005 (results) upgrades a database of revision 0004 that holds enrolments."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from cnam_desk.db import migrate
from cnam_desk.db.engine import make_engine
from tests.conftest import POSTGRES_URL, reset_postgres


def test_upgrade_from_0004_keeps_enrolments_and_adds_the_index(tmp_path) -> None:
    url = POSTGRES_URL or f"sqlite:///{tmp_path / 'old.sqlite3'}"
    if POSTGRES_URL:
        reset_postgres(url)
    engine = make_engine(url)
    migrate.upgrade(engine, "0004")
    with engine.begin() as connection:
        connection.execute(text("insert into academic_year (id, label, start_year) values (1, '2023-2024', 2023)"))
        connection.execute(text("insert into course_unit (id, code, title, version) values (1, 'NFA031', 'Java', 1)"))
        connection.execute(text("insert into student (id, number, last_name, first_name, email, postal_address, version) "
                                "values (1, '100', 'Martin', 'Léa', '', '', 1)"))
        connection.execute(text("insert into enrolment (student_id, course_unit_id, year_id) values (1, 1, 1)"))
    assert "ix_enrolment_course_unit_year" not in {i["name"] for i in inspect(engine).get_indexes("enrolment")}
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) in migrate.head_revisions()
    assert "ix_enrolment_course_unit_year" in {i["name"] for i in inspect(engine).get_indexes("enrolment")}
    with engine.connect() as connection:
        assert connection.execute(text("select count(*) from enrolment")).scalar_one() == 1
    config = migrate.alembic_config(engine)  # and back
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
    assert "ix_enrolment_course_unit_year" not in {i["name"] for i in inspect(engine).get_indexes("enrolment")}
    engine.dispose()
