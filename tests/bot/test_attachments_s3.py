"""Attachments in an S3-compatible bucket (FRONTDESK_S3_*), the scale-out storage: the same
web-chat and agent stories as with the local folder, against a fake S3 server on 127.0.0.1
(moto's, the network edge) that the front desk reaches over HTTP with its kept client. The
customer's screenshot lands in the bucket, not in the data folder; the agent fetches it; another
session cannot; a file gone from the bucket is a 404 and an unreachable bucket a 503."""

from __future__ import annotations

import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiobotocore.session import get_session
from moto.server import ThreadedMotoServer

from bot.settings import Settings
from classifier.base import Classifier

from .chat import ChatCustomer, serving, settings_for
from .test_attachments import agent_session, form, png, upload

BUCKET = "frontdesk-files"
KEYS = {"aws_access_key_id": "fake-key", "aws_secret_access_key": "fake-secret"}


@pytest.fixture
def s3() -> Iterator[ThreadedMotoServer]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    # moto keeps its buckets per Python process, not per server: start from an empty S3
    reset = urllib.request.Request(endpoint(server) + "/moto-api/reset", method="POST")
    urllib.request.urlopen(reset, timeout=10).close()
    yield server
    server.stop()


def endpoint(server: ThreadedMotoServer) -> str:
    host, port = server.get_host_and_port()
    return f"http://{host}:{port}"


async def bucket(server: ThreadedMotoServer, action: str, **kw: Any) -> Any:
    """What an operator (or a test) does to the bucket itself, over the same S3 API."""
    async with get_session().create_client(
        "s3", region_name="eu-west-1", endpoint_url=endpoint(server), **KEYS
    ) as s3_client:
        answer = await getattr(s3_client, action)(Bucket=BUCKET, **kw)
        if "Body" in answer:  # read it while the client's connection is open
            async with answer["Body"] as stream:
                answer["Body"] = await stream.read()
        return answer


def on_s3(server: ThreadedMotoServer, database_url: str, data_dir: Path) -> Settings:
    return settings_for(
        database_url, data_dir, s3_bucket=BUCKET, s3_endpoint_url=endpoint(server),
        s3_region="eu-west-1", s3_access_key_id=KEYS["aws_access_key_id"],
        s3_secret_access_key=KEYS["aws_secret_access_key"], s3_prefix="desk/",
    )  # fmt: skip


@pytest.fixture
async def client(
    s3: ThreadedMotoServer, sqlite_url: str, tmp_path: Path, trained_classifier: Classifier
) -> AsyncIterator[Any]:
    await bucket(s3, "create_bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    async with serving(on_s3(s3, sqlite_url, tmp_path), trained_classifier) as c:
        yield c


async def test_a_screenshot_kept_in_the_bucket_reaches_the_agent_and_only_the_agent(
    client: Any, s3: ThreadedMotoServer, tmp_path: Path
) -> None:
    ravi = await ChatCustomer(client).open()
    await ravi.say("The export dialog shows a strange error, screenshot attached.")
    await ravi.expect(lambda m: "FD-" in m["text"], timeout=30)  # shared CPUs: be patient
    tid = ravi.ticket_id()
    image = png()

    status, body = await upload(ravi, form("screen.png", image, "the error I see"))
    assert status == 202, body
    [sent] = body["attachments"]
    listed = await bucket(s3, "list_objects_v2", Prefix="desk/")
    keys = sorted(o["Key"] for o in listed["Contents"])
    assert len(keys) == 2 and keys[1] == keys[0] + ".thumb.png"  # the file and its thumbnail
    assert (await bucket(s3, "get_object", Key=keys[0]))["Body"] == image
    assert not (tmp_path / "files").exists()  # nothing in the data folder

    own = await client.get(sent["url"], headers=ravi.auth)
    assert own.status == 200 and await own.read() == image
    other = await ChatCustomer(client).open()
    through_own = sent["url"].replace(ravi.session_id, other.session_id)
    assert (await client.get(through_own, headers=other.auth)).status == 404
    assert (await client.get(sent["url"], headers=other.auth)).status == 401

    await agent_session(client)
    ticket = await (await client.get(f"/api/agent/tickets/{tid}")).json()
    [file] = [a for m in ticket["messages"] for a in m["attachments"]]
    fetched = await client.get(file["url"])
    assert fetched.status == 200 and fetched.content_type == "image/png"
    assert await fetched.read() == image

    await bucket(s3, "delete_object", Key=keys[0])  # someone emptied the bucket
    gone = await client.get(file["url"])
    assert gone.status == 404 and "error" in await gone.json()

    s3.stop()  # the bucket cannot be reached: try again later, nothing half stored
    status, body = await upload(ravi, form("again.png", image))
    assert status == 503 and "try again" in body["error"]


@pytest.mark.postgres
async def test_two_processes_without_a_shared_folder_serve_each_other_s_files(
    s3: ThreadedMotoServer, postgres_url: str, tmp_path: Path, trained_classifier: Classifier
) -> None:
    """The point of the bucket: the customer's process and the agent's share only the database
    and the bucket (each its own data folder), and the agent still gets the screenshot."""
    await bucket(s3, "create_bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    widget_side = on_s3(s3, postgres_url, tmp_path / "web-1")
    console_side = on_s3(s3, postgres_url, tmp_path / "web-2")
    async with (
        serving(widget_side, trained_classifier) as web1,
        serving(console_side, trained_classifier) as web2,
    ):
        ravi = await ChatCustomer(web1).open()
        await ravi.say("The export dialog shows a strange error, screenshot attached.")
        await ravi.expect(lambda m: "FD-" in m["text"], timeout=30)  # shared CPUs: be patient
        image = png()
        status, body = await upload(ravi, form("screen.png", image))
        assert status == 202, body

        await agent_session(web2)
        ticket = await (await web2.get(f"/api/agent/tickets/{ravi.ticket_id()}")).json()
        [file] = [a for m in ticket["messages"] for a in m["attachments"]]
        fetched = await web2.get(file["url"])
        assert fetched.status == 200 and await fetched.read() == image
        assert not (tmp_path / "web-1" / "files").exists()
