"""The one OpenAPI document (``bot/openapi/``) describes every route of the HTTP API, and only
routes that exist: a new endpoint without its description fails here, before the fuzzing in
``tests/test_api_fuzz.py`` (which only reaches what the document lists) could miss it."""

from __future__ import annotations

from pathlib import Path

from bot.app import create_app
from bot.openapi import build_openapi
from bot.settings import load_settings

METHODS = {"get", "post", "put", "patch", "delete"}
NOT_DESCRIBED = {("get", "/api/openapi.json")}  # the document itself


def _routes(tmp_path: Path) -> set[tuple[str, str]]:
    settings = load_settings(
        environ={}, database_url=f"sqlite+aiosqlite:///{tmp_path}/x.db", data_dir=str(tmp_path)
    )
    app = create_app(settings)  # routes are mounted here; nothing starts
    return {
        (route.method.lower(), route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None
        and route.method.lower() in METHODS
        and (route.resource.canonical.startswith("/api/") or route.resource.canonical == "/healthz")
    }


def _documented() -> set[tuple[str, str]]:
    return {
        (method, path)
        for path, item in build_openapi()["paths"].items()
        for method in item
        if method in METHODS
    }


def test_every_api_route_is_documented_and_every_documented_one_exists(tmp_path: Path) -> None:
    served = _routes(tmp_path) - NOT_DESCRIBED
    documented = _documented()
    assert sorted(served - documented) == [], "served but not in the OpenAPI document"
    assert sorted(documented - served) == [], "in the OpenAPI document but not served"


def test_the_knowledge_base_and_files_are_described_with_their_rules() -> None:
    spec = build_openapi()
    paths = spec["paths"]
    for path, method in [
        ("/api/agent/articles", "get"),
        ("/api/agent/articles", "post"),
        ("/api/agent/articles/{article_id}", "patch"),
        ("/api/agent/articles/{article_id}", "delete"),
        ("/api/agent/tickets/{ticket_id}/draft-article", "post"),
        ("/api/agent/tickets/{ticket_id}/attachments", "post"),
        ("/api/agent/attachments/{attachment_id}", "get"),
        ("/api/chat/sessions/{session_id}/attachments", "post"),
        ("/api/chat/sessions/{session_id}/attachments/{attachment_id}", "get"),
    ]:
        assert method in paths[path], (method, path)
    create = paths["/api/agent/articles"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["title", "body"] and body["additionalProperties"] is False
    assert {"201", "400", "401", "403"} <= set(create["responses"])
    upload = paths["/api/chat/sessions/{session_id}/attachments"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"413", "415"} <= set(upload["responses"])
    assert "Article" in spec["components"]["schemas"]


def test_each_call_builds_a_fresh_document() -> None:
    first = build_openapi()
    first["paths"]["/api/agent/tickets"]["get"]["parameters"].clear()
    assert build_openapi()["paths"]["/api/agent/tickets"]["get"]["parameters"]
