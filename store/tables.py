"""The schema, as SQLAlchemy Core tables. Migrations in ``store/migrations`` create it.

Times are stored as UTC. Enums are stored as their string values (no database enum types), so a
new status or intent needs no migration.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets BIGINT identities.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _now_col(name: str, nullable: bool = False) -> Column[datetime]:
    return Column(name, UTCDateTime(), nullable=nullable)


customers = Table(
    "customers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("channel", String(16), nullable=False),
    Column("external_id", String(128), nullable=False),
    Column("display_name", String(200), nullable=False, default=""),
    Column("email", String(320)),
    Column("email_verified", Boolean, nullable=False, default=False),
    Column("language", String(16), nullable=False, default="en"),
    Column("person_id", Id),
    _now_col("created_at"),
    UniqueConstraint("channel", "external_id", name="uq_customers_channel_external_id"),
    Index("ix_customers_email", "email"),
    Index("ix_customers_person_id", "person_id"),
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("channel", String(16), nullable=False),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False),
    Column("address", String(200), nullable=False),
    Column("state", String(32), nullable=False),
    Column("ticket_id", Id),
    Column("dialogue", JSON),
    Column("delivery_blocked", Text),
    Column("last_seq", Integer, nullable=False, default=0),
    Column("access_token_hash", String(128)),
    Column("client", String(64)),  # a web chat's client address (per-IP abuse limits)
    _now_col("created_at"),
    _now_col("updated_at"),
    Index("ix_conversations_customer_id", "customer_id"),
    Index("ix_conversations_channel_address", "channel", "address"),
    Index("ix_conversations_ticket_id", "ticket_id"),  # merged tickets' conversations (#12)
)

messages = Table(
    "messages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("conversation_id", Id, ForeignKey("conversations.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("direction", String(16), nullable=False),
    Column("sender", String(16), nullable=False),
    Column("text", Text, nullable=False, default=""),
    Column("buttons", JSON),
    Column("payload", String(256)),
    Column("internal", Boolean, nullable=False, default=False),
    Column("agent_id", Id),
    Column("ticket_id", Id),
    Column("platform_message_id", String(128)),
    _now_col("processed_at", nullable=True),
    _now_col("claimed_until", nullable=True),  # processing lease (MessageRepository.claim)
    _now_col("created_at"),
    UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_seq"),
    UniqueConstraint("channel", "platform_message_id", name="uq_messages_channel_platform_id"),
    Index("ix_messages_ticket_id", "ticket_id"),
    Index("ix_messages_unprocessed", "direction", "processed_at"),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("conversation_id", Id, ForeignKey("conversations.id"), nullable=False),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("description", Text, nullable=False),
    Column("type", String(32), nullable=False),
    Column("priority", String(16), nullable=False),
    Column("intent", String(64), nullable=False),
    Column("confidence", Float, nullable=False),
    Column("status", String(32), nullable=False),
    Column("assignee_id", Id, ForeignKey("agents.id")),
    Column("team", String(64)),
    Column("resolution", Text),
    Column("auto_fulfilled", Boolean, nullable=False, default=False),
    Column("escalated", Boolean, nullable=False, default=False),
    Column("problem_id", Id),
    Column("resolution_count", Integer, nullable=False, default=0),
    _now_col("created_at"),
    _now_col("first_response_at", nullable=True),
    _now_col("bot_first_response_at", nullable=True),
    _now_col("resolved_at", nullable=True),
    _now_col("closed_at", nullable=True),
    _now_col("first_response_due", nullable=True),
    _now_col("resolution_due", nullable=True),
    _now_col("updated_at"),
    Index("ix_tickets_status", "status"),
    Index("ix_tickets_created_at", "created_at"),
    Index("ix_tickets_customer_id", "customer_id"),
    Index("ix_tickets_assignee_id", "assignee_id"),
    Index("ix_tickets_problem_id", "problem_id"),
    # incidents per intent in a window, for spike detection
    Index("ix_tickets_type_created_intent", "type", "created_at", "intent"),
)

ticket_events = Table(
    "ticket_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("ticket_id", Id, ForeignKey("tickets.id"), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("old", Text),
    Column("new", Text),
    Column("detail", Text),
    _now_col("created_at"),
    Index("ix_ticket_events_ticket_id", "ticket_id"),
    Index("ix_ticket_events_kind_created", "kind", "created_at"),
)

agents = Table(
    "agents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(256), nullable=False),
    Column("skills", JSON, nullable=False, default=list),
    Column("teams", JSON, nullable=False, default=list),
    Column("capacity", Integer, nullable=False, default=5),
    Column("active", Boolean, nullable=False, default=True),
    Column("online", Boolean, nullable=False, default=False),
    Column("away", Boolean, nullable=False, default=False),  # set by the agent; routing skips (#12)
    _now_col("last_seen_at", nullable=True),
    _now_col("created_at"),
)

csat_responses = Table(
    "csat_responses",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("ticket_id", Id, ForeignKey("tickets.id"), nullable=False),
    Column("resolution_round", Integer, nullable=False),
    Column("score", Integer, nullable=False),
    Column("comment", Text),
    _now_col("created_at"),
    UniqueConstraint("ticket_id", "resolution_round", name="uq_csat_ticket_round"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("channel", String(16), nullable=False),
    Column("address", String(320), nullable=False),
    Column("conversation_id", Id),
    Column("message_id", Id),
    Column("body", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    _now_col("next_attempt_at"),
    Column("last_error", Text),
    _now_col("created_at"),
    _now_col("sent_at", nullable=True),
    Index("ix_outbox_due", "status", "next_attempt_at"),
)

training_labels = Table(
    "training_labels",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("text", Text, nullable=False),
    Column("intent", String(64)),
    Column("type", String(32)),
    Column("priority", String(16)),
    Column("source", String(32), nullable=False),
    Column("ticket_id", Id),
    Column("agent_id", Id),
    _now_col("created_at"),
    Index("ix_training_labels_created_at", "created_at"),
)

agent_sessions = Table(
    "agent_sessions",
    metadata,
    Column("token_hash", String(128), primary_key=True),
    Column("agent_id", Id, ForeignKey("agents.id"), nullable=False),
    Column("csrf_token", String(128), nullable=False),
    _now_col("created_at"),
    _now_col("expires_at"),
)

# -- hand-off: login throttling, console notifications, ticket flags ------------------------

rate_counters = Table(  # abuse limits and login attempts (store/limits.py)
    "rate_counters",
    metadata,
    Column("subject", String(200), primary_key=True),
    _now_col("window_start"),
    Column("hits", Integer, nullable=False),
)

agent_notifications = Table(
    "agent_notifications",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("agent_id", Id, ForeignKey("agents.id"), nullable=False),
    Column("ticket_id", Id, ForeignKey("tickets.id")),
    Column("kind", String(64), nullable=False),
    Column("text", Text, nullable=False),
    _now_col("created_at"),
    _now_col("read_at", nullable=True),
    Index("ix_agent_notifications_agent_read", "agent_id", "read_at"),
)

ticket_flags = Table(
    "ticket_flags",
    metadata,
    Column("ticket_id", Id, ForeignKey("tickets.id"), primary_key=True),
    Column("kind", String(64), primary_key=True),
    Column("detail", Text),
    _now_col("created_at"),
)


# -- auto-fulfilment: account directory, reset tokens, verification, timers -----------------
# The built-in account directory (the embedded default behind the AccountDirectory protocol),
# single-use password-reset tokens (only their SHA-256 is stored), per-address verification
# cool-downs, and the deadlines of running fulfilment dialogues (for the idle check).

directory_accounts = Table(
    "directory_accounts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("org", String(200)),
    Column("role", String(16), nullable=False),
    Column("features", JSON, nullable=False, default=list),
    Column("password_hash", String(256)),
    _now_col("created_at"),
    _now_col("updated_at"),
    Index("ix_directory_accounts_org", "org"),
)

password_reset_tokens = Table(
    "password_reset_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", Id, ForeignKey("directory_accounts.id"), nullable=False),
    Column("conversation_id", Id),
    Column("ticket_id", Id),
    _now_col("created_at"),
    _now_col("expires_at"),
    _now_col("used_at", nullable=True),
)

verification_cooldowns = Table(
    "verification_cooldowns",
    metadata,
    Column("subject_hash", String(64), primary_key=True),
    _now_col("until"),
)

fulfilment_timers = Table(
    "fulfilment_timers",
    metadata,
    Column("conversation_id", Id, primary_key=True, autoincrement=False),
    _now_col("due_at"),
    Index("ix_fulfilment_timers_due_at", "due_at"),
)

# -- metrics and problem detection ------------------------------------------------------------

open_problems = Table(
    "open_problems",
    metadata,
    Column("intent", String(64), primary_key=True),
    Column("problem_id", Id, ForeignKey("tickets.id"), nullable=False),
    _now_col("created_at"),
)
"""The open problem ticket per intent that spike detection links incidents to; the primary key
is what stops two processes from opening two problems for one spike."""

# -- agent workspace (#12): tags, links between tickets, macros ------------------------------
# Full-text search has no Core table: SQLite's FTS5 table and PostgreSQL's GIN indexes are made
# by migration 0006 and queried in store/search.py.

ticket_tags = Table(
    "ticket_tags",
    metadata,
    Column("ticket_id", Id, ForeignKey("tickets.id"), primary_key=True),
    Column("tag", String(64), primary_key=True),
    Index("ix_ticket_tags_tag", "tag", "ticket_id"),
)

ticket_links = Table(
    "ticket_links",
    metadata,
    Column("ticket_id", Id, ForeignKey("tickets.id"), primary_key=True),
    Column("kind", String(32), primary_key=True),  # merged_into, follow_up_of
    Column("other_id", Id, nullable=False),
    _now_col("created_at"),
    Index("ix_ticket_links_other", "other_id", "kind"),
)

macros = Table(
    "macros",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(120), nullable=False),
    Column("text", Text, nullable=False),
    Column("set", JSON),
    Column("owner_id", Id, ForeignKey("agents.id")),  # NULL: shared with every agent
    _now_col("created_at"),
    _now_col("updated_at"),
)

articles = Table(  # the knowledge base (#13): help-centre articles the bot answers from
    "articles",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("language", String(16), nullable=False, default="en"),
    Column("tags", JSON),
    Column("intents", JSON),
    Column("published", Boolean, nullable=False, default=False),
    Column("author", String(320)),
    Column("translation_of", Id, ForeignKey("articles.id", ondelete="SET NULL")),
    _now_col("created_at"),
    _now_col("updated_at"),
    Index("ix_articles_published_language", "published", "language"),
    Index("ix_articles_translation_of", "translation_of"),
)
