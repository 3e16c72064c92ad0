"""agent workspace: tags, ticket links (merged into, follow-up of), macros, full-text search,
agents' presence (away)

Search uses each database's own full-text engine. SQLite: an FTS5 table ``ticket_search`` (one
row per searchable text: a ticket's description, each message, the customer's name and email)
filled by triggers, so every writer (server, CLI, another process) keeps it current. PostgreSQL:
a generated ``search_vector`` column (``to_tsvector('simple', ...)``) on messages, tickets and
customers with a GIN index each; the database keeps them in sync.
The 'simple' configuration (no stemming, no stop words): customers write in many languages.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.tables

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# PostgreSQL: a stored tsvector per searchable text (so ranking reads it instead of parsing the
# text again for every hit) and a GIN index on it; store/search.py queries these columns.
PG_VECTORS = {
    "messages": "to_tsvector('simple', text)",
    "tickets": "to_tsvector('simple', description)",
    "customers": "to_tsvector('simple', display_name || ' ' || coalesce(email, ''))",
}

SQLITE_TRIGGERS = {
    "trg_search_message_added": """
        AFTER INSERT ON messages WHEN new.ticket_id IS NOT NULL AND new.text != ''
        BEGIN INSERT INTO ticket_search (body, ticket_id, kind)
              VALUES (new.text, new.ticket_id, 'message'); END""",
    "trg_search_message_filed": """
        AFTER UPDATE OF ticket_id ON messages
        WHEN new.ticket_id IS NOT NULL AND new.text != ''
             AND (old.ticket_id IS NULL OR old.ticket_id != new.ticket_id)
        BEGIN INSERT INTO ticket_search (body, ticket_id, kind)
              VALUES (new.text, new.ticket_id, 'message'); END""",
    "trg_search_ticket_added": """
        AFTER INSERT ON tickets
        BEGIN INSERT INTO ticket_search (body, ticket_id, kind)
              VALUES (new.description, new.id, 'ticket');
              INSERT INTO ticket_search (body, ticket_id, kind)
              SELECT display_name || ' ' || coalesce(email, ''), new.id, 'customer'
              FROM customers WHERE id = new.customer_id; END""",
    "trg_search_customer_named": """
        AFTER UPDATE OF display_name, email ON customers
        BEGIN INSERT INTO ticket_search (body, ticket_id, kind)
              SELECT new.display_name || ' ' || coalesce(new.email, ''), id, 'customer'
              FROM tickets WHERE customer_id = new.id; END""",
}


def upgrade() -> None:
    op.create_table(
        "ticket_tags",
        sa.Column("ticket_id", Id, nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_tags_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("ticket_id", "tag", name=op.f("pk_ticket_tags")),
    )
    op.create_index("ix_ticket_tags_tag", "ticket_tags", ["tag", "ticket_id"])
    op.create_table(
        "ticket_links",
        sa.Column("ticket_id", Id, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("other_id", Id, nullable=False),
        sa.Column("created_at", store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_links_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("ticket_id", "kind", name=op.f("pk_ticket_links")),
    )
    op.create_index("ix_ticket_links_other", "ticket_links", ["other_id", "kind"])
    op.create_index("ix_conversations_ticket_id", "conversations", ["ticket_id"])
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("away", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "macros",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("set", sa.JSON(), nullable=True),
        sa.Column("owner_id", Id, nullable=True),
        sa.Column("created_at", store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["agents.id"], name=op.f("fk_macros_owner_id_agents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_macros")),
    )
    if op.get_bind().dialect.name == "postgresql":
        for table, vector in PG_VECTORS.items():
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN search_vector tsvector "
                f"GENERATED ALWAYS AS ({vector}) STORED"
            )
            op.execute(f"CREATE INDEX ix_{table}_search ON {table} USING gin (search_vector)")
        return
    op.execute(
        "CREATE VIRTUAL TABLE ticket_search USING fts5(body, ticket_id UNINDEXED, kind UNINDEXED)"
    )
    for name, body in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute(
        "INSERT INTO ticket_search (body, ticket_id, kind) "
        "SELECT description, id, 'ticket' FROM tickets"
    )
    op.execute(
        "INSERT INTO ticket_search (body, ticket_id, kind) "
        "SELECT c.display_name || ' ' || coalesce(c.email, ''), t.id, 'customer' "
        "FROM tickets t JOIN customers c ON c.id = t.customer_id"
    )
    op.execute(
        "INSERT INTO ticket_search (body, ticket_id, kind) "
        "SELECT text, ticket_id, 'message' FROM messages WHERE ticket_id IS NOT NULL AND text != ''"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in PG_VECTORS:
            op.execute(f"DROP INDEX ix_{table}_search")
            op.execute(f"ALTER TABLE {table} DROP COLUMN search_vector")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE ticket_search")
    op.drop_table("macros")
    op.drop_index("ix_conversations_ticket_id", table_name="conversations")
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("away")
    op.drop_index("ix_ticket_links_other", table_name="ticket_links")
    op.drop_table("ticket_links")
    op.drop_index("ix_ticket_tags_tag", table_name="ticket_tags")
    op.drop_table("ticket_tags")
