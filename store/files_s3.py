"""File storage in an S3-compatible bucket: the scale-out option behind the ``FileStorage``
port (``service/attachments.py``), for several processes or hosts that share no folder.

Any S3 API works: AWS S3 (``FRONTDESK_S3_REGION``; credentials from the settings or, left
empty, botocore's usual chain: ``AWS_*`` variables, the shared files, an instance role), or a
MinIO, Ceph, Garage or R2 endpoint (``FRONTDESK_S3_ENDPOINT_URL``). The bucket must exist;
the front desk never creates or deletes one.

Why aiobotocore: it is botocore (AWS's own request signing, retries, endpoint and credential
resolution, kept with every S3 change) on aiohttp, which we already run, so a put or a get
never blocks the event loop or a thread. One client (one connection pool) is opened at start
and kept for the life of the process (:func:`s3_storage`), not one per file.

Keys are the front desk's own (``2026/11/<uuid>``), under ``prefix``. A missing object is
:class:`~models.NotFound` (404 to whoever asked); a bucket that cannot be reached or refuses
us is :class:`~models.StoreUnavailable` (503, try again): botocore's errors never leave here.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from models import NotFound, StoreUnavailable

MISSING = {"NoSuchKey", "404", "NotFound"}


@dataclass(frozen=True, slots=True)
class S3Config:
    bucket: str
    endpoint_url: str = ""  # empty: AWS S3 in ``region``
    region: str = ""
    access_key_id: str = ""  # empty: botocore's credential chain
    secret_access_key: str = ""
    prefix: str = ""  # e.g. "frontdesk/": keys live under it
    timeout: float = 30.0


class S3FileStorage:
    """Satisfies ``FileStorage`` over an open aiobotocore S3 client."""

    def __init__(self, client: Any, config: S3Config) -> None:
        self.client = client
        self.config = config

    def _key(self, key: str) -> str:
        return self.config.prefix + key

    async def put(self, key: str, data: bytes) -> None:
        """Stored once S3 answers (S3 is durable on its 200)."""
        try:
            await self.client.put_object(Bucket=self.config.bucket, Key=self._key(key), Body=data)
        except (ClientError, BotoCoreError) as exc:
            raise StoreUnavailable(f"the file storage cannot keep the file now: {exc}") from exc

    async def get(self, key: str) -> bytes:
        try:
            found = await self.client.get_object(Bucket=self.config.bucket, Key=self._key(key))
            async with found["Body"] as body:
                return bytes(await body.read())
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in MISSING:
                raise NotFound("no such file") from None
            raise StoreUnavailable(f"the file storage cannot be read: {exc}") from exc
        except BotoCoreError as exc:
            raise StoreUnavailable(f"the file storage cannot be read: {exc}") from exc

    def describe(self) -> str:
        where = self.config.endpoint_url or f"AWS S3 {self.config.region or '(default region)'}"
        return f"files in S3 bucket {self.config.bucket!r} at {where}"


@contextlib.asynccontextmanager
async def s3_storage(config: S3Config) -> AsyncIterator[S3FileStorage]:
    """The kept client for the life of the process; closed (its pool too) on exit."""
    session = get_session()
    options: dict[str, Any] = {
        "region_name": config.region or None,
        "endpoint_url": config.endpoint_url or None,
        "config": AioConfig(
            connect_timeout=config.timeout,
            read_timeout=config.timeout,
            retries={"max_attempts": 3, "mode": "standard"},
        ),
    }
    if config.access_key_id:
        options["aws_access_key_id"] = config.access_key_id
        options["aws_secret_access_key"] = config.secret_access_key
    async with session.create_client("s3", **options) as client:
        yield S3FileStorage(client, config)
