"""Telegram end to end: the real python-telegram-bot against the fake Bot API, and the whole
front desk (``create_app``: web server, engine, store, outbox, agent API) behind it."""

from __future__ import annotations

import asyncio
import email
import re
from collections.abc import Callable
from pathlib import Path

import aiohttp

from bot.app import FRONTDESK
from models import ChannelKind, TicketStatus
from models.accounts import AccountRole
from tests.channels.fake_telegram import Call, FakeTelegram
from tests.channels.live import (
    LiveDesk,
    StartDesk,
    customer_said,
    eventually,
    free_socket,
    ticket_id_in,
)

CRASH = "The desktop app freezes and closes whenever I export a PDF."
CHAT = "4242"  # the fake's customer: user 4242 in the private chat 4242


def says(fragment: str) -> Callable[[Call], bool]:
    return lambda call: fragment in call.params.get("text", "")


def with_keyboard(call: Call) -> bool:
    return "reply_markup" in call.params


async def on_telegram(telegram: FakeTelegram, desks: StartDesk, database_url: str) -> LiveDesk:
    return await desks(
        database_url, telegram_token=telegram.token, telegram_base_url=telegram.base_url
    )


async def test_a_customer_is_handed_to_an_agent_who_replies_resolves_and_gets_rated(
    telegram: FakeTelegram, database_url: str, desks: StartDesk
) -> None:
    desk = await on_telegram(telegram, desks, database_url)
    async with desk.http().get("/healthz") as r:
        assert await r.json() == {"status": "ok", "channels": {"web": "up", "telegram": "up"}}

    await telegram.inject_message("/start")
    await telegram.wait_for_call("sendMessage", says("/status lists your open tickets"))

    await telegram.inject_message(CRASH)
    ack = await telegram.wait_for_call("sendMessage", says("FD-"))
    assert ack.params["chat_id"] == CHAT
    assert "human agent will take over" in ack.params["text"]
    tid = ticket_id_in(ack.params["text"])
    # Telegram says who she is, not how to reach her: the bot asks for the address only
    await telegram.wait_for_call("sendMessage", says("what email address can our team"))
    await telegram.inject_message("ada@analytical-engines.co.uk")
    await telegram.wait_for_call("sendMessage", says("passed that on"))

    ann = await desk.agent("ann@example.com")
    ticket = await ann.ticket(tid)
    assert ticket["channel"] == "telegram"
    who = ticket["customer"]
    assert (who["name"], who["email"]) == ("Ada Lovelace", "ada@analytical-engines.co.uk")
    assert who["organisation"] == "analytical-engines.co.uk"
    await ann.claim(tid)
    joined = await telegram.wait_for_call("sendMessage", says("joined the conversation"))
    assert joined.params["text"] == "ann joined the conversation."
    await ann.reply(tid, "Hi, Ann here. Which version do you run?")
    reply = await telegram.wait_for_call("sendMessage", says("Ann here"))
    assert reply.params["chat_id"] == CHAT
    assert reply.params["text"] == "ann: Hi, Ann here. Which version do you run?"  # who answers

    await telegram.inject_message("Version 4.2, on Windows 11.")
    await eventually(lambda: customer_said(desk, tid, "Version 4.2"))

    await ann.resolve(tid, "Fixed in 4.2.1: please update.")
    prompt = await telegram.wait_for_call("sendMessage", with_keyboard)
    buttons = [b for row in prompt.params["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"][0] for b in buttons] == ["1", "2", "3", "4", "5"]

    await telegram.inject_callback(buttons[3]["callback_data"], label=buttons[3]["text"])
    await telegram.wait_for_call("answerCallbackQuery")
    await telegram.wait_for_call("sendMessage", says("4/5"))

    details = await desk.details(tid)
    assert details.csat is not None and details.csat.score == 4
    assert details.ticket.status is TicketStatus.RESOLVED
    assert details.ticket.channel is ChannelKind.TELEGRAM


