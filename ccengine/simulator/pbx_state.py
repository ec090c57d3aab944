"""What the simulated Asterisk knows at any moment, rebuilt from the events it plays.

It answers the list actions an engine sends after a login (CoreShowChannels,
QueueStatus) in the exact shape the real traces show.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

# The channel block of an event, in Asterisk's order.
CHANNEL_FIELDS = (
    "Channel", "ChannelState", "ChannelStateDesc", "CallerIDNum", "CallerIDName",
    "ConnectedLineNum", "ConnectedLineName", "Language", "AccountCode", "Context", "Exten",
    "Priority", "Uniqueid", "Linkedid",
)


@dataclass(slots=True)
class LiveChannel:
    fields: dict[str, str]
    created: float
    application: str = "AppDial"
    application_data: str = ""
    bridge_id: str = ""  # the bridge it talks in (BridgeEnter), as CoreShowChannel shows
    queue_priority: int = 0  # QUEUE_PRIO set on the channel before Queue()


@dataclass(slots=True)
class Waiting:
    queue: str
    uniqueid: str
    fields: dict[str, str]
    joined: float
    priority: int = 0


@dataclass(slots=True)
class PbxState:
    channels: dict[str, LiveChannel] = field(default_factory=dict)
    waiting: dict[str, Waiting] = field(default_factory=dict)
    queues: dict[str, None] = field(default_factory=dict)

    def configure_queue(self, queue: str) -> None:
        """A queue of the PBX's queues.conf: QueueStatus lists it before any event names it."""
        self.queues.setdefault(queue)

    def apply(self, headers: Mapping[str, str], now: float | None = None) -> None:
        now = time.time() if now is None else now
        event, uniqueid = headers.get("Event", ""), headers.get("Uniqueid")
        if event == "Newchannel" and uniqueid:
            self.channels[uniqueid] = LiveChannel(_channel_block(headers), now)
        elif event == "Hangup" and uniqueid:
            self.channels.pop(uniqueid, None)
            self.waiting.pop(uniqueid, None)
        elif uniqueid in self.channels and "Channel" in headers:
            self.channels[uniqueid].fields.update(_channel_block(headers))
            if event == "VarSet" and headers.get("Variable") == "QUEUE_PRIO":
                self.channels[uniqueid].queue_priority = _int(headers.get("Value", ""))
        self._apply_queue(event, headers, now)
        self._apply_bridge(event, headers)

    def _apply_bridge(self, event: str, headers: Mapping[str, str]) -> None:
        """Bridges and the queue's agent legs: what a resync shows of an answered call."""
        channel = self.channels.get(headers.get("Uniqueid", ""))
        if event == "BridgeEnter" and channel is not None:
            channel.bridge_id = headers.get("BridgeUniqueid", "")
        elif event == "BridgeLeave" and channel is not None:
            channel.bridge_id = ""
        agent = self.channels.get(headers.get("DestUniqueid", ""))
        if event == "AgentCalled" and agent is not None:
            agent.application, agent.application_data = "AppQueue", "(Outgoing Line)"

    def _apply_queue(self, event: str, headers: Mapping[str, str], now: float) -> None:
        queue, uniqueid = headers.get("Queue"), headers.get("Uniqueid", "")
        if not queue:
            return
        self.queues.setdefault(queue)
        if event == "QueueCallerJoin":
            channel = self.channels.get(uniqueid)
            priority = channel.queue_priority if channel else 0
            self.waiting[uniqueid] = Waiting(queue, uniqueid, _channel_block(headers), now,
                                             priority)
            if channel:
                channel.application, channel.application_data = "Queue", f"{queue},t"
        elif event == "QueueCallerLeave":
            self.waiting.pop(uniqueid, None)

    def core_show_channels(self, action_id: str, now: float) -> Iterator[list[tuple[str, str]]]:
        for channel in list(self.channels.values()):
            yield [
                ("Event", "CoreShowChannel"), ("ActionID", action_id),
                *((key, channel.fields.get(key, "")) for key in CHANNEL_FIELDS),
                ("Application", channel.application),
                ("ApplicationData", channel.application_data),
                ("Duration", _hms(now - channel.created)), ("BridgeId", channel.bridge_id),
            ]

    def queue_status(self, action_id: str, now: float) -> Iterator[list[tuple[str, str]]]:
        for queue in self.queues:
            # Higher QUEUE_PRIO first, then in order of joining: the queue's own order.
            entries = sorted((w for w in self.waiting.values() if w.queue == queue),
                             key=lambda w: -w.priority)
            yield [
                ("Event", "QueueParams"), ("Queue", queue), ("Max", "0"),
                ("Strategy", "ringall"), ("Calls", str(len(entries))), ("Holdtime", "0"),
                ("TalkTime", "0"), ("Completed", "0"), ("Abandoned", "0"),
                ("ServiceLevel", "0"), ("ServicelevelPerf", "0.0"),
                ("ServicelevelPerf2", "0.0"), ("Weight", "0"), ("ActionID", action_id),
            ]
            for position, entry in enumerate(entries, start=1):
                yield _queue_entry(entry, position, action_id, now)


def _queue_entry(
    entry: Waiting, position: int, action_id: str, now: float
) -> list[tuple[str, str]]:
    fields = entry.fields
    return [
        ("Event", "QueueEntry"), ("Queue", entry.queue), ("Position", str(position)),
        ("Channel", fields.get("Channel", "")), ("Uniqueid", entry.uniqueid),
        ("CallerIDNum", fields.get("CallerIDNum", "")),
        ("CallerIDName", fields.get("CallerIDName", "").strip("<>")),
        ("ConnectedLineNum", fields.get("ConnectedLineNum", "")),
        ("ConnectedLineName", fields.get("ConnectedLineName", "").strip("<>")),
        ("Wait", str(max(0, int(now - entry.joined)))), ("Priority", str(entry.priority)),
        ("ActionID", action_id),
    ]


def _channel_block(headers: Mapping[str, str]) -> dict[str, str]:
    return {key: headers[key] for key in CHANNEL_FIELDS if key in headers}


def _int(text: str) -> int:
    return int(text) if text.lstrip("-").isdigit() else 0


def _hms(seconds: float) -> str:
    whole = max(0, int(seconds))
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
