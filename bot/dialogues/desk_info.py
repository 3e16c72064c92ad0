"""Questions about the front desk itself, answered from settings and the open problems, not
from guesses: support hours (``FRONTDESK_BUSINESS_HOURS``), how to reach us
(``FRONTDESK_SUPPORT_CONTACT``), and whether something is known to be broken (the open problem
tickets, with the time each was opened). No ticket is opened for these: they are answers.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from models import TicketFilter, TicketType
from models.sla import BusinessHours, when_text, zone_name
from models.texts import Moment, Text, _, joined

from ..dialogue import Turn

HOURS = re.compile(
    r"\b((support|opening|office|business|service) (hours|times)|when are you (open|available)|"
    r"are you open|what time do you (open|close)|öffnungszeiten|supportzeiten|servicezeiten|"
    r"wann (seid ihr|sind sie) erreichbar|heures d'ouverture|horaires|quand êtes-vous "
    r"(ouverts?|disponibles?)|horario|horas de atención|cuándo (abrís|abren|estáis|están))\b",
    re.IGNORECASE,
)
CONTACT = re.compile(
    r"\b(how (can|do) i (contact|reach|call) you|phone number|your (email|e-mail|address)|"
    r"contact (details|information|info)|wie erreiche ich (euch|sie)|telefonnummer|"
    r"kontaktdaten|comment vous contacter|numéro de téléphone|coordonnées|cómo (os|les) "
    r"contacto|número de teléfono|datos de contacto)\b",
    re.IGNORECASE,
)
STATUS = re.compile(
    r"\b(is there an? (outage|incident|known (issue|problem))|known (issues|problems|outages?)|"
    r"service status|status page|is (the service|everything|it) down|any outages?|"
    r"gibt es (eine )?(störung|ausfall|bekannte probleme)|störungsmeldung|y a-t-il une panne|"
    r"panne en cours|problèmes? connus?|hay (una )?(caída|incidencia)|incidencias conocidas)\b",
    re.IGNORECASE,
)
MAX_PROBLEMS = 3


class DeskInfo:
    """Answers hours, contact and status questions (``contact``: the settings' text)."""

    def __init__(self, contact: str = "") -> None:
        self.contact = contact.strip()

    async def answer(self, turn: Turn) -> bool:
        """Answer ``turn`` if it asks about hours, contact or status; ``False`` otherwise."""
        text = turn.message.text
        if STATUS.search(text):
            await turn.say(await self._status(turn))
        elif HOURS.search(text):
            await turn.say(self._hours(turn.desk.sla.business_hours, turn.desk.clock()))
        elif CONTACT.search(text):
            await turn.say(self._contact())
        else:
            return False
        return True

    def _hours(self, hours: BusinessHours | None, now: datetime) -> Text:
        if hours is None:
            return _("Our support team is here around the clock, every day of the week.")
        monday = hours.local(now) - timedelta(days=hours.local(now).weekday())
        spans = _spans(sorted(hours.days))
        days = joined(
            [
                _("{first} to {last}", first=_day(monday, a), last=_day(monday, b))
                if b > a
                else _day(monday, a)
                for a, b in spans
            ],
            ", ",
        )
        at = monday.replace(hour=0, minute=0, second=0, microsecond=0)
        opens = Moment(at + timedelta(seconds=hours.open_s), "time")
        closes = Moment(at + timedelta(seconds=hours.close_s), "time")
        state = (
            _("We're open right now.")
            if hours.is_open(now)
            else _(
                "We're closed right now and back {back}.",
                back=when_text(hours, hours.next_open(now), now),
            )
        )
        return _(
            "Our support team is here {days}, {opens}–{closes} ({zone}). {state} You can write "
            "here at any time; tickets opened outside these hours are answered when we're back.",
            days=days,
            opens=opens,
            closes=closes,
            zone=zone_name(monday),
            state=state,
        )

    def _contact(self) -> Text:
        if self.contact:
            return _(
                "You can reach our support team right here in this chat at any time, or at "
                "{contact}.",
                contact=self.contact,
            )
        return _(
            "You can reach our support team right here in this chat: tell me what you need "
            "and I'll open a ticket."
        )

    async def _status(self, turn: Turn) -> Text:
        problems = await turn.uow.tickets.list(
            TicketFilter(type=TicketType.PROBLEM.value, open_only=True, limit=MAX_PROBLEMS)
        )
        if not problems:
            return _(
                "We don't know of any outage or widespread problem right now. If something "
                "isn't working for you, tell me what happens and I'll open a ticket."
            )
        hours = turn.desk.sla.business_hours
        known = []
        for problem in problems:
            assert problem.created_at is not None
            since = hours.local(problem.created_at) if hours else problem.created_at
            known.append(
                _(
                    "• “{problem}”, known since {time} ({zone})",
                    problem=problem.description[:120],
                    time=Moment(since, "datetime"),
                    zone=zone_name(since),
                )
            )
        return _(
            "Yes, we know about this and our team is working on it:\n{known}\nIf you're "
            "affected, tell me what happens and I'll open a ticket for you.",
            known=joined(known),
        )


def _spans(days: list[int]) -> list[tuple[int, int]]:
    """Consecutive weekdays as ``(first, last)`` runs: [0,1,2,3,4,6] -> [(0,4),(6,6)]."""
    spans: list[tuple[int, int]] = []
    for day in days:
        if spans and spans[-1][1] == day - 1:
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    return spans


def _day(monday: datetime, index: int) -> Text:
    return Text("{day}", (("day", Moment(monday + timedelta(days=index), "weekday")),))
