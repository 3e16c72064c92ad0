"""Reading inbound mail (pure): who wrote, what is new, what it answers, whether to answer."""

from __future__ import annotations

from bot.channels.email_parsing import read_mail, reply_text
from bot.channels.mail import conversation_of, recipient, thread_address

OWN = "Support <support@desk.test>"


def raw(headers: str, body: str = "Hello") -> bytes:
    return (headers.strip() + "\r\n\r\n" + body).replace("\n", "\r\n").encode()


def test_a_new_mail_reads_as_subject_and_body() -> None:
    mail = read_mail(
        raw(
            "From: Ravi Kumar <Ravi@Example.com>\nSubject: Cannot   log in\n"
            "Message-ID: <m1@example.com>",
            "Nothing works.\n\n-- \nRavi Kumar\nACME",
        ),
        OWN,
    )
    assert (mail.sender, mail.display_name) == ("ravi@example.com", "Ravi Kumar")
    assert mail.platform_id == "<m1@example.com>"
    assert mail.text(new_thread=True) == "Cannot log in\n\nNothing works."
    assert mail.text(new_thread=False) == "Nothing works."
    assert mail.loop is None and mail.ticket is None


def test_a_reply_names_what_it_answers_and_its_ticket() -> None:
    mail = read_mail(
        raw(
            "From: ravi@example.com\nSubject: Re: Cannot log in [FD-1042]\n"
            "Message-ID: <m2@example.com>\nIn-Reply-To: <fd.c7.o9@desk.test>\n"
            "References: <m1@example.com> <fd.c7.o9@desk.test>",
            "Works now.\n\nOn Mon, 30 Nov 2026, Support <support@desk.test> wrote:\n> try again",
        ),
        OWN,
    )
    assert mail.references == ("<fd.c7.o9@desk.test>", "<m1@example.com>")
    assert mail.ticket == "FD-1042"
    assert mail.body == "Works now."
    assert conversation_of(mail.references[0]) == 7
    assert conversation_of("<m1@example.com>") is None


def test_quoted_history_without_a_header_line_is_cut() -> None:
    assert reply_text("Thanks!\n\n> earlier text\n> more") == "Thanks!"
    assert reply_text("> only a quote") == "> only a quote"  # nothing new: keep what came


def test_automatic_and_own_mail_is_a_loop() -> None:
    def loop(headers: str, envelope: str | None = None) -> str | None:
        return read_mail(raw(headers), OWN, envelope).loop

    assert (
        loop("From: a@example.com\nAuto-Submitted: auto-replied") == "Auto-Submitted: auto-replied"
    )
    assert loop("From: a@example.com\nAuto-Submitted: no") is None
    assert loop("From: a@example.com\nPrecedence: junk") == "Precedence: junk"
    assert loop("From: a@example.com\nList-Id: <news.example.com>") == "List-Id header"
    assert loop("From: MAILER-DAEMON@mx.example.com") == "from mailer-daemon@mx.example.com"
    assert loop("From: support@desk.test") == "from our own address"
    assert loop("From: a@example.com", envelope="") == "an empty envelope sender (a bounce)"
    assert loop("From: a@example.com", envelope="a@example.com") is None


def test_a_mail_without_message_id_is_keyed_by_its_content() -> None:
    one = read_mail(raw("From: a@example.com\nSubject: x"), OWN)
    assert one.platform_id == read_mail(raw("From: a@example.com\nSubject: x"), OWN).platform_id
    long = read_mail(raw(f"From: a@example.com\nMessage-ID: <{'x' * 200}@example.com>"), OWN)
    assert long.platform_id.startswith("sha256:") and len(long.platform_id) <= 128


def test_thread_addresses_name_their_customer() -> None:
    address = thread_address("ravi@example.com", "<m1@example.com>")
    assert address.startswith("ravi@example.com#") and len(address) == len("ravi@example.com#") + 12
    assert recipient(address) == "ravi@example.com"
    assert recipient("carol@example.com") == "carol@example.com"
