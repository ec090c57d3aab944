"""Customers' CRM card: several phones and e-mails, company, NIP, address, notes,
external id, and the folded text the search reads; calls gain ``updated_at`` (for
sync, set from ``ended_at`` here).

Every existing ``customers.phone_e164`` becomes that customer's first
``customer_phones`` row (lookups by phone read that table now), ``updated_at``
starts at ``created_at``, and ``search_text`` is folded here with the same rule
the application uses (``customers.rules.search_text``).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ccengine.customers.rules import search_text

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | None = None
depends_on: str | None = None

def _columns() -> tuple[sa.Column[object], ...]:
    return (
        sa.Column("company", sa.String(200), nullable=True),
        sa.Column("nip", sa.String(10), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("external_id", sa.String(200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("search_text", sa.String(500), nullable=False, server_default=""),
    )


def upgrade() -> None:
    _create_organisations()
    # Plain ADD COLUMN in place (batch mode would rebuild customers on SQLite, see 0009).
    with op.batch_alter_table("customers") as table:
        for column in _columns():
            table.add_column(column)
        table.add_column(sa.Column(
            "organisation_id", sa.Integer(),
            sa.ForeignKey("organisations.id", name="fk_customers_organisation_id_organisations"),
            nullable=True))
    op.create_index("ix_customers_organisation_id", "customers", ["organisation_id"])
    op.create_index("ix_customers_external_id", "customers", ["external_id"], unique=True)
    op.create_index("ix_customers_updated_at", "customers", ["updated_at"])
    op.create_index("ix_customers_search_text", "customers", ["search_text"])
    with op.batch_alter_table("calls") as table:
        table.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_calls_updated_at", "calls", ["updated_at"])
    _create_phones()
    _create_emails()
    _fill()


def _create_organisations() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("nip", sa.String(10), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("external_id", sa.String(200), nullable=True),
        sa.Column("search_text", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_organisations"),
        sa.UniqueConstraint("nip", name="uq_organisations_nip"),
        sa.UniqueConstraint("external_id", name="uq_organisations_external_id"),
    )
    op.create_index("ix_organisations_search_text", "organisations", ["search_text"])
    op.create_index("ix_organisations_updated_at", "organisations", ["updated_at"])


def _create_phones() -> None:
    op.create_table(
        "customer_phones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("e164", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name="fk_customer_phones_customer_id_customers"),
        sa.PrimaryKeyConstraint("id", name="pk_customer_phones"),
        sa.UniqueConstraint("e164", name="uq_customer_phones_e164"),
    )
    op.create_index("ix_customer_phones_customer_id", "customer_phones", ["customer_id"])


def _create_emails() -> None:
    op.create_table(
        "customer_emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(254), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name="fk_customer_emails_customer_id_customers"),
        sa.PrimaryKeyConstraint("id", name="pk_customer_emails"),
        sa.UniqueConstraint("address", name="uq_customer_emails_address"),
    )
    op.create_index("ix_customer_emails_customer_id", "customer_emails", ["customer_id"])


def _fill() -> None:
    connection = op.get_bind()
    connection.execute(sa.text(
        "INSERT INTO customer_phones (customer_id, e164) "
        "SELECT id, phone_e164 FROM customers WHERE phone_e164 IS NOT NULL"))
    connection.execute(sa.text("UPDATE customers SET updated_at = created_at"))
    connection.execute(sa.text("UPDATE calls SET updated_at = ended_at"))
    named = connection.execute(sa.text(
        "SELECT id, name FROM customers WHERE name IS NOT NULL")).all()
    for customer_id, name in named:
        connection.execute(sa.text("UPDATE customers SET search_text = :text WHERE id = :id"),
                           {"text": search_text(name, None), "id": customer_id})


def downgrade() -> None:
    op.drop_index("ix_customer_emails_customer_id", table_name="customer_emails")
    op.drop_table("customer_emails")
    op.drop_index("ix_customer_phones_customer_id", table_name="customer_phones")
    op.drop_table("customer_phones")
    op.drop_index("ix_calls_updated_at", table_name="calls")
    op.drop_column("calls", "updated_at")
    for name in ("search_text", "updated_at", "external_id"):
        op.drop_index(f"ix_customers_{name}", table_name="customers")
    for column in reversed(_columns()):
        op.drop_column("customers", column.name)  # in place: SQLite 3.35+ drops a column
    op.drop_index("ix_customers_organisation_id", table_name="customers")
    with op.batch_alter_table("customers") as table:  # SQLite: a rebuild drops the key
        table.drop_column("organisation_id")
    op.drop_index("ix_organisations_updated_at", table_name="organisations")
    op.drop_index("ix_organisations_search_text", table_name="organisations")
    op.drop_table("organisations")