async def test_a_duplicated_update_is_processed_once(
    telegram: FakeTelegram, sqlite_url: str, desks: StartDesk
) -> None:
    desk = await on_telegram(telegram, desks, sqlite_url)
    update = await telegram.inject_message(CRASH)
    await telegram.wait_for_call("sendMessage", says("FD-"))

    polls = len(telegram.calls_of("getUpdates"))
    await telegram.replay(update["update_id"])
    await telegram.wait_for_call("getUpdates", count=polls + 1)  # the copy was handed over
    await asyncio.sleep(0.3)  # room for a second reply, which must not come

    assert len(await desk.tickets()) == 1
    tickets = [c for c in telegram.calls_of("sendMessage") if "FD-" in c.params["text"]]
    assert len(tickets) == 1  # answered once (the hand-off's name/email question aside)


async def test_a_rate_limit_is_honoured(
    telegram: FakeTelegram, sqlite_url: str, desks: StartDesk
) -> None:
    await on_telegram(telegram, desks, sqlite_url)
    telegram.rate_limit_next(retry_after=1)
    loop = asyncio.get_running_loop()
    started = loop.time()

    await telegram.inject_message(CRASH)
    await telegram.wait_for_call("sendMessage", says("FD-"), count=2)

    assert loop.time() - started >= 1.0
    tickets = [c for c in telegram.calls_of("sendMessage") if "FD-" in c.params["text"]]
    assert len(tickets) == 2  # refused once, delivered once


async def test_a_restart_during_polling_loses_nothing_and_doubles_nothing(
    telegram: FakeTelegram, sqlite_url: str, desks: StartDesk
) -> None:
    first = await on_telegram(telegram, desks, sqlite_url)
    before = await telegram.inject_message(CRASH)
    ack = await telegram.wait_for_call("sendMessage", says("FD-"))
    tid = ticket_id_in(ack.params["text"])
    await first.stop()  # while a long poll is parked on the server
    assert telegram.confirmed_offset == before["update_id"] + 1

    await telegram.inject_message("It also happens with PNG exports.")  # while we are down
    second = await on_telegram(telegram, desks, sqlite_url)
    await telegram.wait_for_call("sendMessage", says(f"added that to ticket {tid}"))
    await telegram.replay(before["update_id"])  # as Telegram does after a crash
    polls = len(telegram.calls_of("getUpdates"))
    await telegram.wait_for_call("getUpdates", count=polls + 1)
    await asyncio.sleep(0.3)

    assert len(await second.tickets()) == 1
    assert len(telegram.calls_of("sendMessage")) == 2
    texts = [m.text for m in (await second.details(tid)).messages if m.sender.value == "customer"]
    assert texts == [CRASH, "It also happens with PNG exports."]


async def test_webhook_updates_are_served_and_a_forged_one_is_refused(
    telegram: FakeTelegram, sqlite_url: str, desks: StartDesk
) -> None:
    sock = free_socket()
    port = sock.getsockname()[1]
    desk = await desks(
        sqlite_url,
        sock=sock,
        telegram_token=telegram.token,
        telegram_base_url=telegram.base_url,
        telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/updates",
        telegram_webhook_secret="a-long-random-secret_42",
    )
    assert telegram.webhook_url == f"http://127.0.0.1:{port}/telegram/updates"
    forged = {"update_id": 1, "message": message_from(7, "I am not Telegram")}

    assert await telegram.post_webhook(forged, "guessed-secret") == 403
    assert await telegram.post_webhook(forged, None) == 403
    assert await desk.tickets() == []
    assert not await desk.fd.store.read(lambda uow: uow.customers.find(ChannelKind.TELEGRAM, "7"))

    await telegram.inject_message(CRASH)  # the real Telegram, with the secret
    await telegram.wait_for_call("sendMessage", says("FD-"))
    assert telegram.webhook_statuses == [200]
    assert not telegram.calls_of("getUpdates")


async def test_an_unreachable_telegram_degrades_health_while_web_chat_serves(
    sqlite_url: str, desks: StartDesk
) -> None:
    closed = free_socket()  # bound, never listening: connections are refused
    desk = await desks(
        sqlite_url,
        telegram_token="123456:unreachable",
        telegram_base_url=f"http://127.0.0.1:{closed.getsockname()[1]}/bot",
    )
    async with desk.http().get("/healthz") as r:
        assert r.status == 200
        assert await r.json() == {
            "status": "degraded",
            "channels": {"web": "up", "telegram": "down"},
        }

    web = WebCustomer(desk)
    await web.open()
    await web.say(CRASH)
    assert "FD-" in await web.wait_for("FD-")
    closed.close()


