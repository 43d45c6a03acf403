"""double entry: the second entry of a grade, and the settlement of a disagreement in the grade's history

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "grade_second_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("course_unit_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(precision=4, scale=2), nullable=True),
        sa.Column("code", sa.Enum("ABI", "ABJ", name="gradecode", native_enum=False), nullable=True),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entered_by", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_unit_id"], ["course_unit.id"], name=op.f("fk_grade_second_entry_course_unit_id_course_unit")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["exam_session.id"], name=op.f("fk_grade_second_entry_session_id_exam_session"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["student.id"], name=op.f("fk_grade_second_entry_student_id_student"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grade_second_entry")),
        sa.UniqueConstraint("session_id", "course_unit_id", "student_id", name=op.f("uq_grade_second_entry_session_id")),
    )
    with op.batch_alter_table("grade_second_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grade_second_entry_course_unit_id"), ["course_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grade_second_entry_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grade_second_entry_student_id"), ["student_id"], unique=False)
    with op.batch_alter_table("grade_change", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=20), nullable=False, server_default="entry"))
        batch_op.add_column(sa.Column("second_entry", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("grade_change", schema=None) as batch_op:
        batch_op.drop_column("second_entry")
        batch_op.drop_column("kind")
    with op.batch_alter_table("grade_second_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grade_second_entry_student_id"))
        batch_op.drop_index(batch_op.f("ix_grade_second_entry_session_id"))
        batch_op.drop_index(batch_op.f("ix_grade_second_entry_course_unit_id"))
    op.drop_table("grade_second_entry")
