"""A do-nothing aiohttp server answering the web-chat requests a customer makes per message,
the ceiling ``bench/ceiling.py`` measures Frontdesk against: the same four requests (open a
session, send the message, a poll that returns it, a poll that returns the bot's reply), the
same JSON shapes, no database, no classifier, no work.

    .venv/bin/python bench/noop_server.py --port 8090
"""

from __future__ import annotations

import argparse
import itertools
import secrets
from typing import Any

from aiohttp import web

SESSIONS = web.AppKey("sessions", dict)


def message(seq: int, sender: str, text: str) -> dict[str, Any]:
    return {"seq": seq, "sender": sender, "text": text, "buttons": [], "created_at": None}


def create_app() -> web.Application:
    app = web.Application()
    sessions: dict[str, list[dict[str, Any]]] = {}
    app[SESSIONS] = sessions
    ids = itertools.count(1)

    async def create_session(request: web.Request) -> web.Response:
        session_id = f"s{next(ids)}"
        sessions[session_id] = []
        return web.json_response(
            {"session_id": session_id, "token": secrets.token_hex(8)}, status=201
        )

    async def post_message(request: web.Request) -> web.Response:
        found = sessions.get(request.match_info["session_id"])
        if found is None:
            raise web.HTTPNotFound()
        body = await request.json()
        found.append(message(len(found) + 1, "customer", str(body.get("text", ""))))
        return web.json_response({"message_id": len(found)}, status=202)

    async def get_messages(request: web.Request) -> web.Response:
        found = sessions.get(request.match_info["session_id"])
        if found is None:
            raise web.HTTPNotFound()
        after = int(request.query.get("after", "0"))
        if after and found and found[-1]["sender"] == "customer" and after >= found[-1]["seq"]:
            # the customer has seen their message: the "bot" answers it, instantly
            found.append(message(len(found) + 1, "bot", "Thanks, noted."))
        return web.json_response({"messages": [m for m in found if m["seq"] > after]})

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_post("/api/chat/sessions", create_session)
    app.router.add_post("/api/chat/sessions/{session_id}/messages", post_message)
    app.router.add_get("/api/chat/sessions/{session_id}/messages", get_messages)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()
    web.run_app(create_app(), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
