"""Ticket fields: description and category on tickets; the category tree, tags, custom
field definitions and values, and saved views of the ticket list.

Existing tickets keep every value: the new columns are NULL (no description, no
category) and they have no tags or custom values.

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0018"
branch_labels: str | None = None
depends_on: str | None = None

CATEGORY_FK = "fk_tickets_category_id_ticket_categories"
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    _create_categories()
    op.add_column("tickets", sa.Column("description", sa.Text(), nullable=True))
    _add_category_column()
    op.create_index("ix_tickets_category_id", "tickets", ["category_id"])
    _create_tags()
    _create_custom_fields()
    _create_saved_views()


def _create_categories() -> None:
    op.create_table(
        "ticket_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("retired_at", TIME, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["ticket_categories.id"],
                                name="fk_ticket_categories_parent_id_ticket_categories"),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_categories"),
    )
    op.create_index("ix_ticket_categories_parent_id", "ticket_categories", ["parent_id"])


def _add_category_column() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite alters no constraints (batch mode would rebuild tickets, which the
        # calls' foreign keys refuse), but adds a column with its own named reference.
        op.execute(f"ALTER TABLE tickets ADD COLUMN category_id INTEGER "
                   f"CONSTRAINT {CATEGORY_FK} REFERENCES ticket_categories (id)")
        return
    op.add_column("tickets", sa.Column("category_id", sa.Integer(), nullable=True))
    op.create_foreign_key(CATEGORY_FK, "tickets", "ticket_categories", ["category_id"], ["id"])


def _create_tags() -> None:
    op.create_table(
        "ticket_tags",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(50), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE",
                                name="fk_ticket_tags_ticket_id_tickets"),
        sa.PrimaryKeyConstraint("ticket_id", "tag", name="pk_ticket_tags"),
    )
    op.create_index("ix_ticket_tags_tag", "ticket_tags", ["tag"])


def _create_custom_fields() -> None:
    op.create_table(
        "custom_field_definitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(50), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("label_pl", sa.String(100), nullable=False),
        sa.Column("label_en", sa.String(100), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("retired_at", TIME, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_custom_field_definitions"),
        sa.UniqueConstraint("key", name="uq_custom_field_definitions_key"),
    )
    op.create_table(
        "ticket_field_values",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(500), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE",
                                name="fk_ticket_field_values_ticket_id_tickets"),
        sa.ForeignKeyConstraint(["field_id"], ["custom_field_definitions.id"],
                                name="fk_ticket_field_values_field_id_custom_field_definitions"),
        sa.PrimaryKeyConstraint("ticket_id", "field_id", name="pk_ticket_field_values"),
    )
    op.create_index("ix_ticket_field_values_field_id_value", "ticket_field_values",
                    ["field_id", "value"])


def _create_saved_views() -> None:
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("query", sa.JSON(), nullable=False),
        sa.Column("sort", sa.String(40), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE",
                                name="fk_saved_views_owner_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_saved_views"),
        sa.UniqueConstraint("owner_id", "name", name="uq_saved_views_owner_id_name"),
    )
    op.create_index("ix_saved_views_owner_id", "saved_views", ["owner_id"])


def downgrade() -> None:
    op.drop_table("saved_views")
    op.drop_table("ticket_field_values")
    op.drop_table("custom_field_definitions")
    op.drop_table("ticket_tags")
    op.drop_index("ix_tickets_category_id", table_name="tickets")
    if op.get_bind().dialect.name != "sqlite":  # SQLite drops it with the column
        op.drop_constraint(CATEGORY_FK, "tickets", type_="foreignkey")
    op.drop_column("tickets", "category_id")
    op.drop_column("tickets", "description")
    op.drop_table("ticket_categories")
