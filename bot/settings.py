"""Settings: one frozen object, read once from the environment and an optional TOML file.

Precedence: command-line option > environment variable > TOML file (``FRONTDESK_CONFIG``) >
default. Every setting is documented in the README's configuration table.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, get_type_hints

from models.sla import BusinessHours, SlaPolicy
from service.passwords import PasswordProfileError, profile_from_env

from .http_client import parse_proxies

ROLES = ("all", "web", "worker", "scheduler")
"""What one ``frontdesk run`` process runs (``bot/coordination.py``)."""


class SettingsError(ValueError):
    """A setting with a value Frontdesk cannot use."""


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = "sqlite+aiosqlite:///./var/frontdesk.db"
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""  # how customers reach us (links in mails); default http://host:port
    data_dir: str = "./var"  # models, mails and other files
    log_level: str = "INFO"
    chat_burst: int = 10  # messages a web-chat session may send at once...
    chat_rate_per_s: float = 1.0  # ...and per second after that
    engine_workers: int = 16
    secure_cookies: bool = False  # set true behind HTTPS
    telegram_token: str = ""
    telegram_base_url: str = ""  # a self-hosted Bot API server, e.g. http://localhost:8081/bot
    telegram_webhook_url: str = ""  # public https URL; empty = long polling
    telegram_webhook_secret: str = ""
    discord_token: str = ""
    discord_support_channel_id: str = ""  # a channel where "ticket" threads are opened
    discord_sync_commands: bool = False  # register /ticket with Discord at start (once)
    discord_api_url: str = ""  # REST base, e.g. a proxy's http://proxy:8080/api/v10
    discord_gateway_url: str = ""  # gateway WebSocket, e.g. ws://proxy:8080/gateway
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "support@localhost"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    # -- email as a channel (#14): mail a relay forwards here opens tickets
    smtp_inbound_host: str = "127.0.0.1"
    smtp_inbound_port: int = 0  # 0 = no inbound SMTP receiver
    imap_host: str = ""  # a support mailbox polled for new mail; empty = no IMAP polling
    imap_port: int = 993
    imap_user: str = ""
    imap_password: str = ""
    imap_folder: str = "INBOX"
    imap_tls: bool = True  # IMAP over TLS; false for plain IMAP (a server on this host)
    imap_poll_s: float = 30.0  # how often the mailbox is read
    # -- attachments in an S3-compatible bucket (store/files_s3.py); empty = the data folder
    s3_bucket: str = ""
    s3_endpoint_url: str = ""  # MinIO, Ceph, R2...; empty = AWS S3 in s3_region
    s3_region: str = ""
    s3_access_key_id: str = ""  # empty = botocore's chain (AWS_* variables, instance role)
    s3_secret_access_key: str = ""
    s3_prefix: str = ""  # keys under this prefix, e.g. "frontdesk/"
    account_backend_url: str = ""  # the company's own user directory (HTTP backend)
    account_backend_secret: str = ""  # HMAC-SHA256 key for requests to it
    # -- hand-off to agents: console cookies, routing, SLA clocks
    routing_file: str = ""  # routing rules (TOML); empty = handoff/data/routing.toml
    escalation_interval_s: float = 30.0  # how often the SLA scheduler runs; 0 = never
    account_backend_timeout: float = 5.0  # seconds per request to it (then retried twice)
    fulfilment_idle_timeout: int = 900  # seconds a fulfilment dialogue may idle before handoff
    entitlements_file: str = ""  # features the bot may grant; empty = the shipped list
    support_contact: str = ""  # what the bot answers to "how can I reach you?" (#13)
    business_hours: str = ""  # e.g. "mon-fri 09:00-17:00 +01:00"; empty = SLA clocks run 24/7
    spike_check_interval_s: float = 60.0  # incident spike detection; 0 turns it off
    # -- who may embed the chat, who may read the metrics (docs/security.md); ticket closing
    frame_ancestors: str = "'self'"  # CSP frame-ancestors of the web-chat page (who may embed it)
    metrics_token: str = ""  # bearer token for GET /metrics; empty = loopback clients only
    processing_lease_s: float = 60.0  # a message unanswered this long is taken over by a sweep
    sweep_interval_s: float = 10.0  # how often each process sweeps for such messages; 0 = never
    login_attempts_per_account: int = 5  # console logins per account per 15 min; 0 = no limit
    login_attempts_per_ip: int = 30  # console logins from one client IP per 15 min; 0 = none
    sessions_per_ip_per_min: int = 20  # new web-chat sessions per client IP per minute; 0 = none
    tickets_per_ip_per_hour: int = 100  # tickets opened from one web-chat client IP; 0 = none
    mails_per_ip_per_hour: int = 10  # codes and reset links mailed for one client IP; 0 = none
    mails_per_address_per_hour: int = 5  # codes and reset links to one address; 0 = none
    trusted_proxies: str = ""  # reverse proxies whose X-Forwarded-For is believed (IPs/CIDRs)
    auto_close_days: float = 3.0  # resolved tickets close after this many days; 0 = never
    # -- backpressure (bot/backlog.py): past either bound new messages get 503 + Retry-After
    max_backlog: int = 500  # customer messages accepted but not yet answered; 0 = no bound
    max_write_queue: int = 1000  # writes waiting for the database writer; 0 = no bound
    role: str = "all"  # all | web | worker | scheduler: what it runs (bot/coordination.py)

    @property
    def base_url(self) -> str:
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"

    @property
    def sla_policy(self) -> SlaPolicy:
        """Business hours (``FRONTDESK_BUSINESS_HOURS``) stop the SLA clocks outside them."""
        hours = BusinessHours.parse(self.business_hours) if self.business_hours else None
        return SlaPolicy(business_hours=hours)

    @property
    def model_dir(self) -> Path:
        return Path(self.data_dir) / "models"

    @property
    def mail_dir(self) -> Path:
        return Path(self.data_dir) / "mail"

    @property
    def files_dir(self) -> Path:
        return Path(self.data_dir) / "files"

    def with_overrides(self, **overrides: Any) -> Settings:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def env_name(field_name: str) -> str:
    return f"FRONTDESK_{field_name.upper()}"


def _coerce(name: str, kind: Any, raw: Any) -> Any:
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        value = str(raw).strip().lower()
        if value in ("1", "true", "yes", "on"):
            return True
        if value in ("0", "false", "no", "off", ""):
            return False
        raise SettingsError(f"{env_name(name)} must be true or false, not {raw!r}")
    if kind is int or kind is float:
        try:
            return kind(raw)
        except (TypeError, ValueError):
            raise SettingsError(f"{env_name(name)} must be a number, not {raw!r}") from None
    return str(raw)


def load_settings(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Read settings once, at start-up; raises :class:`SettingsError` with the setting's name."""
    env = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    config_path = env.get("FRONTDESK_CONFIG")
    if config_path:
        try:
            data = tomllib.loads(Path(config_path).read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"cannot read FRONTDESK_CONFIG {config_path}: {exc}") from exc
        values.update(data.get("frontdesk", data))
    hints = get_type_hints(Settings)
    known = {f.name for f in fields(Settings)}
    unknown = set(values) - known
    if unknown:
        raise SettingsError(f"unknown settings in {config_path}: {', '.join(sorted(unknown))}")
    for name in known:
        if env_name(name) in env:
            values[name] = env[env_name(name)]
    coerced = {name: _coerce(name, hints[name], raw) for name, raw in values.items()}
    settings = Settings(**coerced).with_overrides(**overrides)
    if not 0 < settings.port < 65536:
        raise SettingsError(f"port must be 1..65535, not {settings.port}")
    if settings.role not in ROLES:
        raise SettingsError(
            f"FRONTDESK_ROLE must be all, web, worker or scheduler, not {settings.role!r}"
        )
    try:
        parse_proxies(settings.trusted_proxies)
    except ValueError as exc:
        raise SettingsError(f"FRONTDESK_TRUSTED_PROXIES: {exc}") from None
    try:
        profile_from_env(env)  # read by service.passwords itself; a typo fails at start
    except PasswordProfileError as exc:
        raise SettingsError(str(exc)) from None
    return settings


def discord_channel_id(raw: str) -> int | None:
    """``FRONTDESK_DISCORD_SUPPORT_CHANNEL_ID`` as a channel id (digits), or None when unset."""
    if not raw.strip():
        return None
    if not raw.strip().isdigit():
        raise SettingsError(
            f"FRONTDESK_DISCORD_SUPPORT_CHANNEL_ID must be a channel id (digits), not {raw!r}"
        )
    return int(raw)
