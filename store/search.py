"""Full-text search over tickets with each database's own engine (``uow.search``).

What is searched: a ticket's description, every message filed on it (internal notes too: only
agents search), its customer's name and email (migration 0006 builds the indexes), and its tags
(exact words, from ``ticket_tags``). Results are ranked (SQLite: FTS5's bm25; PostgreSQL:
``ts_rank``) among the newest :data:`CANDIDATES` matching texts and carry the best-matching
text's snippet with the hits between ``HIT_START`` and ``HIT_END`` (control characters, so no
customer text can fake a highlight).

The query is never parsed as search syntax: SQLite gets each word quoted as a phrase
(``"pelican" "weekly" "3"``: all words, in any order, in one text); PostgreSQL gets
``plainto_tsquery``, which parses words the way ``to_tsvector`` parsed the texts (stored in the
``search_vector`` columns).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from . import tables as t

HIT_START, HIT_END = "\x02", "\x03"
WORD = re.compile(r"\w+")
MAX_WORDS = 12
MAX_QUERY = 200
CANDIDATES = 2000
WINDOW = 20_000  # PostgreSQL: the newest rows of a table searched first (see _PG_HITS)
"""How many of the newest matching texts (per kind on PostgreSQL) are ranked: a word in a third
of 100,000 tickets would otherwise rank every one of them (0.5 s) for the 50 shown."""


@dataclass(frozen=True, slots=True)
class SearchHit:
    ticket_id: int
    score: float  # higher is better; comparable within one search only
    snippet: str  # the matching text around the hits, hits between HIT_START and HIT_END


# the newest CANDIDATES matching texts (FTS5 walks rowids backwards cheaply), ranked by bm25
_SQLITE_HITS = text(
    "SELECT rowid, ticket_id, score FROM ("
    " SELECT rowid, ticket_id, bm25(ticket_search) AS score FROM ticket_search"
    " WHERE ticket_search MATCH :q ORDER BY rowid DESC LIMIT :candidates"
    ") ORDER BY score LIMIT :rows"
)
_SQLITE_SNIPPET = text(
    "SELECT rowid, snippet(ticket_search, 0, char(2), char(3), '…', 16) FROM ticket_search "
    "WHERE ticket_search MATCH :q AND rowid IN (SELECT value FROM json_each(:rowids))"
)
# The generated search_vector columns of migration 0006, each with a GIN index. The newest
# matches are looked for first among the newest WINDOW rows (the GIN index ANDed with a primary-key
# range: a word in a third of 300,000 messages costs 25 ms instead of visiting all 90,000
# matches), and in the older rows only when the window held fewer than CANDIDATES; there
# "id + 0" keeps the planner from walking the primary key backwards, testing every row (1 s for
# a word nobody wrote). Only the CANDIDATES found are ranked.
_PG_NEWEST = """
    {name}1 AS MATERIALIZED (
        SELECT x.id FROM {table} x
        WHERE x.search_vector @@ (SELECT q FROM q){extra}
          AND x.id > (SELECT max(id) FROM {table}) - :window
        ORDER BY x.id DESC LIMIT :candidates),
    {name}2 AS (
        SELECT x.id FROM {table} x
        WHERE (SELECT count(*) FROM {name}1) < :candidates
          AND x.search_vector @@ (SELECT q FROM q){extra}
          AND x.id <= (SELECT max(id) FROM {table}) - :window
        ORDER BY x.id + 0 DESC LIMIT :candidates),
    {name} AS (SELECT id FROM {name}1 UNION ALL SELECT id FROM {name}2 LIMIT :candidates),"""
_PG_HITS = text(
    "WITH q AS (SELECT plainto_tsquery('simple', :q) AS q),"
    + _PG_NEWEST.format(name="m", table="messages", extra=" AND x.ticket_id IS NOT NULL")
    + _PG_NEWEST.format(name="t", table="tickets", extra="")
    + """
    c AS (SELECT c.id FROM customers c, q WHERE c.search_vector @@ q.q
          ORDER BY c.id + 0 DESC LIMIT :candidates),
    hits AS (
        SELECT ms.ticket_id, ts_rank(ms.search_vector, q.q) AS rank, ms.text AS body
        FROM m JOIN messages ms ON ms.id = m.id, q
        UNION ALL
        SELECT tk.id, ts_rank(tk.search_vector, q.q), tk.description
        FROM t JOIN tickets tk ON tk.id = t.id, q
        UNION ALL
        (SELECT tk.id, ts_rank(cu.search_vector, q.q),
                cu.display_name || ' ' || coalesce(cu.email, '')
         FROM c JOIN customers cu ON cu.id = c.id JOIN tickets tk ON tk.customer_id = cu.id, q
         ORDER BY tk.id + 0 DESC LIMIT :candidates)
    ),
    best AS (
        SELECT DISTINCT ON (ticket_id) ticket_id, rank, body FROM hits
        ORDER BY ticket_id, rank DESC
    ),
    top AS (SELECT * FROM best ORDER BY rank DESC, ticket_id DESC LIMIT :limit)
    SELECT top.ticket_id, top.rank,
           ts_headline('simple', top.body, q.q,
                       'StartSel=' || chr(2) || ', StopSel=' || chr(3)
                       || ', MaxWords=24, MinWords=8, MaxFragments=1, FragmentDelimiter=…')
    FROM top, q ORDER BY top.rank DESC, top.ticket_id DESC
    """
)


def words(query: str) -> list[str]:
    """The words of a search, lower-cased; at most ``MAX_WORDS`` of them."""
    return [w.lower() for w in WORD.findall(query)][:MAX_WORDS]


class TicketSearch:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def tickets(self, query: str, limit: int = 50) -> list[SearchHit]:
        """The tickets matching every word of ``query``, best first, at most ``limit``."""
        found = words(query)
        if not found:
            return []
        if self.conn.dialect.name == "postgresql":
            # the text as typed: plainto_tsquery parses it as to_tsvector parsed the texts
            # (an email or "pelican-weekly-3" stays one token there)
            rows = await self.conn.execute(
                _PG_HITS,
                {
                    "q": query[:MAX_QUERY],
                    "limit": limit,
                    "candidates": CANDIDATES,
                    "window": WINDOW,
                },
            )
            hits = [SearchHit(r[0], float(r[1]), r[2] or "") for r in rows.all()]
        else:
            hits = await self._sqlite(found, limit)
        return self._with_tags(hits, await self._tagged(found), limit)

    async def _sqlite(self, found: list[str], limit: int) -> list[SearchHit]:
        match = " ".join(f'"{w}"' for w in found)  # \w+ words: no quote can break out
        params = {"q": match, "rows": limit * 8, "candidates": CANDIDATES}
        rows = await self.conn.execute(_SQLITE_HITS, params)
        best: dict[int, tuple[int, float]] = {}
        for rowid, ticket_id, rank in rows.all():
            if ticket_id not in best:  # rows come best first: the first is the ticket's best
                best[ticket_id] = (rowid, -float(rank))
            if len(best) == limit:
                break
        if not best:
            return []
        rowids = json.dumps([rowid for rowid, _ in best.values()])
        snippets: dict[int, str] = dict(
            (await self.conn.execute(_SQLITE_SNIPPET, {"q": match, "rowids": rowids})).all()
        )
        return [
            SearchHit(ticket_id, score, snippets.get(rowid, ""))
            for ticket_id, (rowid, score) in best.items()
        ]

    async def _tagged(self, found: list[str]) -> list[tuple[int, str]]:
        tg = t.ticket_tags
        query = (
            select(tg.c.ticket_id, tg.c.tag)
            .where(tg.c.tag.in_(found))
            .order_by(tg.c.ticket_id.desc())
            .limit(200)
        )
        return [(r[0], r[1]) for r in (await self.conn.execute(query)).all()]

    @staticmethod
    def _with_tags(
        hits: list[SearchHit], tagged: list[tuple[int, str]], limit: int
    ) -> list[SearchHit]:
        """Text hits first; tickets found by a tag alone after them."""
        seen = {h.ticket_id for h in hits}
        for ticket_id, tag in tagged:
            if ticket_id not in seen and len(hits) < limit:
                seen.add(ticket_id)
                hits.append(SearchHit(ticket_id, 0.0, f"tag: {HIT_START}{tag}{HIT_END}"))
        return hits
