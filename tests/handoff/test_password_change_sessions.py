"""A new password ends the agent's other console sessions (issue #15, 4): whoever knew the old
password and signed in with it elsewhere is out; the browser that set the new one stays in.
Agents change their own password (``POST /api/agent/me/password``, the current one
required); an admin's reset of another agent signs that agent out everywhere."""

from __future__ import annotations

from .conftest import PASSWORD, Agent, LiveDesk

NEW = "a much longer new passphrase"


async def another_browser(desk: LiveDesk, agent: Agent) -> Agent:
    """The same agent signed in a second time, from another browser (its own cookies)."""
    other = Agent(desk, desk.http(), agent.email)
    assert (await other.login())[0] == 200
    return other


async def test_changing_my_password_signs_out_my_other_browsers_but_not_this_one(
    desk: LiveDesk,
) -> None:
    laptop = await desk.agent("kim@example.com")
    phone = await another_browser(desk, laptop)
    colleague = await desk.agent("lee@example.com")
    for bad in ({"password": NEW}, {"current_password": PASSWORD, "password": "short"}):
        assert (await laptop.call("POST", "/api/agent/me/password", bad))[0] == 400

    status, body = await laptop.call(
        "POST", "/api/agent/me/password", {"current_password": "not it at all", "password": NEW}
    )
    assert status == 403 and "current password" in body["error"]
    assert (await phone.call("GET", "/api/agent/me"))[0] == 200  # nothing changed

    changed = await laptop.ok(
        "POST", "/api/agent/me/password", {"current_password": PASSWORD, "password": NEW}
    )
    assert changed == {"changed": True, "other_sessions_ended": True}
    assert (await laptop.call("GET", "/api/agent/me"))[0] == 200
    assert (await phone.call("GET", "/api/agent/me"))[0] == 401
    assert (await colleague.call("GET", "/api/agent/me"))[0] == 200  # only Kim's sessions
    assert (await phone.login(PASSWORD))[0] == 401
    assert (await phone.login(NEW))[0] == 200


async def test_an_admin_resetting_their_own_password_stays_signed_in_here_only(
    desk: LiveDesk,
) -> None:
    root = await desk.agent("root@example.com", role="admin")
    elsewhere = await another_browser(desk, root)
    kim = await desk.agent("kim@example.com")
    kims_phone = await another_browser(desk, kim)

    await root.ok("POST", f"/api/agent/agents/{root.profile['id']}/password", {"password": NEW})
    assert (await root.call("GET", "/api/agent/me"))[0] == 200
    assert (await elsewhere.call("GET", "/api/agent/me"))[0] == 401

    await root.ok("POST", f"/api/agent/agents/{kim.profile['id']}/password", {})
    assert (await kim.call("GET", "/api/agent/me"))[0] == 401
    assert (await kims_phone.call("GET", "/api/agent/me"))[0] == 401


async def test_guessing_the_current_password_is_throttled_without_locking_the_login(
    desk: LiveDesk,
) -> None:
    kim = await desk.agent("kim@example.com")
    guesses = [
        await kim.call(
            "POST", "/api/agent/me/password", {"current_password": f"guess {n}", "password": NEW}
        )
        for n in range(6)
    ]
    assert [status for status, _ in guesses] == [403] * 5 + [429]
    status, _ = await kim.call(
        "POST", "/api/agent/me/password", {"current_password": PASSWORD, "password": NEW}
    )
    assert status == 429  # even the right one, until the window ends
    assert (await another_browser(desk, kim)).profile["email"] == "kim@example.com"


async def test_the_new_password_must_differ_and_the_page_needs_a_login(desk: LiveDesk) -> None:
    kim = await desk.agent("kim@example.com")
    status, body = await kim.call(
        "POST", "/api/agent/me/password", {"current_password": PASSWORD, "password": PASSWORD}
    )
    assert status == 400 and "differ" in body["error"]
    assert (await kim.login(PASSWORD))[0] == 200  # unchanged
    async with kim.http.get(desk.url("/console/password")) as r:
        page = await r.text()
    assert r.status == 200 and 'id="password-form"' in page and "kim@example.com" in page
    async with desk.http().get(desk.url("/console/password"), allow_redirects=False) as r:
        assert r.status == 302 and r.headers["Location"].startswith("/console/login")
