"""Feedback can correct the view of the photo (outsole, insole or print).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column: feedback given before keeps None (the analysed view was right).
    op.add_column("feedback", sa.Column("view", sa.String(length=16), nullable=True))


def downgrade() -> None:
    # SQLite drops a column only by copying the table, which batch mode does.
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("view")
