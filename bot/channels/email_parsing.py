"""Pure reading of inbound mail (no I/O): a raw RFC 5322 message into what the front desk needs.

What a customer wrote is the newest part of the mail only: quoted history and signatures are
cut by mail-parser-reply (a kept parser that knows the "On … wrote:" lines of the common mail
clients in many languages), a trailing block of ``>`` quotes by us, and an HTML-only mail is
turned into text by html2text. The subject leads the text of a mail that starts a thread (it
is often the best summary of the problem); in a reply it is only "Re: …" and is left out.

Loops are recognised here, once (RFC 3834 and common practice): ``Auto-Submitted`` other than
``no``, ``Precedence: bulk|junk|list|auto_reply``, the ``X-Autoreply``/``X-Autorespond``
markers, mailing-list mail (``List-Id``), delivery reports (``multipart/report``), and mail
from a mailer daemon, a postmaster or our own address. Such mail opens nothing and is never
answered.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

import html2text
from mailparser_reply import EmailReplyParser

from models.ticket_ids import OFFSET, PREFIX

MAX_ID = 128
"""Platform message ids are stored in 128 characters; a longer Message-ID is hashed."""
_MSG_ID = re.compile(r"<[^<>\s]+>")
_TICKET = re.compile(rf"\[?\b{PREFIX}-(\d{{1,12}})\b\]?", re.IGNORECASE)
_DAEMONS = ("mailer-daemon", "postmaster", "mail-daemon")
_BULK = ("bulk", "junk", "list", "auto_reply")
_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pl", "sv"]


@dataclass(frozen=True, slots=True)
class MailAttachment:
    """A file that came with a mail, as the sender named and typed it (sniffed later)."""

    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class InboundMail:
    """What the front desk reads from one mail.

    ``references`` are the Message-IDs the mail answers, newest first (``In-Reply-To``, then
    ``References`` from the end); ``ticket`` is a ticket ID found in the subject; ``loop`` says
    why the mail must not be answered, ``None`` for a person's mail.
    """

    message_id: str
    sender: str
    display_name: str
    subject: str
    body: str
    references: tuple[str, ...] = ()
    ticket: str | None = None
    loop: str | None = None
    attachments: tuple[MailAttachment, ...] = ()

    @property
    def platform_id(self) -> str:
        """The de-duplication key: the Message-ID, hashed when too long to store."""
        if len(self.message_id) <= MAX_ID:
            return self.message_id
        return "sha256:" + hashlib.sha256(self.message_id.encode()).hexdigest()

    def text(self, *, new_thread: bool) -> str:
        """What the customer said: the subject and the body for a new thread, else the body."""
        subject = self.subject.strip()
        if new_thread and subject:
            return f"{subject}\n\n{self.body}".strip()
        return self.body or subject


def read_mail(raw: bytes, own_address: str, envelope_sender: str | None = None) -> InboundMail:
    """Read one mail; ``own_address`` is our From address (mail from it is a loop), and
    ``envelope_sender`` the SMTP ``MAIL FROM`` when known (empty for a bounce)."""
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(mail, EmailMessage)
    display_name, sender = parseaddr(str(mail.get("From", "")))
    sender = sender.strip().lower()
    message_id = _first_id(str(mail.get("Message-ID", "")))
    if not message_id:  # no Message-ID: the content itself is what a redelivery repeats
        message_id = "<sha256." + hashlib.sha256(raw).hexdigest()[:40] + "@frontdesk>"
    subject = " ".join(str(mail.get("Subject", "")).split())
    references = _ids(str(mail.get("In-Reply-To", ""))) + _ids(
        str(mail.get("References", "")), newest_first=True
    )
    ticket = _TICKET.search(subject)
    return InboundMail(
        message_id=message_id,
        sender=sender,
        display_name=display_name.strip() or sender.split("@")[0],
        subject=subject,
        body=reply_text(_body(mail)),
        references=tuple(dict.fromkeys(references)),
        ticket=(
            f"{PREFIX}-{ticket.group(1)}" if ticket and int(ticket.group(1)) > OFFSET else None
        ),
        loop=loop_reason(mail, sender, own_address, envelope_sender),
        attachments=tuple(_attachments(mail)),
    )


def loop_reason(
    mail: EmailMessage, sender: str, own_address: str, envelope_sender: str | None = None
) -> str | None:
    """Why this mail must not be answered (an automatic one, a bounce, ourselves), or None."""
    auto = str(mail.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = str(mail.get("Precedence", "")).strip().lower()
    if precedence in _BULK:
        return f"Precedence: {precedence}"
    for marker in ("X-Autoreply", "X-Autorespond", "List-Id"):
        if mail.get(marker) is not None:
            return f"{marker} header"
    if mail.get_content_type() == "multipart/report":
        return "a delivery report"
    if envelope_sender is not None and envelope_sender.strip("<> ") == "":
        return "an empty envelope sender (a bounce)"
    if not sender:
        return "no From address"
    if sender.split("@")[0] in _DAEMONS:
        return f"from {sender}"
    own = {a.lower() for _, a in getaddresses([own_address]) if a}
    if sender in own:
        return "from our own address"
    return None


def reply_text(text: str) -> str:
    """The newest part of a mail body: quoted history and signatures stripped."""
    text = text.replace("\r\n", "\n").strip()
    if not text:
        return ""
    text = text.split("\n-- \n", 1)[0]  # RFC 3676's signature separator
    newest = EmailReplyParser(languages=_LANGUAGES).parse_reply(text) or text
    lines = newest.rstrip().split("\n")
    while lines and (lines[-1].startswith(">") or not lines[-1].strip()):
        lines.pop()  # a trailing quote without an "On … wrote:" line above it
    return "\n".join(lines).strip() or text


def _body(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):  # an unknown or lying charset
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if part.get_content_subtype() == "html":
        converter = html2text.HTML2Text()
        converter.body_width = 0  # keep paragraphs on one line each
        converter.ignore_images = True
        content = converter.handle(str(content))
    return str(content)


def _attachments(mail: EmailMessage) -> list[MailAttachment]:
    found = []
    for part in mail.iter_attachments():
        if part.is_multipart():
            continue
        data = part.get_payload(decode=True)
        if isinstance(data, bytes) and data:
            name = part.get_filename() or "attachment"
            found.append(MailAttachment(name, part.get_content_type(), data))
    return found


def _first_id(header: str) -> str:
    found = _MSG_ID.findall(header)
    return found[0] if found else header.strip()


def _ids(header: str, *, newest_first: bool = False) -> list[str]:
    found = _MSG_ID.findall(header)
    return list(reversed(found)) if newest_first else found
