"""Stopping the simulated PBX ends every call, even one whose first cancel was lost.

`ccengine demo` stops its calls on Ctrl-C with AgiPbx.stop(). On Python 3.11,
asyncio.wait_for returns the awaited result when it completes in the same loop
pass as the cancel, so a call woken (an AGI command queued) right as it is
cancelled runs on; stop() then waited for it to hang up: for ever.
"""

from __future__ import annotations

import asyncio

from ccengine.simulator.agi_calls import CallerScript
from ccengine.simulator.agi_pbx import AgiPbx
from ccengine.simulator.server import AmiServer

DID = "48221110000"


async def test_stop_ends_a_call_woken_as_it_is_cancelled() -> None:
    server = AmiServer(username="demo", secret="secret")
    await server.start()
    pbx = AgiPbx(server)
    try:
        # The caller would stay an hour (real time): only a cancel ends the call early.
        placed = await pbx.place_call(CallerScript("48604777888", None, DID,
                                                   hang_up_after_seconds=3600.0))
        for _ in range(5):  # loop passes, not time: the call now waits for a command
            await asyncio.sleep(0)
        run = pbx._channels[placed.channel]  # the wake must come in stop()'s loop pass
        run.enqueue("ANSWER", "wake")  # woken in the very loop pass stop() cancels it
        await asyncio.wait_for(pbx.stop(), 10)
        await asyncio.wait_for(placed.finished(), 1)
    finally:
        await server.stop()
