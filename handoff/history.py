"""A ticket's history as people read it: agents by name (not ``agent:1``), an assignment as
"→ Ann", and a pressed button by its label (not ``csat:1001:1:4``)."""

from __future__ import annotations

from typing import Any

from models import Agent

ASSIGNMENT_KINDS = ("assigned", "unassigned")


def actor_name(actor: str, agents: dict[int, Agent]) -> str:
    if actor.startswith("agent:") and actor[6:].isdigit():
        agent = agents.get(int(actor[6:]))
        return agent.name if agent else actor
    return {"bot": "Bot", "system": "Frontdesk", "customer": "Customer"}.get(actor, actor)


def _agent_named(value: str | None, agents: dict[int, Agent]) -> str | None:
    if value is not None and value.isdigit() and int(value) in agents:
        return agents[int(value)].name
    return value


def readable_history(data: dict[str, Any], agents: dict[int, Agent]) -> None:
    """Add ``actor_name`` (and names for assignment ids) to events and ``pressed`` (the label)
    to messages that are button presses; the raw fields stay for API clients."""
    for event in data["events"]:
        event["actor_name"] = actor_name(event["actor"], agents)
        if event["kind"] in ASSIGNMENT_KINDS:
            event["old_name"] = _agent_named(event["old"], agents)
            event["new_name"] = _agent_named(event["new"], agents)
    labels = {b["payload"]: b["label"] for m in data["messages"] for b in m["buttons"]}
    for message in data["messages"]:
        if message["payload"]:
            message["pressed"] = labels.get(message["payload"], message["payload"])


def shorten(text: str, width: int = 200) -> str:
    """``text`` cut at a word boundary with "…" when longer than ``width`` (audit details)."""
    if len(text) <= width:
        return text
    cut = text[: width - 1].rsplit(maxsplit=1)[0] if " " in text[:width] else text[: width - 1]
    return cut.rstrip() + "…"
