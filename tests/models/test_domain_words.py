"""The domain's small values at their edges and the words of its refusals: language tags, the
CSAT buttons, ticket IDs, durations and moments as customers read them, report periods, an
email's organisation and a name typed to the identity question. Written for what mutation
testing found unpinned by the other tests of this folder (docs/benchmarks.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models import (
    ConversationState,
    CsatResponse,
    InvalidConversationMove,
    InvalidTicketId,
    InvalidTransition,
    TicketStatus,
    language_code,
    parse_ticket_id,
)
from models.conversation_lifecycle import ConversationAction, next_conversation_state
from models.csat import csat_buttons, parse_csat_payload
from models.identity import organisation, read_identity
from models.lifecycle import action_for_target
from models.metrics import ReportPeriod, parse_moment, parse_period
from models.texts import Duration, Moment, Text, _, duration_parts, joined

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("en-US", "en"), ("PT_br", "pt"), (" zh_Hant ", "zh"), ("DE", "de"), ("fr", "fr"),
        ("", None), (None, None), ("eng", None), ("e", None), ("e1-US", None), ("çé", None),
        ("_en", None), ("-en", None),
    ],
)  # fmt: skip
def test_a_language_tag_gives_its_two_letter_code(tag: str | None, code: str | None) -> None:
    assert language_code(tag) == code


def test_the_csat_buttons_and_what_a_payload_may_be() -> None:
    buttons = csat_buttons(7, 2)
    assert [(b.label, b.payload) for b in buttons] == [
        ("1 - Very poor", "csat:7:2:1"),
        ("2 - Poor", "csat:7:2:2"),
        ("3 - Okay", "csat:7:2:3"),
        ("4 - Good", "csat:7:2:4"),
        ("5 - Excellent", "csat:7:2:5"),
    ]
    assert parse_csat_payload("csat:7:2:5") == (7, 2, 5)
    for payload in ("csat:7:2:6", "csat:7:2:0", "intent:7:2:5", "csat:7:2", "csat:7:x:5"):
        assert parse_csat_payload(payload) is None, payload
    with pytest.raises(ValueError) as score:
        CsatResponse(ticket_id=7, score=6)
    assert str(score.value) == "CSAT score must be 1..5, got 6"


def test_refused_moves_and_ids_say_what_was_refused() -> None:
    assert str(InvalidTransition("resolved", "request_approval")) == (
        "cannot request approval a ticket that is resolved"
    )
    with pytest.raises(InvalidTransition) as move:
        action_for_target(TicketStatus.CLOSED, TicketStatus.NEW)
    assert str(move.value) == "cannot move to new a ticket that is closed"
    assert (move.value.current, move.value.action) == ("closed", "move to new")
    with pytest.raises(InvalidConversationMove) as handed:
        next_conversation_state(ConversationState.CLOSED, ConversationAction.HAND_OFF)
    assert (handed.value.current, handed.value.action) == ("closed", "hand_off")
    with pytest.raises(InvalidTicketId) as ticket:
        parse_ticket_id("FD-1000")
    assert str(ticket.value) == "'FD-1000' is not a ticket ID like FD-1001"


def test_durations_and_moments_as_a_customer_reads_them() -> None:
    assert duration_parts(timedelta(minutes=59, seconds=59)) == (59, "minute")
    assert duration_parts(timedelta(hours=47, minutes=59)) == (47, "hour")
    assert duration_parts(timedelta(hours=48)) == (2, "day")
    assert duration_parts(timedelta(hours=71)) == (2, "day")
    assert Moment(datetime(2026, 3, 2, 9, 5, tzinfo=UTC)).english() == "Mar 2, 09:05"
    assert Moment(datetime(2026, 3, 2, 19, 5, tzinfo=UTC), "time").english() == "19:05"
    said = _(
        "back {when} in {wait}", when=Moment(NOW, "weekday"), wait=Duration(timedelta(hours=3))
    )
    assert str(said) == "back Monday in 3 hours"
    in_words = said.render(lambda msgid: msgid, lambda item: type(item).__name__)
    assert in_words == "back Moment in Duration"
    nested = _("{first}, then {second}", first=said, second="bye")
    assert nested.render(lambda m: m, lambda item: "·") == "back · in ·, then bye"
    both = joined([_("one"), _("two {n}", n=2)])
    assert str(both) == "one\ntwo 2" and both == Text("{t0}\n{t1}", both.values)


def test_a_report_period_is_aware_and_not_empty_and_says_so() -> None:
    with pytest.raises(ValueError) as naive:
        ReportPeriod(NOW.replace(tzinfo=None), NOW)
    assert str(naive.value) == "a report period needs timezone-aware datetimes"
    with pytest.raises(ValueError, match="timezone-aware"):
        ReportPeriod(NOW, NOW.replace(tzinfo=None) + timedelta(days=1))
    with pytest.raises(ValueError) as empty:
        ReportPeriod(NOW, NOW)
    assert str(empty.value) == (
        "the period is empty: since 2026-03-02T09:00:00+00:00 is not before "
        "until 2026-03-02T09:00:00+00:00"
    )
    with pytest.raises(ValueError) as bad_until:
        parse_period(None, "someday", NOW)
    assert str(bad_until.value) == (
        "--until: not a date: 'someday' (use YYYY-MM-DD or an ISO-8601 datetime)"
    )
    with pytest.raises(ValueError) as bad_since:
        parse_period("03/01/2026", None, NOW)
    assert str(bad_since.value).startswith("--since: not a date: '03/01/2026'")


def test_a_report_period_as_the_api_shows_it() -> None:
    period = parse_period("2026-03-01", "2026-03-01", NOW)  # --until includes that day
    assert period.as_json() == {
        "since": "2026-03-01T00:00:00+00:00",
        "until": "2026-03-02T00:00:00+00:00",
    }


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2026-03-01T10:00:00Z", datetime(2026, 3, 1, 10, 0, tzinfo=UTC)),
        ("2026-03-01T12:00:00+02:00", datetime(2026, 3, 1, 10, 0, tzinfo=UTC)),
        ("2026-03-01T10:00", datetime(2026, 3, 1, 10, 0, tzinfo=UTC)),
    ],
)
def test_a_moment_in_a_report_option_is_utc(text: str, moment: datetime) -> None:
    parsed = parse_moment(text, "--since")
    assert parsed == moment and parsed.tzinfo is UTC


@pytest.mark.parametrize(
    ("email", "domain"),
    [
        ("ann@acme.com", "acme.com"), ("ann@ACME.com.", "acme.com"),
        ("odd@name@acme.com", "acme.com"), ("ann@gmail.com", None), ("ann@localhost", None),
        ("ann@", None), (None, None), ("no address", None),
    ],
)  # fmt: skip
def test_an_emails_organisation_is_its_domain(email: str | None, domain: str | None) -> None:
    assert organisation(email) == domain


@pytest.mark.parametrize(
    ("said", "name", "email"),
    [
        ("Ann Lee.", "Ann Lee", None),
        ("my name is Ann!", "Ann", None),
        ("Xavier Lee", "Xavier Lee", None),
        ("Ann lee", None, None),
        ("Ann Marie Lee Smith", None, None),
        ("Ann Marie Lee Smith, ann@acme.com", "Ann Marie Lee Smith", "ann@acme.com"),
        ("Ann Marie de Lee Smith ann@acme.com", None, "ann@acme.com"),
        ("i'm Ann Marie Lee Smith", "Ann Marie Lee Smith", None),
    ],
)
def test_a_name_typed_to_the_identity_question(
    said: str, name: str | None, email: str | None
) -> None:
    answer = read_identity(said)
    assert (answer.name, answer.email) == (name, email)


def test_a_long_name_is_cut_to_200_characters() -> None:
    answer = read_identity("A" + "n" * 300 + " ann@acme.com")
    assert answer.name == "A" + "n" * 199
