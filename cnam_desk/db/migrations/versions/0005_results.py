"""results: an index for an exam's students (enrolments by UE and year)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.create_index("ix_enrolment_course_unit_year", ["course_unit_id", "year_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("enrolment", schema=None) as batch_op:
        batch_op.drop_index("ix_enrolment_course_unit_year")
