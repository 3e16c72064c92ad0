"""A unit of work: the repositories of one transaction, plus what to do once it commits."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncConnection

from .articles import ArticleRepository
from .attachments import AttachmentRepository
from .fulfilment import AccountRepository, FulfilmentRepository
from .handoff_repositories import (
    AgentSessionRepository,
    HandoffQueryRepository,
    NotificationRepository,
    TicketFlagRepository,
)
from .limits import RateCounterRepository
from .mail_threads import MailThreadQueries
from .mailbox_cursors import MailboxCursorRepository
from .organisations import OrganisationRepository
from .outbox import OutboxRepository
from .problems import ProblemQueries
from .reports import ReportQueries
from .repositories import ConversationRepository, CustomerRepository, MessageRepository
from .search import TicketSearch
from .ticket_repositories import (
    AgentRepository,
    CsatRepository,
    EventRepository,
    TicketRepository,
)
from .training_labels import TrainingLabelRepository
from .turns import TurnRepository
from .widget import WidgetSettingsRepository
from .workspace import (
    MacroRepository,
    PresenceRepository,
    TagRepository,
    TicketLinkRepository,
)


class UnitOfWork:
    """Handed to a write or read function; never committed by it (the store commits)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.customers = CustomerRepository(conn)
        self.conversations = ConversationRepository(conn)
        self.messages = MessageRepository(conn)
        self.turns = TurnRepository(conn)  # a message's conversation, customer, ticket at once
        self.tickets = TicketRepository(conn)
        self.events = EventRepository(conn)
        self.agents = AgentRepository(conn)
        self.outbox = OutboxRepository(conn)
        self.csat = CsatRepository(conn)
        self.labels = TrainingLabelRepository(conn)
        # hand-off to agents
        self.sessions = AgentSessionRepository(conn)
        self.limits = RateCounterRepository(conn)  # abuse limits, login attempts
        self.notifications = NotificationRepository(conn)
        self.flags = TicketFlagRepository(conn)
        self.handoff = HandoffQueryRepository(conn)
        self.accounts = AccountRepository(conn)  # the built-in account directory
        self.fulfilment = FulfilmentRepository(conn)  # reset tokens, timers
        self.reports, self.problems = ReportQueries(conn), ProblemQueries(conn)
        # the agent workspace: search, tags, links, macros, presence
        self.search, self.tags = TicketSearch(conn), TagRepository(conn)
        self.links, self.macros = TicketLinkRepository(conn), MacroRepository(conn)
        self.presence = PresenceRepository(conn)
        self.mail = MailThreadQueries(conn)  # email threading (#14)
        self.mailboxes = MailboxCursorRepository(conn)  # IMAP UIDs read so far (#14)
        self.attachments = AttachmentRepository(conn)  # files sent with messages (#14)
        self.articles = ArticleRepository(conn)  # the knowledge base
        self.widget = WidgetSettingsRepository(conn)  # the embeddable widget (#14)
        self.organisations = OrganisationRepository(conn)  # customers' companies, by domain
        self._after_commit: list[Callable[[], None]] = []

    @property
    def dialect(self) -> str:
        return self.conn.dialect.name

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction is durable (e.g. wake long-polling clients)."""
        self._after_commit.append(callback)

    def committed_callbacks(self) -> list[Callable[[], None]]:
        return self._after_commit
