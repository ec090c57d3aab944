"""Revision 0023 on a database that already holds mailboxes: they stay, a web form can
be defined, and the revision goes down and up again."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from ccengine.forms import service
from ccengine.forms.rules import parse_form
from tests.migrating import down_and_up, tables, upgraded_from

BEFORE = "0020"
CREATED = datetime(2026, 12, 1, 9, tzinfo=UTC)


def _fill(connection: sa.Connection) -> None:
    table = sa.table("mailboxes", sa.column("id"), sa.column("name"), sa.column("queue"),
                     sa.column("address"), sa.column("active"), sa.column("imap_security"),
                     sa.column("imap_folder"), sa.column("smtp_security"),
                     sa.column("created_at", sa.DateTime(timezone=True)),
                     sa.column("updated_at", sa.DateTime(timezone=True)))
    connection.execute(sa.insert(table), [{
        "id": 3, "name": "Reklamacje", "queue": "reklamacje", "address": "r@sklep.example",
        "active": True, "imap_security": "tls", "imap_folder": "INBOX",
        "smtp_security": "starttls", "created_at": CREATED, "updated_at": CREATED}])


async def test_mailboxes_stay_and_a_form_can_be_defined(database_url: str) -> None:
    async with upgraded_from(database_url, BEFORE, _fill) as database:
        made = await service.create(database, parse_form({
            "key": "kontakt", "name": "Kontakt", "queue": "reklamacje",
            "fields": [{"name": "message", "label_pl": "Treść", "label_en": "Message"}]}),
            CREATED)
        async with database.sessions() as session:
            kept = (await session.execute(sa.text("SELECT name FROM mailboxes"))).scalars().all()
    assert (made["spam_count"], kept) == (0, ["Reklamacje"])


def _gone(connection: sa.Connection) -> None:
    assert "web_forms" not in tables(connection)


async def test_downgrade_and_upgrade_again(database_url: str) -> None:
    assert "web_forms" in await down_and_up(database_url, BEFORE, _gone)
