"""The `frontdesk` command line as an admin uses it; bad input is one line, never a traceback."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main, ready_banner
from classifier.base import Classifier

from .bot.chat import ChatCustomer, serving, settings_for


def frontdesk(url: str, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin, env={"FRONTDESK_DATABASE_URL": url})
    return result.exit_code, result.stdout, result.stderr


def test_a_newcomer_is_told_where_the_chat_and_console_are_and_how_to_add_an_agent(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(ready_banner("127.0.0.1", 8080)(None))
    banner = capsys.readouterr().out
    assert "http://127.0.0.1:8080/\n" in banner and "http://127.0.0.1:8080/console/" in banner
    command = banner.split(".venv/bin/frontdesk ", 1)[1].splitlines()[0].split()
    # The command it shows is a real one: it creates an admin who can log in.
    code, out, err = frontdesk(sqlite_url, *command, stdin="correct horse battery staple\n")
    assert code == 0, err
    code, out, _ = frontdesk(sqlite_url, "agents", "list", "--json")
    assert code == 0 and '"role": "admin"' in out.replace("'", '"')


@pytest.mark.empty_database
def test_db_upgrade_creates_the_schema(sqlite_url: str) -> None:
    code, out, _ = frontdesk(sqlite_url, "db", "upgrade")
    assert code == 0 and "database at revision" in out


def test_an_admin_creates_agents_with_a_password_from_stdin(sqlite_url: str) -> None:
    code, out, err = frontdesk(
        sqlite_url,
        "agents",
        "create",
        "--email",
        "Ann@Example.com",
        "--name",
        "Ann",
        "--role",
        "manager",
        stdin="correct horse battery staple\n",
    )
    assert code == 0, err
    assert "created manager ann@example.com" in out
    code, out, _ = frontdesk(sqlite_url, "agents", "list", "--json")
    agents = json.loads(out)["agents"]
    assert [(a["email"], a["role"]) for a in agents] == [("ann@example.com", "manager")]
    assert "password" not in out


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--email", "not-an-email", "--name", "X"], "long enough password\n", "not an email"),
        (["--email", "a@b.co", "--name", "X"], "short\n", "at least 10 characters"),
        (["--email", "a@b.co", "--name", "X", "--role", "boss"], "long enough password\n", "boss"),
    ],
)
def test_bad_agent_input_is_one_clear_line(
    sqlite_url: str, args: list[str], stdin: str, message: str
) -> None:
    code, _, err = frontdesk(sqlite_url, "agents", "create", *args, stdin=stdin)
    assert code != 0
    assert message in err
    assert "Traceback" not in err


def test_a_duplicate_agent_email_is_refused(sqlite_url: str) -> None:
    args = ["agents", "create", "--email", "a@b.co", "--name", "A"]
    assert frontdesk(sqlite_url, *args, stdin="long enough password\n")[0] == 0
    code, _, err = frontdesk(sqlite_url, *args, stdin="long enough password\n")
    assert code == 1 and "already exists" in err


def test_unknown_or_malformed_ticket_ids_are_refused(sqlite_url: str) -> None:
    code, _, err = frontdesk(sqlite_url, "tickets", "show", "FD-1001", "--json")
    assert code == 1 and "FD-1001 does not exist" in err
    code, _, err = frontdesk(sqlite_url, "tickets", "show", "banana")
    assert code == 1 and "not a ticket ID" in err


def test_an_unusable_database_url_is_one_line(tmp_path: Path) -> None:
    code, _, err = frontdesk("mysql://nowhere/db", "tickets", "list")
    assert code == 1 and "unsupported database" in err and "Traceback" not in err


def test_tickets_list_and_show_tell_the_whole_story(
    sqlite_url: str, tmp_path: Path, trained_classifier: Classifier
) -> None:
    async def chat() -> str:
        async with serving(settings_for(sqlite_url, tmp_path), trained_classifier) as client:
            customer = await ChatCustomer(client).open()
            await customer.say("Since noon your API answers 503 to every request we send")
            await customer.expect_reply()
            return customer.ticket_id()

    ticket_id = asyncio.run(chat())
    code, out, _ = frontdesk(sqlite_url, "tickets", "list", "--json", "--status", "new")
    assert code == 0
    assert [t["id"] for t in json.loads(out)["tickets"]] == [ticket_id]
    code, out, _ = frontdesk(sqlite_url, "tickets", "show", ticket_id, "--json")
    shown = json.loads(out)
    assert {
        "id",
        "type",
        "priority",
        "intent",
        "confidence",
        "status",
        "assignee",
        "channel",
        "customer",
        "messages",
        "events",
        "csat",
    } <= set(shown)
    assert (shown["type"], shown["status"], shown["channel"]) == ("incident", "new", "web")
    assert shown["priority"] in ("high", "urgent")
    # the opening reply, then the hand-off's "While you wait: what name and email..."
    assert [m["sender"] for m in shown["messages"]] == ["customer", "bot", "bot"]
    assert all(m["created_at"] for m in shown["messages"])
    assert [e["kind"] for e in shown["events"]] == ["created", "handoff"]
    assert shown["csat"] is None
    code, out, _ = frontdesk(sqlite_url, "tickets", "show", ticket_id)
    assert code == 0 and "incident / " in out


def test_organisations_are_added_listed_and_removed(database_url: str) -> None:
    add = ("organisations", "add", "Acme Tools", "--domain", "acme.com", "--domain", "Acme.IO")
    code, out, err = frontdesk(database_url, *add)
    assert code == 0, err
    assert out.strip().endswith("Acme Tools (acme.com, acme.io)")
    code, out, err = frontdesk(database_url, *add)  # the name and its domains are taken
    assert code == 1 and "exists already" in err and "Traceback" not in err
    code, out, err = frontdesk(database_url, "organisations", "add", "G", "--domain", "gmail.com")
    assert code == 1 and "free-mail" in err
    code, out, _ = frontdesk(database_url, "organisations", "list", "--json")
    [acme] = json.loads(out)["organisations"]
    assert (acme["name"], acme["domains"]) == ("Acme Tools", ["acme.com", "acme.io"])
    code, out, _ = frontdesk(database_url, "organisations", "remove", str(acme["id"]))
    assert code == 0 and f"removed organisation {acme['id']}" in out
    code, out, _ = frontdesk(database_url, "organisations", "list")
    assert code == 0 and out == ""
    code, _, err = frontdesk(database_url, "organisations", "remove", str(acme["id"]))
    assert code == 1 and "no organisation" in err
