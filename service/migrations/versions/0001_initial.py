"""Initial schema: API keys, analyses, their pictures and clinician feedback.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.db import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("clinic", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
        sa.UniqueConstraint("prefix"),
    )
    op.create_index("ix_api_keys_clinic", "api_keys", ["clinic"])
    op.create_table(
        "analyses",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("clinic", sa.String(length=200), nullable=False),
        sa.Column("subject_ref", sa.String(length=128), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("requested_view", sa.String(length=16), nullable=False),
        sa.Column("requested_side", sa.String(length=16), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_analyses_clinic_created", "analyses", ["clinic", "created_at", "id"])
    op.create_index(
        "ix_analyses_clinic_subject", "analyses", ["clinic", "subject_ref", "created_at"]
    )
    op.create_table(
        "analysis_images",
        sa.Column("analysis_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["analysis_id"], ["analyses.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("analysis_id", "kind"),
    )
    op.create_index("ix_analysis_images_kind_created", "analysis_images", ["kind", "created_at"])
    op.create_table(
        "feedback",
        sa.Column("analysis_id", sa.String(length=36), nullable=False),
        sa.Column("feet", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("clinician", sa.String(length=128), nullable=True),
        sa.Column("key_prefix", sa.String(length=16), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["analysis_id"], ["analyses.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("analysis_id"),
    )


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_index("ix_analysis_images_kind_created", table_name="analysis_images")
    op.drop_table("analysis_images")
    op.drop_index("ix_analyses_clinic_subject", table_name="analyses")
    op.drop_index("ix_analyses_clinic_created", table_name="analyses")
    op.drop_table("analyses")
    op.drop_index("ix_api_keys_clinic", table_name="api_keys")
    op.drop_table("api_keys")
