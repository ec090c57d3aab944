"""Nothing written into an AMI action can add headers or actions (issue 12, item 3),
and a frame that never ends cannot eat the engine (item 10). Over real TCP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping

import pytest

from ccengine.agents.callbacks import Target, originate_action
from ccengine.ami.connection import AmiConnection
from ccengine.ami.errors import AmiUnsafeAction
from ccengine.ami.frames import FrameBuffer, FrameTooLong
from ccengine.ami.safe_action import clean_text, safe_action
from ccengine.config import AgentsConfig, AmiConfig, ConfigError, load_config
from ccengine.db import Database
from ccengine.simulator.calls import Caller, CallFactory
from ccengine.simulator.server import AmiServer
from tests.engine_harness import eventually, running_engine

# Bare line feeds (Asterisk ends a header at LF alone), a whole second action,
# a CR, a NUL and a Unicode line separator.
HOSTILE_NAME = ('Jan Kowalski\nContext: premium\nExten: 0070012345\n\n'
                'Action: Originate\nChannel: PJSIP/trunk/0070012345\n'
                'Application: Dial\r\nData: \x00x\u2028y')


class Client:
    def __init__(self, port: int) -> None:
        config = AmiConfig(name="pbx", port=port, username="ccengine", secret="ccsecret",
                           action_timeout=2.0, reconnect_min=0.05, reconnect_max=0.2)
        self.messages: list[Mapping[str, str]] = []
        self.conn = AmiConnection(config, lambda headers, _at: self.messages.append(headers))
        self.task = asyncio.create_task(self.conn.run())

    async def close(self) -> None:
        await self.conn.stop()
        await asyncio.wait_for(self.task, 3)


@pytest.fixture
async def pbx() -> AsyncIterator[tuple[AmiServer, Client]]:
    server = AmiServer()
    client = Client(await server.start())
    await client.conn.wait_ready(5)
    yield server, client
    await client.close()
    await server.stop()


def actions_named(server: AmiServer, name: str) -> list[dict[str, str]]:
    return [a for a in server.actions_seen if a.get("Action", "").lower() == name.lower()]


async def test_hostile_caller_name_gives_one_originate_with_no_extra_headers(
    pbx: tuple[AmiServer, Client],
) -> None:
    server, client = pbx
    action = originate_action(Target(7, "+48512345678", HOSTILE_NAME), "PJSIP/agent1",
                              "T-1", AgentsConfig())
    await client.conn.send(action)
    await client.conn.send({"Action": "Ping"})  # answered in order: the server read all

    originates = actions_named(server, "Originate")
    assert len(originates) == 1
    sent = originates[0]
    assert set(sent) == set(action)  # no header added
    for name in ("Channel", "Context", "Exten", "Priority", "Variable", "ActionID"):
        assert sent[name] == action[name]
    assert sent["CallerID"].endswith("<+48512345678>")
    assert "Jan Kowalski" in sent["CallerID"]
    assert not any(ch in sent["CallerID"] for ch in "\r\n\x00\u2028")
    assert [a.get("Action") for a in server.actions_seen] == ["Login", "Originate", "Ping"]


@pytest.mark.parametrize("field", ["Channel", "Exten", "Context", "Variable", "ActionID"])
async def test_control_character_in_an_address_refuses_the_action(
    pbx: tuple[AmiServer, Client], field: str,
) -> None:
    server, client = pbx
    action = originate_action(Target(7, "+48512345678", "Jan"), "PJSIP/agent1", "T-1",
                              AgentsConfig())
    action[field] = action[field] + "\nApplication: Dial"
    with pytest.raises(AmiUnsafeAction) as refused:
        await client.conn.send(action)
    assert "Dial" not in str(refused.value)  # the value is not echoed
    await client.conn.send({"Action": "Ping"})
    assert actions_named(server, "Originate") == []


@pytest.mark.parametrize("name", ["Caller ID", "X\nAction", "", "Ąction", "A:B"])
def test_header_names_must_be_plain_words(name: str) -> None:
    with pytest.raises(AmiUnsafeAction):
        safe_action({"Action": "Ping", name: "x"})


def test_free_text_is_cleaned_and_list_values_checked_per_item() -> None:
    assert clean_text("a\r\nb\x00c\x7fd\x85e") == "a  b c d e"
    assert safe_action({"Action": "QueuePause", "Reason": "lunch\nAction: Hangup"}) == {
        "Action": "QueuePause", "Reason": "lunch Action: Hangup"}
    assert safe_action({"Action": "Originate", "Variable": ["A=1", "B=2"]})["Variable"] == [
        "A=1", "B=2"]
    with pytest.raises(AmiUnsafeAction):
        safe_action({"Action": "Originate", "Variable": ["A=1", "B=2\nC=3"]})


@pytest.mark.parametrize("value", [None, True, False, 1.5, b"PJSIP/1", object(), [None]])
def test_a_value_that_is_not_text_or_a_whole_number_refuses_the_action(value: object) -> None:
    """None would go out as 'None', True as 'True' (Asterisk wants 'true'/'yes')."""
    with pytest.raises(AmiUnsafeAction):
        safe_action({"Action": "Originate", "Channel": value})


def test_a_whole_number_goes_out_as_its_digits() -> None:
    assert safe_action({"Action": "Originate", "Timeout": 30000})["Timeout"] == "30000"


# -- item 10: a frame that never ends --------------------------------------------

FRAMES = "Event: A\r\nX: 1\r\n\r\nEvent: B\r\nY: ż\r\n\r\nEvent: C\r\n"


@pytest.mark.parametrize("step", [1, 2, 3, 5, 7, 64])
def test_frames_split_alike_whatever_the_reads(step: int) -> None:
    buffer, frames = FrameBuffer(), []
    for start in range(0, len(FRAMES), step):
        piece = FRAMES[start:start + step]
        frames += buffer.feed(piece, len(piece.encode()), limit=1 << 20)
    assert frames == ["Event: A\r\nX: 1", "Event: B\r\nY: ż"]
    assert buffer.size == len("Event: C\r\n")


def test_an_open_frame_may_not_pass_the_limit() -> None:
    buffer = FrameBuffer()
    buffer.feed("Event: A\r\nData: ", 16, limit=100)
    with pytest.raises(FrameTooLong) as too_long:
        buffer.feed("a" * 100, 100, limit=100)
    assert "aaa" not in str(too_long.value)
    assert buffer.size == 0


async def test_never_ending_frame_drops_the_connection_and_calls_are_still_tracked(
    database: Database, caplog: pytest.LogCaptureFixture,
) -> None:
    call = CallFactory(seed=5).make("queue-answered", Caller("48512345678", "Zofia Wójcik"))
    secret = b"PESEL-00000000000"
    async with running_engine(database, max_frame_bytes=64 * 1024) as pbx:
        pbx.server.send_raw(b"Event: Newchannel\r\nCallerIDName: " + secret)
        for _ in range(40):  # 1.3 MB with no end in sight, in reads of 32 KiB
            pbx.server.send_raw(b"x" * 32 * 1024)
            await pbx.server.flush()
        await eventually(lambda: pbx.server.logins >= 2 and pbx.engine.connections[0].ready)
        pbx.emit(call.lines)
        await pbx.settle()
        outcomes = pbx.outcomes()

    assert list(outcomes.values()) == ["answered"]
    dropped = [r.getMessage() for r in caplog.records if "without ending" in r.getMessage()]
    assert dropped and "65536" in dropped[0]
    assert not any(secret.decode() in r.getMessage() or "xxxx" in r.getMessage()
                   for r in caplog.records)


@pytest.mark.parametrize("key", ["USERNAME", "SECRET"])
def test_login_values_with_a_line_break_are_refused_by_the_config(key: str) -> None:
    environ = {"CCENGINE_AMI_0_NAME": "pbx", "CCENGINE_AMI_0_USERNAME": "ccengine",
               "CCENGINE_AMI_0_SECRET": "s3cret"}
    environ[f"CCENGINE_AMI_0_{key}"] = "x\r\nAction: Originate"
    with pytest.raises(ConfigError) as refused:
        load_config(environ=environ)
    assert "control characters" in str(refused.value)
    assert "Originate" not in str(refused.value)
