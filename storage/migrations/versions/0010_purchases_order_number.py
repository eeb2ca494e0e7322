"""Purchases: order numbers up to 100 characters, as long as the ids they are read with

Revision ID: 0010_purchases_order_number
Revises: 0003_purchases
Create Date: 2026-11-28 19:30:00.000000

On the purchases branch. Stripe's order number is the Checkout Session id (66 characters, and Stripe allows
longer ids); the normaliser accepts ids up to 100 characters, but the column held 64. SQLite never enforced
the length, so only PostgreSQL refused those orders (and retried the whole batch forever).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_purchases_order_number"
down_revision = "0003_purchases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.alter_column("order_number", existing_type=sa.String(length=64), type_=sa.String(length=100),
                              existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.alter_column("order_number", existing_type=sa.String(length=100), type_=sa.String(length=64),
                              existing_nullable=True)
