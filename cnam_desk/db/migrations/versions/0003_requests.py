"""requests: the history of each request, indexes for the queue, the office's first refusal reasons

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The office edits this list afterwards (Édition > Motifs de refus…).
DEFAULT_REFUSAL_REASONS = [
    "Demande reçue après la date limite de demande d'aménagement.",
    "Les examens indiqués n'ont pas lieu le même jour à la même heure.",
    "Vous n'êtes pas inscrit(e) à l'UE indiquée pour cette session.",
    "Justificatif du déplacement professionnel absent ou insuffisant.",
    "Le déplacement indiqué ne couvre pas la date de l'examen.",
    (
        "Le motif ne fait pas partie des cas prévus (chevauchement d'examens, déplacement "
        "professionnel ponctuel à l'étranger, situation de handicap)."
    ),
]


REASONS = sa.table(
    "refusal_reason",
    sa.column("text", sa.Text()),
    sa.column("position", sa.Integer()),
    sa.column("active", sa.Boolean()),
)


def upgrade() -> None:
    op.create_table(
        "request_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("clerk", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["accommodation_request.id"],
            name=op.f("fk_request_event_request_id_accommodation_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_event")),
    )
    with op.batch_alter_table("request_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_event_request_id"), ["request_id"], unique=False
        )

    with op.batch_alter_table("accommodation_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_accommodation_request_session_received", ["session_id", "received_at"], unique=False
        )
        batch_op.create_index(
            "ix_accommodation_request_session_status", ["session_id", "status"], unique=False
        )

    op.bulk_insert(
        REASONS,
        [
            {"text": text, "position": index, "active": True}
            for index, text in enumerate(DEFAULT_REFUSAL_REASONS)
        ],
    )


def downgrade() -> None:
    op.execute(REASONS.delete().where(REASONS.c.text.in_(DEFAULT_REFUSAL_REASONS)))
    with op.batch_alter_table("accommodation_request", schema=None) as batch_op:
        batch_op.drop_index("ix_accommodation_request_session_status")
        batch_op.drop_index("ix_accommodation_request_session_received")
    with op.batch_alter_table("request_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_event_request_id"))
    op.drop_table("request_event")