async def test_the_customer_name_follows_their_telegram_profile(
    telegram: FakeTelegram, sqlite_url: str, desks: StartDesk
) -> None:
    desk = await on_telegram(telegram, desks, sqlite_url)
    await telegram.inject_message(CRASH)
    await telegram.wait_for_call("sendMessage", says("FD-"))
    assert (await desk.customer(ChannelKind.TELEGRAM, CHAT)).display_name == "Ada Lovelace"

    await telegram.inject_message("Any news?", first_name="Ada", last_name="King")
    await telegram.wait_for_call("sendMessage", says("added that to ticket"))

    customer = await desk.customer(ChannelKind.TELEGRAM, CHAT)
    assert customer.display_name == "Ada King"


async def test_a_verified_email_links_telegram_to_web_chat_so_status_lists_both(
    telegram: FakeTelegram, sqlite_url: str, desks: StartDesk, tmp_path: Path
) -> None:
    desk = await on_telegram(telegram, desks, sqlite_url)
    fd = desk.runner.app[FRONTDESK]
    await fd.store.write(
        lambda uow: uow.accounts.add(
            "ivy@example.com", "Ivy", fd.desk.clock(), role=AccountRole.MEMBER
        )
    )
    mails = Mailbox(tmp_path / "mail")

    web = WebCustomer(desk)
    await web.open()
    await web.say("I'd like to change the name on my account")
    await web.wait_for("email address of your account")
    web_tid = ticket_id_in(" ".join(web.texts))
    await web.say("ivy@example.com")
    await web.wait_for("6-digit code")
    await web.say(await mails.code_for("ivy@example.com", 1))
    await web.wait_for("You're verified")

    await telegram.inject_message("Please change the name on my account")
    await telegram.wait_for_call("sendMessage", says("email address of your account"))
    await telegram.inject_message("ivy@example.com")
    await telegram.wait_for_call("sendMessage", says("6-digit code"))
    await telegram.inject_message(await mails.code_for("ivy@example.com", 2))
    await telegram.wait_for_call("sendMessage", says("You're verified"))

    await telegram.inject_message("/status")
    status = await telegram.wait_for_call("sendMessage", says("Your open tickets"))
    assert web_tid in status.params["text"]
    web_customer = await desk.customer(ChannelKind.WEB, web.session_id)
    tg_customer = await desk.customer(ChannelKind.TELEGRAM, CHAT)
    assert web_customer.person_id is not None
    assert web_customer.person_id == tg_customer.person_id


# -- helpers ------------------------------------------------------------------------------------


def message_from(user_id: int, text: str) -> dict[str, object]:
    user = FakeTelegram.user(user_id, "Mallory", None, None)
    return {
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": {"id": user_id, "type": "private"},
        "from": user,
        "text": text,
    }


class Mailbox:
    """Mails the front desk wrote as .eml files (no SMTP server configured)."""

    CODE = re.compile(r"verification code is (\d{6})")

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def codes_for(self, address: str) -> list[str]:
        codes = []
        for path in sorted(self.directory.glob("*.eml")):
            mail = email.message_from_bytes(path.read_bytes())
            if address not in str(mail["To"]):
                continue
            for part in mail.walk():
                body = part.get_payload(decode=True)
                if isinstance(body, bytes):
                    codes += self.CODE.findall(body.decode())
        return codes

    async def code_for(self, address: str, nth: int) -> str:
        """The ``nth`` code mailed to ``address`` (waits for the outbox to write it)."""
        for _ in range(100):
            codes = self.codes_for(address)
            if len(codes) >= nth:
                return codes[nth - 1]
            await asyncio.sleep(0.05)
        raise AssertionError(f"no code #{nth} for {address}")


