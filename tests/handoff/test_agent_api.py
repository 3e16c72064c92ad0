"""The agent API story: an agent takes a web-chat conversation over, replies, resolves it and
the customer rates the help; plus every refusal the API promises."""

from __future__ import annotations

from .conftest import LiveDesk

CRASH = "The desktop app freezes and closes whenever I export a PDF."


async def test_agent_takes_over_replies_and_resolves_and_the_customer_rates_it(
    desk: LiveDesk,
) -> None:
    customer = await desk.customer()
    tid = await customer.opens_ticket(CRASH)
    ann = await desk.agent("ann@example.com")

    queue = await ann.ok("GET", "/api/agent/tickets")
    assert tid in [t["id"] for t in queue["tickets"]]
    assert queue["tickets"][0]["sla"]["kind"] == "first_response"

    assert (await ann.call("POST", f"/api/agent/tickets/{tid}/claim", csrf=False))[0] == 403
    claimed = await ann.ok("POST", f"/api/agent/tickets/{tid}/claim")
    assert claimed["ticket"]["status"] == "in_progress"
    assert claimed["ticket"]["assignee"] == "ann@example.com"

    bot_before = len([m for m in customer.messages if m["sender"] == "bot"])
    await customer.say("Any news? It still crashes.")
    details = await ann.ticket(tid)
    for _ in range(50):
        if any("Any news" in m["text"] for m in details["messages"]):
            break
        details = await ann.ticket(tid)
    assert any("Any news" in m["text"] for m in details["messages"])
    assert details["conversation_state"] == "with_agent"

    await ann.ok("POST", f"/api/agent/tickets/{tid}/messages", {"text": "Hi, Ann here."})
    await ann.ok(
        "POST",
        f"/api/agent/tickets/{tid}/messages",
        {"text": "probably the new build", "internal": True},
    )
    await customer.wait_for(lambda m: m["sender"] == "agent" and "Ann here" in m["text"])
    await customer.poll(wait=0.3)
    assert len([m for m in customer.messages if m["sender"] == "bot"]) == bot_before
    assert not any("new build" in m["text"] for m in customer.messages)

    details = await ann.ticket(tid)
    assert details["first_response_at"] is not None
    assert [e["kind"] for e in details["events"]].count("takeover") == 1
    note = next(m for m in details["messages"] if m["internal"])
    assert note["text"] == "probably the new build"

    await ann.ok("POST", f"/api/agent/tickets/{tid}/resolve", {"resolution": "Rolled back."})
    prompt = await customer.wait_for(lambda m: len(m["buttons"]) == 5)
    assert [b["label"][0] for b in prompt["buttons"]] == ["1", "2", "3", "4", "5"]
    await customer.say(payload=prompt["buttons"][-1]["payload"])
    await customer.wait_for(lambda m: "5/5" in m["text"])
    await customer.say(payload=prompt["buttons"][0]["payload"])  # a late second press
    await customer.wait_for(lambda m: "already have your rating" in m["text"])

    details = await ann.ticket(tid)
    assert details["csat"]["score"] == 5
    assert [e["kind"] for e in details["events"]].count("csat") == 1
    assert details["status"] == "resolved"


async def test_not_fixed_after_resolution_reopens_the_ticket(desk: LiveDesk) -> None:
    customer, ann, tid, _ = await desk.resolved_by_an_agent(CRASH)

    await customer.say("It is still not fixed, same crash.")
    await customer.wait_for(lambda m: "reopened" in m["text"])

    details = await ann.ticket(tid)
    assert details["status"] == "in_progress"
    assert details["assignee"] == "ann@example.com"
    assert details["csat"] is None


async def test_refusals_say_why(desk: LiveDesk) -> None:
    customer = await desk.customer()
    tid = await customer.opens_ticket(CRASH)
    anonymous = desk.http()
    async with anonymous.get(desk.url("/api/agent/tickets")) as r:
        assert r.status == 401
        assert "log in" in (await r.json())["error"]

    ann = await desk.agent("ann@example.com")
    assert (await ann.call("GET", "/api/agent/tickets/FD-9999"))[0] == 404
    assert (await ann.call("GET", "/api/agent/tickets/nonsense"))[0] == 404
    assert (await ann.call("GET", "/api/agent/tickets?status=bogus"))[0] == 400
    status, body = await ann.call("POST", f"/api/agent/tickets/{tid}/messages", {"text": " "})
    assert status == 400 and "text" in body["error"]
    status, body = await ann.call("PATCH", f"/api/agent/tickets/{tid}", {"colour": "red"})
    assert status == 400
    status, body = await ann.call("POST", f"/api/agent/tickets/{tid}/reopen")
    assert status == 409 and body["status"] == "new"
    await ann.ok("POST", f"/api/agent/tickets/{tid}/resolve", {"resolution": "Done."})
    status, body = await ann.call("POST", f"/api/agent/tickets/{tid}/resolve", {"resolution": "x"})
    assert status == 409 and body["status"] == "resolved" and "resolved" in body["error"]

    async with anonymous.post(desk.url("/api/agent/login"), data=b"not json") as r:
        assert r.status == 400


