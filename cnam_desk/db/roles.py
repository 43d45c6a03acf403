"""PostgreSQL: the clerks' role, which works normally but can neither edit nor delete the audit trail.

The owner role (the one that created the database) runs the migrations and owns the tables;
only it may ALTER a table or disable its triggers. The clerks' role gets, on every table, the
rights of daily work, and on the audit trail reading and adding only: no UPDATE, DELETE,
TRUNCATE, no right on the schema's version. Tables a later upgrade adds get the daily rights
by default privileges; running it again after an upgrade does no harm.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, text

from cnam_desk.errors import RefusedInput

_ROLE = re.compile(r"[a-z_][a-z0-9_]{0,62}")
AUDIT = "audit_event"
VERSIONS = "alembic_version"


def statements(role: str, schema: str = "public") -> list[str]:
    """The grants, in order (also what `cnam-desk grant-clerks --sql` prints)."""
    if not _ROLE.fullmatch(role):
        raise RefusedInput(
            f"Nom de rôle « {role} » refusé : lettres minuscules sans accent, chiffres et « _ », 63 caractères au plus."
        )
    if not _ROLE.fullmatch(schema):
        raise RefusedInput(f"Schéma « {schema} » inattendu.")
    return [
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
        f"REVOKE CREATE ON SCHEMA {schema} FROM {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {schema}.{AUDIT} FROM {role}",
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {schema}.{VERSIONS} FROM {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        # Tables and sequences a later upgrade creates (as the owner) get the same rights.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]


def grant_clerks(engine: Engine, role: str) -> list[str]:
    """Give the clerks' role its rights (run as the owner); the statements run."""
    if engine.dialect.name != "postgresql":
        raise RefusedInput("Les rôles ne concernent qu'une base PostgreSQL : une base SQLite n'en a pas.")
    with engine.begin() as connection:
        facts = connection.execute(
            text("SELECT rolsuper, rolname = current_user FROM pg_roles WHERE rolname = :role"), {"role": role}
        ).first()
        if facts is None:
            raise RefusedInput(
                f"Le rôle « {role} » n'existe pas sur le serveur : créez-le d'abord (CREATE ROLE {role} LOGIN PASSWORD '…')."
            )
        if facts[0] or facts[1]:
            raise RefusedInput(
                f"Le rôle « {role} » est super-utilisateur ou propriétaire : il pourrait modifier le journal. "
                "Donnez aux greffiers un rôle à eux."
            )
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        done = statements(role, schema)
        for statement in done:
            connection.exec_driver_sql(statement)
    return done
