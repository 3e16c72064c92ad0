"""CSAT, the customer's side: a rating by button or typed, "not fixed", and the comment after a
low rating. The desk asks for the rating when it resolves a ticket (``service/desk.py``); the
buttons, their payloads and the words recognised are in ``models/csat.py``.

:class:`CsatDialogue` is the engine's driver for the two exchanges (``CsatPrompt``: the rating
was asked for; ``CsatComment``: a low rating, what could have been better?). A rating button
counts whenever it is pressed, and "not fixed" reopens a resolved ticket even after the
exchange ended.
"""

from __future__ import annotations

from models import (
    CsatComment,
    CsatPrompt,
    CsatResponse,
    TicketEvent,
    TicketStatus,
    format_ticket_id,
)
from models.csat import COMMENT_BELOW, NOT_FIXED, SCORE_ONLY, parse_csat_payload
from models.texts import _

from ..dialogue import THANKS_INTENT, Turn


async def record_rating(turn: Turn, ticket_id: int, round_: int, score: int) -> None:
    """A rating (button or typed) for one resolution of a ticket: stored once, then thanks;
    a low one asks what could have been better."""
    uow = turn.uow
    try:
        ticket = await uow.tickets.get(ticket_id)
    except Exception:
        await turn.say(_("Sorry, I couldn't find that ticket."))
        return
    if ticket.customer_id not in await uow.customers.identities(turn.customer):
        await turn.say(_("Sorry, I couldn't find that ticket."))
        return
    current_round = await uow.tickets.resolution_round(ticket_id)
    stored = False
    if round_ == current_round and ticket.status in (
        TicketStatus.RESOLVED,
        TicketStatus.CLOSED,
    ):
        stored = await uow.csat.add(
            CsatResponse(ticket_id=ticket_id, score=score, created_at=turn.desk.clock()),
            round_,
        )
    if not stored:
        await turn.say(_("Thanks, we already have your rating for this ticket."))
        return
    await uow.events.add(
        TicketEvent(
            ticket_id=ticket_id,
            actor="customer",
            kind="csat",
            new=str(score),
            created_at=turn.desk.clock(),
        )
    )
    turn.desk.ticket_changed(uow, ticket_id)
    if score < COMMENT_BELOW:
        turn.conversation.dialogue = CsatComment(ticket_id, round_)
        await turn.desk.uow_save_conversation(uow, turn.conversation)
        await turn.say(
            _(
                "Thanks for rating us {score}/5. What could we have done better? "
                "(Just write it here, or describe a new problem.)",
                score=score,
            )
        )
    else:
        dialogue = turn.conversation.dialogue
        if isinstance(dialogue, CsatPrompt | CsatComment) and dialogue.ticket_id == ticket_id:
            turn.conversation.dialogue = None
            await turn.desk.uow_save_conversation(uow, turn.conversation)
        await turn.say(_("Thanks for rating us {score}/5!", score=score))


async def on_text(turn: Turn, dialogue: CsatPrompt) -> bool:
    """Text after a CSAT prompt: a score, "not fixed", or else a new issue (False)."""
    ticket_id, round_ = dialogue.ticket_id, dialogue.round
    score = SCORE_ONLY.match(turn.message.text)
    if score:
        await record_rating(turn, ticket_id, round_, int(score.group(1)))
        return True
    if NOT_FIXED.search(turn.message.text):
        ticket = await turn.uow.tickets.get(ticket_id)
        if ticket.status is TicketStatus.RESOLVED:
            await turn.uow.messages.attach_to_ticket(turn.message.id, ticket.id)
            await turn.desk.reopen(turn.uow, ticket, "customer", "customer says: not fixed")
            turn.ticket = ticket
            turn.conversation.ticket_id = ticket.id
            await turn.say(
                _(
                    "I'm sorry to hear that. I've reopened ticket {ticket} and an agent will "
                    "follow up here.",
                    ticket=format_ticket_id(ticket.id),
                )
            )
            await turn.hand_off("reopened by the customer: not fixed")
            return True
    if turn.prediction is not None and turn.prediction.intent == THANKS_INTENT:
        return False  # thanks first: small talk answers, and a score typed next still counts
    turn.conversation.dialogue = None
    return False


async def on_comment(turn: Turn, dialogue: CsatComment) -> None:
    """Text after a low rating: the comment (or "not fixed", which reopens the ticket)."""
    turn.conversation.dialogue = None
    await turn.desk.uow_save_conversation(turn.uow, turn.conversation)
    if NOT_FIXED.search(turn.message.text):
        prompt = CsatPrompt(dialogue.ticket_id, dialogue.round)
        turn.conversation.dialogue = prompt
        if await on_text(turn, prompt):
            return
    await turn.uow.csat.add_comment(dialogue.ticket_id, dialogue.round, turn.message.text)
    await turn.say(_("Thank you, I've passed your feedback on to the team."))


class CsatDialogue:
    """The engine's driver for the CSAT exchanges."""

    dialogues = (CsatPrompt, CsatComment)

    async def on_text(self, turn: Turn) -> bool:
        dialogue = turn.conversation.dialogue
        if isinstance(dialogue, CsatComment):
            await on_comment(turn, dialogue)
            return True
        if isinstance(dialogue, CsatPrompt):
            return await on_text(turn, dialogue)
        return False

    async def on_button(self, turn: Turn, payload: str) -> bool:
        return await self.on_rating(turn, payload)

    async def on_rating(self, turn: Turn, payload: str) -> bool:
        """A rating button, whatever the conversation is doing now (``False``: not one)."""
        rating = parse_csat_payload(payload)
        if rating is None:
            return False
        await record_rating(turn, *rating)
        return True

    async def not_fixed_after(self, turn: Turn) -> bool:
        """ "Not fixed" after the exchange ended (a rating, a comment): reopen the ticket."""
        return (
            turn.ticket is not None
            and turn.ticket.status is TicketStatus.RESOLVED
            and NOT_FIXED.search(turn.message.text) is not None
            and await on_text(turn, CsatPrompt(turn.ticket.id, 0))
        )
