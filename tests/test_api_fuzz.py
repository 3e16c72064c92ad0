"""Schemathesis over the OpenAPI document, against `frontdesk run` on 127.0.0.1: anonymous and
as a logged-in admin, every built-in check on (no 5xx, responses and status codes as documented,
bad data refused, good data accepted, 405 with Allow...).

``make test`` runs a bounded number of examples per operation; ``make fuzz`` many more
(``FRONTDESK_FUZZ_EXAMPLES``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from bot.openapi import build_openapi

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = int(os.environ.get("FRONTDESK_FUZZ_EXAMPLES", "12"))
PASSWORD = "fuzzing-password-1"


def _schema() -> Any:
    schema = schemathesis.openapi.from_dict(build_openapi())
    # Text the server stores is proper Unicode without NUL (models.inputs, docs/security.md):
    # data outside that is invalid, so "valid" examples must not contain it
    # (tests/handoff/test_hostile_input.py and tests/models/test_inputs.py send it on purpose).
    schema.config.generation.update(allow_x00=False, codec="utf-8")
    # A well-formed upload is still refused for what the file is (sniffed from its bytes: not
    # an image, a PDF or text, 415) or its size (413): documented answers to valid requests.
    accepted = schema.config.checks.positive_data_acceptance
    accepted.expected_statuses = [*accepted.expected_statuses, "413", "415"]
    return schema


SCHEMA, ADMIN_SCHEMA = _schema(), _schema()  # anonymous; signed in as an admin (auth below)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 50,  # the default suite is reproducible; make fuzz explores
    suppress_health_check=list(HealthCheck),
)


@dataclass
class LiveServer:
    base: str
    session_cookie: str
    csrf: str


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _frontdesk(*args: str, env: dict[str, str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, text=True, check=True, **kw
    )  # type: ignore[call-overload,no-any-return]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, registry_template: Path) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(registry_template, data / "models")  # no training at start (~30 s of CPU)
    env = {
        **os.environ,
        "FRONTDESK_DATABASE_URL": f"sqlite+aiosqlite:///{data}/frontdesk.db",
        "FRONTDESK_DATA_DIR": str(data),
        "FRONTDESK_CHAT_BURST": "100000",  # the fuzzer is not the abuse it limits
        "FRONTDESK_SESSIONS_PER_IP_PER_MIN": "0",
        "FRONTDESK_TICKETS_PER_IP_PER_HOUR": "0",
        "FRONTDESK_LOGIN_ATTEMPTS_PER_IP": "0",
        "FRONTDESK_ESCALATION_INTERVAL_S": "0",
        "FRONTDESK_SPIKE_CHECK_INTERVAL_S": "0",
    }
    _frontdesk("db", "upgrade", env=env, capture_output=True)
    _frontdesk(
        "agents", "create", "--email", "root@example.com", "--name", "Root", "--role", "admin",
        env=env, input=PASSWORD + "\n", capture_output=True,
    )  # fmt: skip
    port = _free_port()
    log = (data / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.2)
        login = requests.post(
            base + "/api/agent/login", json={"email": "root@example.com", "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        server_side = LiveServer(
            base, login.cookies["frontdesk_session"], login.json()["csrf_token"]
        )
        AdminSession.credentials.update(cookie=server_side.session_cookie, csrf=server_side.csrf)
        yield server_side
    finally:
        server.terminate()
        server.wait(10)
        log.close()
    assert "Traceback" not in (data / "server.log").read_text()


@SCHEMA.parametrize()
@FUZZ
def test_anonymous_requests_get_documented_answers(
    case: schemathesis.Case, live: LiveServer
) -> None:
    with requests.Session() as session:
        case.call_and_validate(base_url=live.base, session=session)


@ADMIN_SCHEMA.auth(refresh_interval=None)  # not cached: the server starts after collection
class AdminSession:
    """The logged-in admin's session cookie and CSRF token, as schemathesis auth: its
    ignored-auth check then also replays each request without them and expects a refusal."""

    credentials: ClassVar[dict[str, str]] = {}  # filled by the ``live`` fixture

    def get(self, case: schemathesis.Case, ctx: object) -> dict[str, str] | None:
        return dict(self.credentials) or None

    def set(self, case: schemathesis.Case, data: dict[str, str], ctx: object) -> None:
        case.cookies = {**(case.cookies or {}), "frontdesk_session": data["cookie"]}
        case.headers = {**(case.headers or {}), "X-CSRF-Token": data["csrf"]}


MUST_SUCCEED = frozenset(
    {
        "GET /api/agent/me",
        "GET /api/agent/agents",
        "GET /api/agent/tickets",
        "GET /api/agent/articles",
        "POST /api/agent/articles",
    }
)
"""Operations some of whose generated requests must succeed as the admin: the guard that the
admin run is logged in at all (otherwise every request would be a documented 401)."""


@pytest.fixture
def admin_run(request: pytest.FixtureRequest) -> Iterator[set[str]]:
    """The operations that answered 2xx in this test's examples; after them, the guard."""
    succeeded: set[str] = set()
    yield succeeded
    label = getattr(request.node, "operation_label", None)
    if label in MUST_SUCCEED:
        assert label in succeeded, f"no request of {label} succeeded as the admin"


@ADMIN_SCHEMA.parametrize()
@FUZZ
def test_an_admins_requests_get_documented_answers(
    case: schemathesis.Case, live: LiveServer, admin_run: set[str]
) -> None:
    if case.path == "/api/agent/logout" or (
        case.path == "/api/agent/agents/{agent_id}/password"
        and str((case.path_parameters or {}).get("agent_id")) == "1"
    ):
        return  # would end the shared session (the admin is agent 1) for the other examples
    with requests.Session() as session:
        response = case.call_and_validate(base_url=live.base, session=session)
    if response.status_code < 300:
        admin_run.add(case.operation.label)


def test_the_guard_knows_the_operations_it_guards() -> None:
    """A renamed operation would leave ``admin_run``'s guard checking nothing."""
    labels = {op.ok().label for op in ADMIN_SCHEMA.get_all_operations()}
    assert labels >= MUST_SUCCEED, MUST_SUCCEED - labels