class WebCustomer:
    """A web-chat customer on the same front desk, over its HTTP API."""

    def __init__(self, desk: LiveDesk) -> None:
        self.http = desk.http()
        self.session_id = ""
        self.auth: dict[str, str] = {}
        self.seen = 0
        self.texts: list[str] = []

    async def open(self) -> None:
        async with self.http.post("/api/chat/sessions") as r:
            body = await r.json()
        self.session_id = body["session_id"]
        self.auth = {"Authorization": f"Bearer {body['token']}"}

    @property
    def path(self) -> str:
        return f"/api/chat/sessions/{self.session_id}/messages"

    async def say(self, text: str) -> None:
        async with self.http.post(self.path, json={"text": text}, headers=self.auth) as r:
            assert r.status == 202, await r.text()

    async def wait_for(self, fragment: str) -> str:
        for _ in range(10):
            params = {"after": str(self.seen), "wait": "1"}
            async with self.http.get(self.path, params=params, headers=self.auth) as r:
                new = (await r.json())["messages"]
            for m in new:
                self.seen = max(self.seen, m["seq"])
                if m["sender"] != "customer":
                    self.texts.append(m["text"])
                    if fragment in m["text"]:
                        return str(m["text"])
        raise AssertionError(f"no {fragment!r} in {self.texts}")


async def test_a_photo_reaches_the_agent_and_the_agents_pdf_reaches_the_chat(
    telegram: FakeTelegram, sqlite_url: str, desks: StartDesk
) -> None:
    from tests.bot.test_attachments import PDF, png

    desk = await on_telegram(telegram, desks, sqlite_url)
    await telegram.inject_message(CRASH)
    tid = ticket_id_in((await telegram.wait_for_call("sendMessage", says("FD-"))).params["text"])
    image = png(64, 40)
    sent_photo = await telegram.inject_file("photo", image, caption="This is the error")
    photo_name = f"photo-{sent_photo['message']['message_id']}.jpg"
    await telegram.inject_file("document", b"MZ\x90\x00" * 30, name="tool.exe", mime="image/png")
    await eventually(lambda: customer_said(desk, tid, "tool.exe"))

    ann = await desk.agent("ann@example.com")
    ticket = await ann.ticket(tid)
    files = [a for m in ticket["messages"] for a in m["attachments"]]
    assert [(f["name"], f["content_type"]) for f in files] == [(photo_name, "image/png")]
    photo = next(m for m in ticket["messages"] if m["attachments"])
    assert photo["text"] == "This is the error"
    async with ann.http.get(files[0]["url"]) as r:
        assert r.status == 200 and await r.read() == image
    refused = [m["text"] for m in ticket["messages"] if "tool.exe" in m["text"]]
    assert refused == ["[tool.exe was not kept: files of type application/x-msdownload are "
                       "not accepted: send images, PDF, text or logs]"]  # fmt: skip

    await ann.claim(tid)
    form = aiohttp.FormData()
    form.add_field("text", "The fix is attached.")
    form.add_field("file", PDF, filename="fix.pdf", content_type="application/pdf")
    async with ann.http.post(
        f"/api/agent/tickets/{tid}/attachments", data=form, headers={"X-CSRF-Token": ann.csrf}
    ) as r:
        assert r.status == 201, await r.text()
    sent = await telegram.wait_for_call("sendDocument")
    assert sent.params["document"] == {"filename": "fix.pdf", "data": PDF}
    await telegram.wait_for_call("sendMessage", says("The fix is attached."))


async def test_of_two_processes_one_polls_telegram_and_the_other_takes_over_when_it_stops(
    telegram: FakeTelegram, postgres_url: str, desks: StartDesk
) -> None:
    first = await on_telegram(telegram, desks, postgres_url)
    second = await on_telegram(telegram, desks, postgres_url)
    assert first.fd.receivers is not None and second.fd.receivers is not None
    assert (first.fd.receivers.started, second.fd.receivers.started) == (["telegram"], [])
    async with second.http().get("/healthz") as r:  # standing by is healthy
        assert await r.json() == {"status": "ok", "channels": {"web": "up", "telegram": "standby"}}

    await telegram.inject_message(CRASH)
    ack = await telegram.wait_for_call("sendMessage", says("FD-"))
    tid = ticket_id_in(ack.params["text"])

    await first.stop()  # its database session ends: the platforms' lock is free
    receivers = second.fd.receivers

    async def taken_over() -> bool:
        return receivers.started == ["telegram"]

    await eventually(taken_over, within=15)
    await telegram.inject_message("/status")
    status = await telegram.wait_for_call("sendMessage", says(tid))  # polled and sent by B
    assert status.params["chat_id"] == CHAT
