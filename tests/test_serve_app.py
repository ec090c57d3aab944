"""`ccengine serve`'s application: the engine on a PBX, tickets at the REST API."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from ccengine.app import ENGINE_KEY, create_app
from ccengine.simulator.calls import Caller, CallFactory, play
from ccengine.simulator.server import AmiServer
from tests.engine_harness import eventually, served_config


async def test_served_app_turns_a_pbx_call_into_a_ticket_at_the_api(database_url: str) -> None:
    pbx = AmiServer(username="serve", secret="pw")
    port = await pbx.start()
    config = served_config(database_url, pbx, port, name="warszawa", WEB_API_TOKEN="t0ken")
    app = create_app(config)
    call = CallFactory(seed=2).make("queue-abandoned", Caller("48723456789", "Krzysztof Szczęsny"))
    async with TestClient(TestServer(app)) as client:
        await pbx.wait_for_login()
        await play(pbx, call.lines, speed=None)
        engine = app[ENGINE_KEY]
        await engine.settle()
        await eventually(lambda: engine.writer.written == 1)
        unauthorised = await client.get("/api/v1/tickets")
        refusal = await unauthorised.json()
        response = await client.get("/api/v1/tickets",
                                    headers={"Authorization": "Bearer t0ken"})
        body = await response.json()
    await pbx.stop()
    assert (unauthorised.status, refusal["error"]) == (401, "unauthorized")
    [ticket] = body["items"]
    assert (ticket["caller"], ticket["priority"], ticket["kind"]) == ("+48723456789", "P2",
                                                                      "callback")
