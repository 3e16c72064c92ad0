"""An operator deploys Frontdesk from deploy/Procfile or deploy/systemd/ (docs/deploy.md): every
process those files start has a command line `frontdesk` parses, with settings it accepts, and
on PostgreSQL each one is what the file says: web processes serve customers, the worker and the
scheduler answer only /healthz and /metrics and run their jobs. So the files cannot rot."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import click
import pytest

from bot.cli import main
from bot.settings import ROLES, Settings, load_settings
from classifier.base import Classifier
from store.engine import normalise_url

from .bot.chat import serving
from .bot.test_roles import SINGLETONS, running_jobs

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
PORTS = {"$PORT": "5000", "%i": "8081"}  # what the platform / the systemd instance fills in


def procfile() -> dict[str, str]:
    found = {}
    for line in (DEPLOY / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            found[name.strip()] = command.strip()
    return found


def unit_commands() -> dict[str, str]:
    """ExecStart of every systemd unit, by unit file name."""
    found = {}
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        starts = [x for x in unit.read_text().splitlines() if x.startswith("ExecStart=")]
        assert len(starts) == 1, f"{unit.name}: one ExecStart"
        found[unit.name] = starts[0].removeprefix("ExecStart=")
    return found


def environment_file() -> dict[str, str]:
    lines = (DEPLOY / "systemd" / "frontdesk.env").read_text().splitlines()
    pairs = [line.split("=", 1) for line in lines if line.strip() and not line.startswith("#")]
    return {key: value for key, value in pairs}


def parse(command: str) -> tuple[list[str], dict[str, Any]]:
    """The subcommand path (e.g. ``["run"]``) and its parsed options, as `frontdesk` reads
    them; a typo, an unknown option or a role that does not exist fails here."""
    for placeholder, value in PORTS.items():
        command = command.replace(placeholder, value)
    argv = shlex.split(command)
    assert Path(argv[0]).name == "frontdesk", command
    command_: click.Command = main
    ctx = click.Context(main, info_name="frontdesk")
    path: list[str] = []
    args = argv[1:]
    while isinstance(command_, click.Group):  # the subcommands: the words before any option
        name, args = args[0], args[1:]
        found = command_.get_command(ctx, name)
        assert found is not None, f"no command {name!r} in {command}"
        path.append(name)
        command_ = found
        ctx = click.Context(command_, info_name=name, parent=ctx)
    return path, command_.make_context(path[-1], args, parent=ctx.parent).params


def run_settings(command: str, environ: dict[str, str]) -> Settings:
    path, params = parse(command)
    assert path == ["run"], command
    return load_settings(environ=environ, **params)


def documented() -> list[tuple[str, str]]:
    return [(f"Procfile {n}", c) for n, c in procfile().items()] + list(unit_commands().items())


@pytest.mark.parametrize(("where", "command"), documented())
def test_every_documented_command_line_parses(where: str, command: str) -> None:
    path, _ = parse(command)
    assert path in (["run"], ["db", "upgrade"]), where
    if path == ["run"]:
        settings = run_settings(command, environment_file())
        assert normalise_url(settings.database_url).startswith("postgresql+asyncpg://"), where
        assert settings.role in ROLES and settings.role != "all", where


def test_both_deployments_run_every_role_and_migrate_first() -> None:
    env = environment_file()
    for commands in (procfile(), unit_commands()):
        roles = {run_settings(c, env).role for c in commands.values() if parse(c)[0] == ["run"]}
        assert roles == {"web", "worker", "scheduler"}
        assert any(parse(c)[0] == ["db", "upgrade"] for c in commands.values())
    assert "release" in procfile()
    readme = (ROOT / "README.md").read_text()
    assert "docs/deploy.md" in readme and (ROOT / "docs" / "deploy.md").exists()


@pytest.mark.parametrize(
    ("unit", "jobs", "chat_status"),
    [("frontdesk-web@.service", {"sweep"}, 201),
     ("frontdesk-worker.service", SINGLETONS | {"sweep"}, 404),
     ("frontdesk-scheduler.service", SINGLETONS - {"delivery"} | {"sweep"}, 404)],
)  # fmt: skip
async def test_each_unit_runs_what_it_says_on_postgresql(
    postgres_url: str,
    tmp_path: Path,
    trained_classifier: Classifier,
    unit: str,
    jobs: set[str],
    chat_status: int,
) -> None:
    env = {**environment_file(), "FRONTDESK_DATABASE_URL": postgres_url}
    env["FRONTDESK_DATA_DIR"] = str(tmp_path)
    settings = run_settings(unit_commands()[unit], env)
    async with serving(settings, trained_classifier) as client:
        assert (await client.get("/healthz")).status == 200
        assert running_jobs(await (await client.get("/metrics")).text()) == jobs
        assert (await client.post("/api/chat/sessions")).status == chat_status
