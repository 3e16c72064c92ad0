"""The mail channel (SMTP and .eml files), the accounts CLI and the migration."""

from __future__ import annotations

import email
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect

from bot.channels.mail import FileMailSender, SmtpConfig, SmtpMailSender
from bot.cli import main
from bot.ports import ChannelPermanentError, ChannelTemporaryError, OutboundMessage
from store.engine import create_engine
from store.migrate import upgrade

from .conftest import SmtpServer


def mail(to: str) -> OutboundMessage:
    return OutboundMessage(
        channel="email", address=to, text="Hello\n", outbox_id=42, extra={"subject": "Hi"}
    )


async def test_smtp_delivers_and_maps_refusals_to_channel_errors(smtp: SmtpServer) -> None:
    sender = SmtpMailSender(SmtpConfig("127.0.0.1", smtp.port, "support@example.com"))
    await sender.send(mail("vera@example.com"))
    rcpts, message = smtp.handler.mails[0]
    assert rcpts == ["vera@example.com"] and message["Subject"] == "Hi"
    assert message["Message-ID"] == "<outbox-42@example.com>"

    smtp.handler.refuse.add("gone@example.com")
    with pytest.raises(ChannelPermanentError):
        await sender.send(mail("gone@example.com"))
    smtp.handler.refuse_with = "451 4.3.0 try later"
    with pytest.raises(ChannelTemporaryError):
        await sender.send(mail("gone@example.com"))


async def test_an_unreachable_smtp_server_is_a_temporary_error(smtp: SmtpServer) -> None:
    sender = SmtpMailSender(SmtpConfig("127.0.0.1", 1, "support@example.com", timeout=2))
    with pytest.raises(ChannelTemporaryError):
        await sender.send(mail("vera@example.com"))


async def test_without_smtp_mails_become_eml_files(tmp_path: Path) -> None:
    sender = FileMailSender(tmp_path / "mail", "support@example.com")
    await sender.send(mail("wes@example.com"))
    await sender.send(mail("wes@example.com"))  # a redelivery rewrites the same file
    files = list((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1
    parsed = email.message_from_bytes(files[0].read_bytes())
    assert parsed["To"] == "wes@example.com" and parsed["Subject"] == "Hi"


async def test_the_migration_creates_the_fulfilment_tables(database_url: str) -> None:
    await upgrade(database_url)
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    assert {"directory_accounts", "password_reset_tokens", "fulfilment_timers"} <= names


def test_accounts_can_be_added_and_listed_from_the_command_line(sqlite_url: str) -> None:
    runner = CliRunner()
    db = ["--database-url", sqlite_url]
    added = runner.invoke(
        main,
        [
            "accounts",
            "add",
            "--email",
            "xena@acme.example",
            "--name",
            "Xena",
            "--org",
            "Acme",
            "--role",
            "admin",
            *db,
        ],
    )
    assert added.exit_code == 0, added.output
    duplicate = runner.invoke(
        main, ["accounts", "add", "--email", "xena@acme.example", "--name", "X", *db]
    )
    assert duplicate.exit_code == 1 and "exists already" in duplicate.output
    bad = runner.invoke(main, ["accounts", "add", "--email", "nope", "--name", "N", *db])
    assert bad.exit_code == 1 and "not an email" in bad.output
    listed = runner.invoke(main, ["accounts", "list", "--json", *db])
    assert '"email": "xena@acme.example"' in listed.output and '"role": "admin"' in listed.output
