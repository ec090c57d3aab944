"""Database errors in the log say what failed, never the values bound to the statement."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from ccengine.db import Database

PHONE, NAME = "+48602333444", "Jan Kowalski"
INSERT = text("INSERT INTO customers (id, phone_e164, name, vip, created_at) "
              "VALUES (1, :phone, :name, :vip, :at)")
log = logging.getLogger("ccengine.test")


async def _insert_twice(database: Database, phone: str) -> IntegrityError:
    """The second insert breaks the primary key; neither database quotes the phone or
    the name in that error, so only SQLAlchemy's own formatting could show them."""
    values = {"phone": phone, "name": NAME, "vip": False, "at": datetime.now(UTC)}
    async with database.writer() as session:
        await session.execute(INSERT, values)
        await session.commit()
    with pytest.raises(IntegrityError) as failed:
        async with database.writer() as session:
            await session.execute(INSERT, {**values, "phone": phone + "5"})
    return failed.value


async def test_a_failing_statements_logged_error_hides_its_parameters(
        database: Database, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # --log-level debug: the drivers' own logs too
    error = await _insert_twice(database, PHONE)
    try:
        raise error
    except IntegrityError:
        log.exception("the customer could not be stored")  # as the engine's handlers do
    assert "INSERT INTO customers" in caplog.text, "the statement itself is still shown"
    assert "SQL parameters hidden" in caplog.text
    for value in (PHONE, NAME):
        assert value not in caplog.text
        assert value not in str(error)
