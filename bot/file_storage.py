"""Where attachments' bytes are kept, chosen from the settings: a local folder under the data
directory (the default; one host), or an S3-compatible bucket when ``FRONTDESK_S3_BUCKET`` is
set (several processes or hosts; ``store/files_s3.py``). Part of the composition root."""

from __future__ import annotations

import contextlib
import logging

from service.attachments import FileStorage
from store.files import LocalFileStorage

from .settings import Settings, SettingsError

log = logging.getLogger(__name__)


async def file_storage(settings: Settings, stack: contextlib.AsyncExitStack) -> FileStorage:
    """The storage for this process; an S3 client is kept open until ``stack`` closes."""
    if not settings.s3_bucket:
        return LocalFileStorage(settings.files_dir)
    try:  # aiobotocore (the ``s3`` extra) only when a bucket is set
        from store.files_s3 import S3Config, s3_storage
    except ImportError as exc:
        raise SettingsError(
            "FRONTDESK_S3_BUCKET needs the S3 client: pip install 'frontdesk[s3]'"
        ) from exc

    config = S3Config(
        bucket=settings.s3_bucket,
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=settings.s3_secret_access_key,
        prefix=settings.s3_prefix,
    )
    storage = await stack.enter_async_context(s3_storage(config))
    log.info("%s", storage.describe())
    return storage
