"""Customers talking to the bot over web chat: transcripts of what they say and get back."""

from __future__ import annotations

from pathlib import Path

from bot.app import Frontdesk
from classifier.base import Classifier
from handoff.views import load_details
from models import ConversationState, TicketStatus, TicketType, parse_ticket_id

from .chat import ChatCustomer, frontdesk_of, serving, settings_for


async def ticket_of(fd: Frontdesk, public_id: str):
    return await fd.store.read(lambda uow: load_details(uow, parse_ticket_id(public_id)))


async def test_an_outage_report_becomes_an_urgent_incident_handed_to_agents(
    sqlite_url: str, tmp_path: Path, trained_classifier: Classifier
) -> None:
    async with serving(settings_for(sqlite_url, tmp_path), trained_classifier) as client:
        customer = await ChatCustomer(client).open()
        await customer.say("Since noon your API answers 503 to every request we send")
        reply = await customer.expect_reply()

        assert reply["sender"] == "bot"
        assert "FD-1001" in reply["text"]
        assert "human agent" in reply["text"]
        assert "within 1 hour" in reply["text"] or "within 15 minutes" in reply["text"]
        details = await ticket_of(frontdesk_of(client), "FD-1001")
        assert details.ticket.type is TicketType.INCIDENT
        assert details.ticket.priority.value in ("high", "urgent")
        assert details.ticket.status is TicketStatus.NEW
        assert [e.kind for e in details.events] == ["created", "handoff"]
        assert details.messages[0].text.startswith("Since noon")

        # A login failure is medium by default; "for everyone" raises it, and the ticket says why.
        colleague = await ChatCustomer(client).open()
        await colleague.say("Login fails with error 500 for everyone")
        await colleague.expect_reply()
        details = await ticket_of(frontdesk_of(client), colleague.ticket_id())
        assert details.ticket.priority.value in ("high", "urgent")
        assert "urgency=everyone affected" in (details.events[0].detail or "")


async def test_a_billing_question_gets_its_own_ticket_and_every_message_is_kept(
    sqlite_url: str, tmp_path: Path, trained_classifier: Classifier
) -> None:
    async with serving(settings_for(sqlite_url, tmp_path), trained_classifier) as client:
        customer = await ChatCustomer(client).open()
        await customer.say("How do I get our invoices as PDF?")
        await customer.expect_reply()
        await customer.say("We need them for the auditors by Friday.")
        ack = await customer.expect_reply()
        await customer.say("Also the VAT number is missing.")
        await customer.poll(wait=0.5)

        assert "added that to ticket" in ack["text"]
        # the ticket, "what name and email..." (not answered) and one acknowledgement, not one
        # for every message
        assert len(customer.texts("bot")) == 3
        fd = frontdesk_of(client)
        details = await ticket_of(fd, customer.ticket_id())
        assert details.ticket.intent == "invoice_copy"
        customer_lines = [m.text for m in details.messages if m.sender.value == "customer"]
        assert customer_lines == [
            "How do I get our invoices as PDF?",
            "We need them for the auditors by Friday.",
            "Also the VAT number is missing.",
        ]
        conversation = await fd.store.read(
            lambda uow: uow.conversations.get(details.ticket.conversation_id)
        )
        assert conversation.state is ConversationState.WAITING_FOR_AGENT


async def test_a_greeting_gets_a_greeting_and_no_ticket(
    sqlite_url: str, tmp_path: Path, trained_classifier: Classifier
) -> None:
    async with serving(settings_for(sqlite_url, tmp_path), trained_classifier) as client:
        customer = await ChatCustomer(client).open()
        await customer.say("hello there")
        reply = await customer.expect_reply()
        assert reply["text"].startswith("Hello!")
        from models import TicketFilter

        tickets = await frontdesk_of(client).store.read(
            lambda uow: uow.tickets.list(TicketFilter())
        )
        assert tickets == []


async def test_asking_for_a_human_hands_off_at_once(
    sqlite_url: str, tmp_path: Path, trained_classifier: Classifier
) -> None:
    async with serving(settings_for(sqlite_url, tmp_path), trained_classifier) as client:
        customer = await ChatCustomer(client).open()
        await customer.say("I want to talk to a real person please")
        reply = await customer.expect_reply()
        assert "human agent" in reply["text"]
        details = await ticket_of(frontdesk_of(client), customer.ticket_id())
        assert details.ticket.intent == "human_request"
        assert "handoff" in [e.kind for e in details.events]


async def test_a_stale_button_press_is_answered_not_ignored(
    sqlite_url: str, tmp_path: Path, trained_classifier: Classifier
) -> None:
    async with serving(settings_for(sqlite_url, tmp_path), trained_classifier) as client:
        customer = await ChatCustomer(client).open()
        await customer.say(payload="something:old")
        reply = await customer.expect_reply()
        assert "no longer active" in reply["text"]


async def test_a_bug_while_handling_a_message_ends_in_an_apology_and_an_agent(
    sqlite_url: str, tmp_path: Path
) -> None:
    class BrokenClassifier:
        def classify(self, text: str):
            raise RuntimeError("model file corrupted")

        def classify_many(self, texts: list[str]):
            raise RuntimeError("model file corrupted")

    async with serving(settings_for(sqlite_url, tmp_path), BrokenClassifier()) as client:
        customer = await ChatCustomer(client).open()
        await customer.say("The export button does nothing")
        reply = await customer.expect_reply()
        assert reply["text"].startswith("Sorry, something went wrong on our side")
        assert "Traceback" not in reply["text"] and "corrupted" not in reply["text"]
        from models import TicketFilter

        tickets = await frontdesk_of(client).store.read(
            lambda uow: uow.tickets.list(TicketFilter())
        )
        assert len(tickets) == 1 and tickets[0].description == "The export button does nothing"


async def test_the_language_a_customer_writes_in_is_stored_on_them(
    sqlite_url: str, tmp_path: Path, trained_classifier: Classifier
) -> None:
    from handoff.views import ticket_json

    async with serving(settings_for(sqlite_url, tmp_path), trained_classifier) as client:
        customer = await ChatCustomer(client).open()
        await customer.say("Die Webseite ist seit einer Stunde komplett down, nichts lädt mehr")
        await customer.expect_reply()
        fd = frontdesk_of(client)
        details = await ticket_of(fd, customer.ticket_id())
        assert details.customer.language == "de"
        shown = ticket_json(details)
        assert shown["language"] == "de" and shown["customer"]["language"] == "de"
