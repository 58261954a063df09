"""Recordings in S3-compatible object storage (``RECORDING_S3_*``). Objects cannot be
appended to, so each upload is one part object named by its offset,
``{prefix}{key}/{offset:016d}``; reading concatenates the parts in order. A retried upload
at an offset replaces that part and drops any after it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app.recordings.settings import RecordingSettings
from app.recordings.store import READ_BLOCK, check_key


@dataclass(frozen=True, slots=True)
class _Part:
    offset: int
    size: int
    name: str


class S3Store:
    def __init__(self, client: Any, *, bucket: str, prefix: str = "") -> None:
        self._client = client
        self.bucket = bucket
        self.prefix = prefix

    def _folder(self, key: str) -> str:
        return f"{self.prefix}{check_key(key)}/"

    def _parts(self, key: str) -> list[_Part]:
        folder = self._folder(key)
        parts: list[_Part] = []
        for page in self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=folder
        ):
            for item in page.get("Contents", []):
                name = str(item["Key"])
                tail = name[len(folder) :]
                if tail.isdigit():
                    parts.append(_Part(int(tail), int(item["Size"]), name))
        return sorted(parts, key=lambda p: p.offset)

    def _remove(self, names: list[str]) -> None:
        for i in range(0, len(names), 1000):
            batch = [{"Key": n} for n in names[i : i + 1000]]
            self._client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch})

    def append(self, key: str, offset: int, data: bytes) -> None:
        stale = [p.name for p in self._parts(key) if p.offset > offset]
        self._remove(stale)
        name = f"{self._folder(key)}{offset:016d}"
        self._client.put_object(Bucket=self.bucket, Key=name, Body=data)

    def size(self, key: str) -> int:
        parts = self._parts(key)
        return parts[-1].offset + parts[-1].size if parts else 0

    def read(self, key: str, start: int, end: int) -> Iterator[bytes]:
        for part in self._parts(key):
            lo, hi = max(start, part.offset), min(end, part.offset + part.size)
            if hi <= lo:
                continue
            got = self._client.get_object(
                Bucket=self.bucket,
                Key=part.name,
                Range=f"bytes={lo - part.offset}-{hi - part.offset - 1}",
            )
            body = got["Body"]
            try:
                yield from body.iter_chunks(READ_BLOCK)
            finally:
                body.close()

    def delete(self, key: str) -> None:
        self._remove([p.name for p in self._parts(key)])


def s3_client(settings: RecordingSettings) -> Any:
    """A boto3 S3 client for the configured endpoint (path-style addressing, which
    S3-compatible servers expect)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=settings.s3_secret_access_key,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
    )
