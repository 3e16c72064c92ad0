"""A conversation's dialogue (``models/dialogues.py``) to and from its JSON column.

The JSON is the shape the column has always held (``{"kind": "csat", "ticket_id": ..}``), so
conversations stored before the dialogues were typed read back unchanged. A value this code does
not recognise (a kind from a newer release, a damaged row) reads as ``None``, logged: the
conversation then continues with the bot as if no exchange were open, which never loses a
customer's message (an open ticket still goes back to the agents).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from models import (
    Clarifying,
    CodePurpose,
    CsatComment,
    CsatPrompt,
    Dialogue,
    Fulfilment,
    IdentityQuestion,
    PendingCode,
    Phase,
    Prediction,
    Priority,
    QueueAcknowledged,
    SelfService,
    TicketType,
)

log = logging.getLogger(__name__)

CSAT, CSAT_COMMENT, CLARIFY, QUEUED, FULFILMENT, SELF_SERVICE, IDENTITY = (
    "csat",
    "csat_comment",
    "clarify",
    "queued",
    "fulfilment",
    "self_service",
    "identity",
)


def dialogue_to_json(dialogue: Dialogue | None) -> dict[str, Any] | None:
    match dialogue:
        case None:
            return None
        case CsatPrompt(ticket_id, round_):
            return {"kind": CSAT, "ticket_id": ticket_id, "round": round_}
        case CsatComment(ticket_id, round_):
            return {"kind": CSAT_COMMENT, "ticket_id": ticket_id, "round": round_}
        case Clarifying():
            return {
                "kind": CLARIFY,
                "text": dialogue.text,
                "message_ids": list(dialogue.message_ids),
                "prediction": prediction_to_json(dialogue.prediction),
                "options": dict(dialogue.options),
                "rephrased": dialogue.rephrased,
            }
        case QueueAcknowledged():
            return {"kind": QUEUED, "acked": True}
        case IdentityQuestion(ticket_id, name, email):
            return {"kind": IDENTITY, "ticket_id": ticket_id, "name": name, "email": email}
        case SelfService(ticket_id, article_id, title):
            return {
                "kind": SELF_SERVICE,
                "ticket_id": ticket_id,
                "article_id": article_id,
                "title": title,
            }
        case Fulfilment():
            data: dict[str, Any] = {
                "kind": FULFILMENT,
                "fulfiller": dialogue.fulfiller,
                "phase": dialogue.phase.value,
                "fact": dialogue.fact,
                "facts": dict(dialogue.facts),
                "tries": dialogue.tries,
                "verified": dialogue.verified,
                "job": dialogue.job,
                "resends": dialogue.resends,
                "notes": list(dialogue.notes),
            }
            if dialogue.step is not None:
                data["step"] = dialogue.step
            if dialogue.code is not None:
                data["code"] = _code_to_json(dialogue.code)
            if dialogue.deadline is not None:
                data["deadline"] = dialogue.deadline.isoformat()
            return data
    raise TypeError(f"not a dialogue: {dialogue!r}")


def dialogue_from_json(data: Any) -> Dialogue | None:
    if not data:
        return None
    try:
        return _from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("ignoring a conversation dialogue that does not read: %r (%s)", data, exc)
        return None


def _from_json(data: dict[str, Any]) -> Dialogue | None:
    kind = data.get("kind")
    if kind == CSAT:
        return CsatPrompt(int(data["ticket_id"]), int(data["round"]))
    if kind == CSAT_COMMENT:
        return CsatComment(int(data["ticket_id"]), int(data["round"]))
    if kind == CLARIFY:
        return Clarifying(
            text=str(data["text"]),
            message_ids=tuple(int(i) for i in data["message_ids"]),
            prediction=prediction_from_json(data["prediction"]),
            options={str(k): float(v) for k, v in (data.get("options") or {}).items()},
            rephrased=bool(data.get("rephrased")),
        )
    if kind == QUEUED:
        return QueueAcknowledged()
    if kind == IDENTITY:
        return IdentityQuestion(int(data["ticket_id"]), bool(data["name"]), bool(data["email"]))
    if kind == SELF_SERVICE:
        return SelfService(int(data["ticket_id"]), int(data["article_id"]), str(data["title"]))
    if kind == FULFILMENT:
        code = data.get("code")
        deadline = data.get("deadline")
        return Fulfilment(
            fulfiller=str(data["fulfiller"]),
            phase=Phase(data["phase"]),
            fact=str(data.get("fact") or ""),
            facts={str(k): str(v) for k, v in (data.get("facts") or {}).items()},
            tries=int(data.get("tries") or 0),
            verified=bool(data.get("verified")),
            job=int(data.get("job") or 0),
            step=data.get("step"),
            resends=int(data.get("resends") or 0),
            code=_code_from_json(code) if code else None,
            notes=tuple(str(n) for n in data.get("notes") or ()),
            deadline=datetime.fromisoformat(deadline) if deadline else None,
        )
    log.warning("ignoring a conversation dialogue of unknown kind %r", kind)
    return None


def _code_to_json(code: PendingCode) -> dict[str, Any]:
    return {
        "purpose": code.purpose.value,
        "fact": code.fact,
        "subject": code.subject,
        "salt": code.salt,
        "hash": code.hash,
        "expires": code.expires.isoformat(),
        "attempts": code.attempts,
    }


def _code_from_json(data: dict[str, Any]) -> PendingCode:
    return PendingCode(
        purpose=CodePurpose(data["purpose"]),
        fact=str(data["fact"]),
        subject=str(data["subject"]),
        salt=str(data["salt"]),
        hash=str(data["hash"]),
        expires=datetime.fromisoformat(str(data["expires"])),
        attempts=int(data.get("attempts") or 0),
    )


def prediction_to_json(prediction: Prediction) -> dict[str, Any]:
    return {
        "intent": prediction.intent,
        "type": prediction.type.value,
        "priority": prediction.priority.value,
        "confidence": prediction.confidence,
        "team": prediction.team,
        "fulfiller": prediction.fulfiller,
        "alternatives": [list(a) for a in prediction.alternatives],
        "language": prediction.language,
        "urgency": list(prediction.urgency),
    }


def prediction_from_json(data: dict[str, Any]) -> Prediction:
    return Prediction(
        intent=str(data["intent"]),
        type=TicketType(data["type"]),
        priority=Priority(data["priority"]),
        confidence=float(data["confidence"]),
        team=data.get("team"),
        fulfiller=data.get("fulfiller"),
        alternatives=tuple((str(i), float(p)) for i, p in data.get("alternatives") or ()),
        language=data.get("language"),
        urgency=tuple(str(r) for r in data.get("urgency") or ()),
    )
