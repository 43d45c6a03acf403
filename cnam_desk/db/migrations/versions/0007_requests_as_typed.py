"""requests as typed: what an answer held that could not be read (an unknown UE, a date in words), and the postal address it gave

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("accommodation_request", sa.Column("as_typed", sa.JSON(), nullable=True))
    op.add_column(
        "accommodation_request", sa.Column("postal_address", sa.Text(), nullable=False, server_default="")
    )


def downgrade() -> None:
    with op.batch_alter_table("accommodation_request", schema=None) as batch_op:
        batch_op.drop_column("postal_address")
        batch_op.drop_column("as_typed")
