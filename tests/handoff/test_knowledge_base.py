"""The knowledge base: a manager writes articles over the agent API, an agent may only read
them, the public help centre shows the published ones (in the reader's language where a
translation exists), and the command line moves them to and from a folder of Markdown files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import aiohttp

from models.articles import Article
from service.knowledge import read_file, write_file

from .conftest import LiveDesk

INVITE = {
    "title": "Inviting a colleague",
    "body": "Go to **Team → Members** and press **Invite**.\n\n## Expiry\n\nLinks last 7 days.",
    "tags": ["team"],
    "intents": ["add_team_member"],
    "published": True,
}


async def page(desk: LiveDesk, path: str, **headers: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(desk.url(path), headers=headers) as r:
        return r.status, await r.text()


async def test_a_manager_writes_articles_and_agents_read_them(desk: LiveDesk) -> None:
    pat = await desk.agent("pat@example.com", role="manager")
    ann = await desk.agent("ann@example.com")
    status, made = await pat.call("POST", "/api/agent/articles", INVITE)
    assert status == 201, made
    assert made["language"] == "en" and made["author"] == "pat" and made["published"] is True
    assert made["url"] == f"/help/articles/{made['id']}"
    listed = await ann.ok("GET", "/api/agent/articles")
    assert [a["title"] for a in listed["articles"]] == ["Inviting a colleague"]

    status, refused = await ann.call("POST", "/api/agent/articles", INVITE)
    assert status == 403 and "manager" in refused["error"]
    status, _ = await ann.call("DELETE", f"/api/agent/articles/{made['id']}")
    assert status == 403

    changed = await pat.ok(
        "PATCH", f"/api/agent/articles/{made['id']}", {"title": "Invite a colleague"}
    )
    assert changed["title"] == "Invite a colleague" and changed["body"] == INVITE["body"]
    fr = await pat.ok(
        "POST",
        "/api/agent/articles",
        {
            "title": "Inviter un collègue",
            "body": "Allez dans **Équipe → Membres** et cliquez sur **Inviter**.",
            "language": "fr",
            "translation_of": made["id"],
            "published": True,
        },
    )
    assert fr["translation_of"] == made["id"]
    got = await ann.ok("GET", f"/api/agent/articles/{fr['id']}")
    assert got["language"] == "fr"

    assert (await pat.ok("DELETE", f"/api/agent/articles/{fr['id']}"))["deleted"] is True
    status, _ = await ann.call("GET", f"/api/agent/articles/{fr['id']}")
    assert status == 404


async def test_bad_articles_are_refused_with_a_reason(desk: LiveDesk) -> None:
    pat = await desk.agent("pat@example.com", role="manager")
    for body, words in [
        ({"body": "no title"}, '"title"'),
        ({"title": "x", "body": " "}, '"body"'),
        ({**INVITE, "language": "english"}, "two-letter"),
        ({**INVITE, "tags": ["ok", "not ok!"]}, '"tags"'),
        ({**INVITE, "published": "yes"}, '"published"'),
        ({**INVITE, "colour": "red"}, "unknown field"),
        ({**INVITE, "title": "x" * 201}, "longer"),
    ]:
        status, error = await pat.call("POST", "/api/agent/articles", body)
        assert status == 400 and words in error["error"], (body, error)
    status, error = await pat.call("POST", "/api/agent/articles", {**INVITE, "translation_of": 999})
    assert status == 404 and "does not exist" in error["error"]  # an unknown id, as anywhere
    status, error = await pat.call("PATCH", "/api/agent/articles/1", {})
    assert status in (400, 404)
    status, error = await pat.call("PATCH", "/api/agent/articles/nope", {"title": "x"})
    assert status == 404
    status, error = await pat.call("GET", "/api/agent/articles/99999")
    assert status == 404 and "does not exist" in error["error"]


async def test_the_help_centre_lists_searches_and_translates_published_articles(
    desk: LiveDesk,
) -> None:
    pat = await desk.agent("pat@example.com", role="manager")
    invite = await pat.ok("POST", "/api/agent/articles", INVITE)
    await pat.ok(
        "POST",
        "/api/agent/articles",
        {
            "title": "Invitar a un compañero",
            "body": "Vaya a **Equipo → Miembros**.",
            "language": "es",
            "translation_of": invite["id"],
            "published": True,
        },
    )
    draft = await pat.ok(
        "POST", "/api/agent/articles", {"title": "Secret plans", "body": "Not yet."}
    )
    status, html = await page(desk, "/help")
    assert status == 200 and "Inviting a colleague" in html and "Secret plans" not in html
    status, html = await page(desk, "/help", **{"Accept-Language": "es-ES,es;q=0.9"})
    assert "Invitar a un compañero" in html and "Inviting a colleague" not in html
    status, html = await page(desk, "/help?q=expiry+members")
    assert "Inviting a colleague" in html
    status, html = await page(desk, "/help?q=kangaroo")
    assert "No article matches" in html
    status, html = await page(desk, f"/help/articles/{invite['id']}")
    assert status == 200 and "<strong>Team → Members</strong>" in html and "<h2>Expiry</h2>" in html
    assert 'hreflang="es"' in html
    status, _ = await page(desk, f"/help/articles/{draft['id']}")
    assert status == 404
    status, _ = await page(desk, "/help/articles/abc")
    assert status == 404


def test_front_matter_round_trips() -> None:
    article = Article(
        id=7,
        title="Exporter: CSV",
        body="Line one\n\n- a\n- b",
        language="fr",
        tags=("export",),
        intents=(),
        published=True,
        translation_of=3,
    )
    article_id, fields = read_file(write_file(article))
    assert article_id == 7
    assert fields == {
        "title": "Exporter: CSV",
        "language": "fr",
        "tags": ["export"],
        "intents": [],
        "published": True,
        "translation_of": 3,
        "body": "Line one\n\n- a\n- b",
    }


def frontdesk(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FRONTDESK_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_articles_import_export_and_list_on_the_command_line(
    tmp_path: Path, sqlite_url: str
) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "invite.md").write_text(
        "---\ntitle: Inviting a colleague\ntags: [team]\npublished: true\n---\n"
        "Go to **Team → Members** and press **Invite**.\n",
        encoding="utf-8",
    )
    (folder / "export.md").write_text(
        "---\ntitle: Exporting to CSV\nlanguage: en\n---\nOpen **Reports** and press **CSV**.\n",
        encoding="utf-8",
    )
    done = frontdesk("articles", "import", str(folder), url=sqlite_url)
    assert done.returncode == 0, done.stderr
    assert "2 new" in done.stdout
    listed = json.loads(frontdesk("articles", "list", "--json", url=sqlite_url).stdout)
    assert sorted(a["title"] for a in listed["articles"]) == [
        "Exporting to CSV",
        "Inviting a colleague",
    ]
    out = tmp_path / "out"
    assert frontdesk("articles", "export", str(out), url=sqlite_url).returncode == 0
    files = sorted(p.name for p in out.glob("*.md"))
    assert len(files) == 2 and any(f.endswith("-inviting-a-colleague.md") for f in files)
    edited = out / next(f for f in files if "inviting" in f)
    edited.write_text(edited.read_text().replace("Invite**.", "Invite** (top right)."))
    again = frontdesk("articles", "import", str(out), url=sqlite_url)
    assert "0 new, 2 updated" in again.stdout, again.stdout + again.stderr
    listed = json.loads(frontdesk("articles", "list", "--json", url=sqlite_url).stdout)
    assert any("(top right)" in a["body"] for a in listed["articles"])

    (folder / "broken.md").write_text("no front matter here", encoding="utf-8")
    bad = frontdesk("articles", "import", str(folder), url=sqlite_url)
    assert bad.returncode == 1 and "broken.md" in bad.stderr and "front matter" in bad.stderr
    missing = frontdesk("articles", "import", str(tmp_path / "nope"), url=sqlite_url)
    assert missing.returncode == 1 and "not a folder" in missing.stderr


async def test_the_help_centre_speaks_the_readers_language(desk: LiveDesk) -> None:
    pat = await desk.agent("pat@example.com", role="manager")
    await pat.ok("POST", "/api/agent/articles", INVITE)
    status, html = await page(desk, "/help?lang=fr")
    assert (
        status == 200
        and "Comment pouvons-nous vous aider ?" in html
        and "Centre d&#39;aide" in html
    )
    status, html = await page(desk, "/help?q=kangaroo", **{"Accept-Language": "de-DE"})
    assert status == 200 and "Ergebnisse für „kangaroo“" in html and "Kein Artikel passt." in html
    status, html = await page(desk, "/help?q=<b>x</b>&lang=es")
    assert (
        status == 200 and "Resultados para «&lt;b&gt;x&lt;/b&gt;»" in html
    )  # the query stays text
