"""A conversation's dialogue survives the trip through its JSON column, and the JSON stored
before the dialogues were typed still reads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models import (
    Clarifying,
    CodePurpose,
    CsatComment,
    CsatPrompt,
    Dialogue,
    Fulfilment,
    PendingCode,
    Phase,
    Prediction,
    Priority,
    QueueAcknowledged,
    TicketType,
)
from store.dialogues import dialogue_from_json, dialogue_to_json

PREDICTION = Prediction(
    "login_failure",
    TicketType.INCIDENT,
    Priority.HIGH,
    0.41,
    "identity",
    None,
    (("vpn", 0.3),),
    language="de",
    urgency=("everyone affected", "deadline"),
)
MOMENT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

DIALOGUES: list[Dialogue] = [
    CsatPrompt(1001, 2),
    CsatComment(1001, 2),
    Clarifying("it is weird", (4, 7), PREDICTION, {"login_failure": 0.41}, rephrased=False),
    QueueAcknowledged(),
    Fulfilment("password_reset", Phase.ASK, "email"),
    Fulfilment(
        "email_change",
        Phase.CODE,
        "new_email",
        {"email": "a@example.com", "new_email": "b@example.com"},
        tries=1,
        verified=True,
        job=2,
        step="identify",
        resends=1,
        code=PendingCode(CodePurpose.CONFIRM, "new_email", "subj", "salt", "hash", MOMENT, 3),
        notes=("mailed",),
        deadline=MOMENT,
    ),
]


@pytest.mark.parametrize("dialogue", DIALOGUES, ids=lambda d: type(d).__name__)
def test_every_dialogue_reads_back_as_it_was_written(dialogue: Dialogue) -> None:
    assert dialogue_from_json(dialogue_to_json(dialogue)) == dialogue


def test_json_written_before_the_dialogues_were_typed_still_reads() -> None:
    stored = {
        "kind": "fulfilment",
        "fulfiller": "password_reset",
        "phase": "code",
        "fact": "email",
        "facts": {"email": "a@example.com"},
        "tries": 0,
        "verified": False,
        "job": 1,
        "resends": 0,
        "step": "identify",
        "code": {
            "purpose": "identity",
            "fact": "email",
            "subject": "s",
            "salt": "x",
            "hash": "h",
            "expires": MOMENT.isoformat(),
            "attempts": 0,
        },
        "deadline": MOMENT.isoformat(),
    }
    read = dialogue_from_json(stored)
    assert isinstance(read, Fulfilment) and read.phase is Phase.CODE
    assert read.code is not None and read.code.purpose is CodePurpose.IDENTITY
    assert dialogue_to_json(read) == {**stored, "notes": []}
    assert dialogue_from_json({"kind": "queued", "acked": True}) == QueueAcknowledged()


@pytest.mark.parametrize(
    "stored",
    [{"kind": "knowledge_base"}, {"kind": "csat"}, {"kind": "fulfilment", "phase": "odd"}],
    ids=["unknown kind", "missing ticket", "unknown phase"],
)
def test_a_dialogue_that_does_not_read_is_no_dialogue(stored: dict[str, object]) -> None:
    assert dialogue_from_json(stored) is None
