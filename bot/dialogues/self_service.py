"""Self-service: the bot answers a how-to question from a knowledge-base article.

The engine opens the ticket (so every question is counted), then :meth:`SelfServiceDialogue.offer`
quotes the article (the matching section or its summary) with a link to the help centre and two
buttons. "That solved it" resolves the ticket by the bot as **self-service** (an ``auto``
resolution with a ``self_service`` event, so reports count it in ``automation_rate`` and
``self_service_rate``; CSAT is asked as for any resolution). "I still need help" hands the ticket
to the agents' queue; the ``article_offered`` event tells the agent what the customer read.
Typed answers work too ("thanks, that worked" / anything else: an agent takes over).

While the buttons wait, ``conversation.dialogue`` is a :class:`models.SelfService`.
"""

from __future__ import annotations

import re
from typing import Protocol

from models import Button, Dialogue, Prediction, SelfService, TicketEvent, format_ticket_id
from models.articles import ArticleMatch
from models.sla import first_reply_promise
from models.texts import N_, _

from ..dialogue import Turn
from .desk_info import DeskInfo

SOLVED, STILL = "kb:solved", "kb:help"
SOLVED_WORDS = re.compile(
    r"^\W*(yes|yep|thanks?|thank you|that (solved|fixed|helped|worked)|it (worked|works)|"
    r"solved|perfect|great|ja|danke|hat geholfen|oui|merci|ça marche|sí|si|gracias|funciona)\b",
    re.IGNORECASE,
)
NOT_SOLVED = re.compile(r"\b(not|no|didn'?t|doesn'?t|nicht|kein|pas|non|ne|no me)\b", re.I)


class Finder(Protocol):
    """What the dialogue needs to look an article up (``bot.knowledge_search.ArticleFinder``)."""

    async def find(
        self, text: str, prediction: Prediction | None, language: str | None = None
    ) -> ArticleMatch | None: ...

    def translated(self, match: ArticleMatch, language: str) -> ArticleMatch:
        """The same answer from the article's translation into ``language``, if there is one."""
        ...


class SelfServiceDialogue:
    """The engine's ``answers`` port and the driver of the two buttons."""

    def __init__(self, finder: Finder, base_url: str, info: DeskInfo | None = None) -> None:
        self.finder = finder
        self.base_url = base_url.rstrip("/")
        self.info = info or DeskInfo()

    async def desk_info(self, turn: Turn) -> bool:
        """Answer a question about support hours, contact or known problems (no ticket)."""
        return await self.info.answer(turn)

    @property
    def dialogues(self) -> tuple[type[Dialogue], ...]:
        return (SelfService,)

    async def prepare(self, text: str, prediction: Prediction | None) -> ArticleMatch | None:
        """Outside the transaction: the article worth offering for ``text``, if any."""
        return await self.finder.find(text, prediction)

    async def offer(self, turn: Turn, match: ArticleMatch) -> None:
        """Answer the ticket just opened from ``match`` and ask whether it solved it."""
        ticket = turn.ticket
        assert ticket is not None
        match = self.finder.translated(match, turn.customer.language)
        link = f"{self.base_url}{match.url_path}"
        await turn.uow.events.add(
            TicketEvent(
                ticket_id=ticket.id,
                actor="bot",
                kind="article_offered",
                new=f"#{match.article_id} {match.title}",
                detail=link,
                created_at=turn.desk.clock(),
            )
        )
        turn.conversation.dialogue = SelfService(ticket.id, match.article_id, match.title)
        await turn.desk.uow_save_conversation(turn.uow, turn.conversation)
        await turn.desk.record_first_response(turn.uow, ticket)
        turn.desk.ticket_changed(turn.uow, ticket.id)
        await turn.say(
            _(
                "This article from our help centre should answer it: “{title}”\n\n{answer}\n\n"
                "Read it all: {link}\nDid that solve it? (ticket {ticket})",
                title=match.title,
                answer=match.answer,
                link=link,
                ticket=format_ticket_id(ticket.id),
            ),
            buttons=(
                Button(N_("That solved it"), f"{SOLVED}:{ticket.id}"),
                Button(N_("I still need help"), f"{STILL}:{ticket.id}"),
            ),
        )

    async def on_button(self, turn: Turn, payload: str) -> bool:
        dialogue = turn.conversation.dialogue
        if not isinstance(dialogue, SelfService) or payload not in (
            f"{SOLVED}:{dialogue.ticket_id}",
            f"{STILL}:{dialogue.ticket_id}",
        ):
            return False
        await self._answered(turn, dialogue, payload.startswith(SOLVED), typed=False)
        return True

    async def on_text(self, turn: Turn) -> bool:
        dialogue = turn.conversation.dialogue
        if not isinstance(dialogue, SelfService):
            return False
        text = turn.message.text
        solved = bool(SOLVED_WORDS.search(text)) and not NOT_SOLVED.search(text)
        await self._answered(turn, dialogue, solved, typed=True)
        return True

    async def _answered(
        self, turn: Turn, dialogue: SelfService, solved: bool, *, typed: bool
    ) -> None:
        ticket = await turn.uow.tickets.get(dialogue.ticket_id)
        turn.ticket = ticket
        turn.conversation.dialogue = None
        await turn.desk.uow_save_conversation(turn.uow, turn.conversation)
        if typed:
            await turn.uow.messages.attach_to_ticket(turn.message.id, ticket.id)
        title = dialogue.title
        if not ticket.status.is_open:
            await turn.say(
                _("Ticket {ticket} is already closed.", ticket=format_ticket_id(ticket.id))
            )
            return
        if solved:
            await turn.uow.events.add(
                TicketEvent(
                    ticket_id=ticket.id,
                    actor="customer",
                    kind="self_service",
                    new=f"#{dialogue.article_id} {title}",
                    created_at=turn.desk.clock(),
                )
            )
            await turn.desk.resolve(
                turn.uow,
                ticket,
                _("answered by the help-centre article “{title}”", title=title),
                "bot",
                auto_fulfilled=True,
            )
            return
        due = ticket.first_response_due or turn.desk.clock()
        promise = first_reply_promise(turn.desk.sla, ticket.priority, due, turn.desk.clock())
        await turn.say(
            _(
                "Sorry it didn't help. I've passed ticket {ticket} to our team, with the article "
                "you read; a human agent will reply here {promise}. You can add anything else "
                "in the meantime.",
                ticket=format_ticket_id(ticket.id),
                promise=promise,
            )
        )
        await turn.hand_off(f"the article “{title}” did not solve it")
