"""Every response carries the security headers; no page needs inline script; /metrics is not
for everyone; a wrong method is answered 405 with Allow (issue 15, finding 7)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from bot.http_security import metrics_refusal
from bot.settings import SettingsError

from .conftest import Agent, LiveDesk


async def fetch(
    http: aiohttp.ClientSession, desk: LiveDesk, path: str, method: str = "GET"
) -> tuple[int, Any, str]:
    async with http.request(method, desk.url(path), allow_redirects=False) as r:
        return r.status, r.headers, await r.text()


def csp_of(headers: Any) -> dict[str, str]:
    policy = headers.get("Content-Security-Policy", "")
    pairs = (part.strip().partition(" ") for part in policy.split(";") if part.strip())
    return {name: value for name, _, value in pairs}


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<style|\sstyle\s*=", re.I)


async def test_every_kind_of_response_carries_the_headers(
    make_desk: Callable[..., Any], sqlite_url: str
) -> None:
    desk: LiveDesk = await make_desk(sqlite_url, registry=True)
    admin: Agent = await desk.agent("root@example.com", role="admin")
    anonymous = desk.http()
    pages = {
        "/": anonymous,
        "/widget": anonymous,  # the embeddable widget's frame
        "/widget.js": anonymous,
        "/api/widget/config": anonymous,
        "/console/widget": admin.http,
        "/static/webchat.js": anonymous,
        "/console/login": anonymous,
        "/console/queue": admin.http,
        "/console/reports": admin.http,
        "/console/models": admin.http,
        "/console/static/console.js": anonymous,
        "/reset/not-a-real-link": anonymous,
        "/api/openapi.json": anonymous,
        "/api/agent/me": anonymous,  # 401
        "/api/agent/tickets/FD-999999": admin.http,  # 404
        "/healthz": anonymous,
        "/nowhere": anonymous,  # 404 outside the API
    }
    for path, http in pages.items():
        status, headers, body = await fetch(http, desk, path)
        csp = csp_of(headers)
        assert csp.get("script-src") == "'self'", (path, headers)
        assert csp.get("style-src") == "'self'", path
        assert "unsafe" not in headers["Content-Security-Policy"], path
        assert headers.get("X-Content-Type-Options") == "nosniff", path
        assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer"), path
        chat = path in ("/", "/widget")
        assert csp.get("frame-ancestors") == ("'self'" if chat else "'none'"), path
        assert headers.get("X-Frame-Options") == ("SAMEORIGIN" if chat else "DENY"), path
        if path.startswith(("/api/", "/reset/", "/healthz")) or path in (
            "/console/login",
            "/console/queue",
            "/console/reports",
            "/console/models",
            "/console/widget",
        ):
            assert headers.get("Cache-Control") == "no-store", path
        if headers.get("Content-Type", "").startswith("text/html"):
            assert not INLINE_SCRIPT.search(body), (path, INLINE_SCRIPT.search(body))
            assert not INLINE_HANDLER.search(body), (path, INLINE_HANDLER.search(body))
            assert not INLINE_STYLE.search(body), (path, INLINE_STYLE.search(body))
        assert status < 500, path


async def test_the_sites_that_may_embed_the_chat_come_from_a_setting(
    make_desk: Callable[..., Any], sqlite_url: str
) -> None:
    desk: LiveDesk = await make_desk(sqlite_url, frame_ancestors="'self' https://shop.example.com")
    _, widget, _ = await fetch(desk.http(), desk, "/")
    _, console, _ = await fetch(desk.http(), desk, "/console/login")
    assert csp_of(widget)["frame-ancestors"] == "'self' https://shop.example.com"
    assert "X-Frame-Options" not in widget  # it cannot name another site
    assert csp_of(console)["frame-ancestors"] == "'none'"
    with pytest.raises(SettingsError, match="FRONTDESK_FRAME_ANCESTORS"):
        await make_desk(sqlite_url, frame_ancestors="'self'; script-src *")


async def test_metrics_want_the_token_when_one_is_set(
    make_desk: Callable[..., Any], sqlite_url: str
) -> None:
    desk: LiveDesk = await make_desk(sqlite_url, metrics_token="scrape-me-4f9a")
    http = desk.http()
    async with http.get(desk.url("/metrics")) as r:
        assert r.status == 401 and r.headers["WWW-Authenticate"] == "Bearer"
    async with http.get(desk.url("/metrics"), headers={"Authorization": "Bearer nope"}) as r:
        assert r.status == 401
    good = {"Authorization": "Bearer scrape-me-4f9a"}
    async with http.get(desk.url("/metrics"), headers=good) as r:
        assert r.status == 200 and "frontdesk_" in await r.text()
        assert r.headers["Cache-Control"] == "no-store"


def test_without_a_token_only_this_host_reads_the_metrics() -> None:
    assert metrics_refusal("", "", "127.0.0.1") is None
    assert metrics_refusal("", "", "::1") is None
    assert metrics_refusal("", "", "203.0.113.9") is not None
    assert metrics_refusal("", "", None) is not None
    assert metrics_refusal("t0ken", "", "127.0.0.1") is not None  # a token binds everyone
    assert metrics_refusal("t0ken", "Bearer t0ken", "203.0.113.9") is None


async def test_a_wrong_method_is_405_with_allow(desk: LiveDesk) -> None:
    http = desk.http()
    for path, allowed in [
        ("/api/chat/sessions", {"POST", "OPTIONS"}),  # OPTIONS: CORS preflight (widget)
        ("/api/agent/login", {"POST"}),
        ("/healthz", {"GET", "HEAD"}),
    ]:
        async with http.delete(desk.url(path)) as r:
            assert r.status == 405, path
            assert set(r.headers["Allow"].replace(" ", "").split(",")) == allowed, path
            if path.startswith("/api/"):
                assert (await r.json())["error"]