async def test_roles_are_enforced_on_every_sensitive_endpoint(desk: LiveDesk) -> None:
    customer = await desk.customer()
    tid = await customer.opens_ticket(CRASH)
    ann = await desk.agent("ann@example.com")
    max_ = await desk.agent("max@example.com", role="manager")
    ada = await desk.agent("ada@example.com", role="admin")

    await ann.ok("POST", f"/api/agent/tickets/{tid}/request-approval")
    status, body = await ann.call("POST", f"/api/agent/tickets/{tid}/approve")
    assert status == 403 and "manager" in body["error"]
    assert (await ann.call("POST", f"/api/agent/tickets/{tid}/reject", {"reason": "no"}))[0] == 403
    new_agent = {"email": "bob@example.com", "name": "Bob", "password": "long enough pw"}
    assert (await ann.call("POST", "/api/agent/agents", new_agent))[0] == 403
    assert (await max_.call("POST", "/api/agent/agents", new_agent))[0] == 403
    assert (await ann.call("GET", "/api/agent/agents"))[0] == 403
    created = await ada.ok("POST", "/api/agent/agents", new_agent)
    assert created["agent"]["role"] == "agent"

    # assigning a ticket to someone else is a manager's call
    status, _ = await ann.call(
        "PATCH", f"/api/agent/tickets/{tid}", {"assignee": "max@example.com"}
    )
    assert status == 403
    await max_.ok("POST", f"/api/agent/tickets/{tid}/approve")
    assert (await ann.ticket(tid))["status"] == "in_progress"


async def test_csrf_token_must_match_the_session(desk: LiveDesk) -> None:
    customer = await desk.customer()
    tid = await customer.opens_ticket(CRASH)
    ann = await desk.agent("ann@example.com")
    max_ = await desk.agent("max@example.com", role="manager")
    ann_token, ann.csrf = ann.csrf, max_.csrf  # someone else's token
    status, body = await ann.call("POST", f"/api/agent/tickets/{tid}/claim")
    assert status == 403 and "CSRF" in body["error"]
    ann.csrf = ann_token
    await ann.ok("POST", f"/api/agent/tickets/{tid}/claim")
    await ann.ok("POST", "/api/agent/logout")
    assert (await ann.call("GET", "/api/agent/tickets"))[0] == 401


async def test_failed_logins_are_rate_limited_per_email_and_address(desk: LiveDesk) -> None:
    ann = await desk.agent("ann@example.com")
    await ann.ok("POST", "/api/agent/logout")
    for _ in range(5):
        assert (await ann.login("wrong password!"))[0] == 401
    status, body = await ann.login()  # even the right password now waits
    assert status == 429 and "try again" in body["error"]
    async with ann.http.post(
        desk.url("/api/agent/login"), json={"email": ann.email, "password": "x"}
    ) as r:
        assert r.status == 429
        assert 1 <= int(r.headers["Retry-After"]) <= 15 * 60
    max_ = await desk.agent("max@example.com", role="manager")  # other accounts are unaffected
    assert max_.csrf


async def test_session_cookie_flags(desk: LiveDesk) -> None:
    await desk.agent("ann@example.com")
    http = desk.http()
    async with http.post(
        desk.url("/api/agent/login"),
        json={"email": "ann@example.com", "password": "correct horse battery staple"},
    ) as r:
        cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("frontdesk_session=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie


async def test_openapi_document_lists_the_agent_api(desk: LiveDesk) -> None:
    async with desk.http().get(desk.url("/api/openapi.json")) as r:
        paths = (await r.json())["paths"]
    for path in (
        "/api/agent/login",
        "/api/agent/tickets",
        "/api/agent/tickets/{ticket_id}",
        "/api/agent/tickets/{ticket_id}/claim",
        "/api/agent/tickets/{ticket_id}/release",
        "/api/agent/tickets/{ticket_id}/messages",
        "/api/agent/tickets/{ticket_id}/escalate",
        "/api/agent/tickets/{ticket_id}/request-approval",
        "/api/agent/tickets/{ticket_id}/approve",
        "/api/agent/tickets/{ticket_id}/reject",
        "/api/agent/tickets/{ticket_id}/resolve",
        "/api/agent/tickets/{ticket_id}/reopen",
    ):
        assert path in paths
    assert "patch" in paths["/api/agent/tickets/{ticket_id}"]


async def test_only_the_owner_resolves_a_ticket_and_a_manager_override_is_recorded(
    desk: LiveDesk,
) -> None:
    customer = await desk.customer()
    tid = await customer.opens_ticket(CRASH)
    ann = await desk.agent("ann@example.com")
    bob = await desk.agent("bob@example.com")
    max_ = await desk.agent("max@example.com", role="manager")
    await ann.ok("POST", f"/api/agent/tickets/{tid}/claim")

    status, body = await bob.call("POST", f"/api/agent/tickets/{tid}/resolve", {"resolution": "x"})
    assert status == 403 and "resolve a ticket assigned to someone else" in body["error"]
    status, body = await bob.call("POST", f"/api/agent/tickets/{tid}/messages", {"text": "Hi!"})
    assert status == 409 and body["owner"]["email"] == "ann@example.com"
    details = await ann.ticket(tid)
    assert details["status"] == "in_progress"
    assert "override" not in [e["kind"] for e in details["events"]]

    await max_.ok("POST", f"/api/agent/tickets/{tid}/resolve", {"resolution": "Rolled back."})
    details = await ann.ticket(tid)
    assert details["status"] == "resolved" and details["assignee"] == "ann@example.com"
    overrides = [e for e in details["events"] if e["kind"] == "override"]
    assert [(e["old"], e["detail"]) for e in overrides] == [
        (str(details["assignee_id"]), "resolve a ticket assigned to someone else")
    ]
