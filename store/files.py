"""File storage in a local folder (``FRONTDESK_DATA_DIR/files`` by default).

Keys are relative paths made by the front desk (``2026/11/<uuid>``), never by a user; a key
that would leave the folder is refused all the same. Writes go to a temporary file that is
renamed into place, so a reader never sees half a file.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from models import NotFound


class LocalFileStorage:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise NotFound("no such file")
        return path

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._put, self._path(key), data)

    @staticmethod
    def _put(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        with open(temporary, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise NotFound("no such file") from None
