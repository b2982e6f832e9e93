"""Where attachment bytes live: a folder on local disk or an S3-compatible bucket, behind one small interface."""

from __future__ import annotations

import functools
import os
import secrets
import threading
import unicodedata
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any
from typing import BinaryIO
from typing import Protocol
from urllib.parse import quote

PRESIGN_TTL = 60  # seconds a presigned download link stays valid
S3_TIMEOUT = 30  # seconds to connect, and to wait for each read, before the bucket counts as down
S3_ATTEMPTS = 3  # tries per call (botocore "standard" retries back off between them)
PROBE_TIMEOUT = 1.0  # the readiness probe answers fast or fails, like the Redis one


class StoreUnavailable(Exception):
    """The store did not answer or refused the call; the message is for the log, never for users."""


class StoredFileMissing(LookupError):
    """No object under this key: a row that outlived its file."""


def new_key() -> str:
    """A random, unguessable storage name (32 hex characters, fits Attachment.storage_name)."""
    return secrets.token_hex(16)


def content_disposition(filename: str, inline: bool) -> str:
    """The Content-Disposition of a download: an ASCII fallback name and the real (Cyrillic) one per RFC 6266."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = ascii_name.replace("\\", "\\\\").replace('"', '\\"')
    quoted = quote(filename, safe="!#$&+-.^_`|~")
    return f"{'inline' if inline else 'attachment'}; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}"


@dataclass
class StoredFile:
    """An open stored file: read it in chunks and close it."""

    stream: BinaryIO
    size: int


class FileStore(Protocol):
    """Attachment bytes by key. Keys are made by `put`; a missing key reads as StoredFileMissing."""

    kind: str  # "local" or "s3": what /readyz calls the check, when there is one

    def put(self, data: bytes) -> str:
        """Store the bytes under a new random key, all or nothing, and return the key."""
        ...

    def open(self, key: str) -> StoredFile:
        """The stored bytes as a stream, for sending without holding them in memory."""
        ...

    def read(self, key: str) -> bytes:
        """All the stored bytes."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; a key that is already gone is fine."""
        ...

    def keys_older_than(self, before: datetime) -> Iterator[str]:
        """Keys of the objects written before `before` (candidates for the purge of stray files)."""
        ...

    def presigned_url(self, key: str, filename: str, content_type: str, inline: bool, ttl: int) -> str | None:
        """A link that downloads the object directly for `ttl` seconds, or None when the store cannot make one."""
        ...

    def check(self) -> None:
        """Raise StoreUnavailable unless the store answers now."""
        ...


class LocalFileStore:
    """Files in one folder on local disk, named by key (the default, and what `make run` uses)."""

    kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        # Keys are ours (hex), but a path separator must never reach the file system.
        if key in ("", ".", "..") or "/" in key or "\\" in key:
            raise StoredFileMissing(key)
        return self.root / key

    def put(self, data: bytes) -> str:
        key = new_key()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tmp = self.root / f".{key}.tmp"
            tmp.write_bytes(data)
            tmp.replace(self.root / key)
        except OSError as exc:
            raise StoreUnavailable(f"cannot write to {self.root}: {exc}") from exc
        return key

    def open(self, key: str) -> StoredFile:
        try:
            stream = open(self._path(key), "rb")  # noqa: SIM115 - the response closes it after sending
        except FileNotFoundError as exc:
            raise StoredFileMissing(key) from exc
        except OSError as exc:
            raise StoreUnavailable(f"cannot read {key}: {exc}") from exc
        return StoredFile(stream, os.fstat(stream.fileno()).st_size)

    def read(self, key: str) -> bytes:
        stored = self.open(key)
        with stored.stream:
            return stored.stream.read()

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except StoredFileMissing:
            return
        except OSError as exc:
            raise StoreUnavailable(f"cannot delete {key}: {exc}") from exc

    def keys_older_than(self, before: datetime) -> Iterator[str]:
        if not self.root.is_dir():
            return iter(())
        limit = before.timestamp()
        # Listed whole before anyone deletes; an old ".<key>.tmp" is a write a crash cut short.
        return iter([path.name for path in self.root.iterdir() if path.is_file() and path.stat().st_mtime < limit])

    def presigned_url(self, key: str, filename: str, content_type: str, inline: bool, ttl: int) -> str | None:
        return None

    def check(self) -> None:
        if self.root.exists() and not os.access(self.root, os.W_OK):
            raise StoreUnavailable(f"{self.root} is not writable")


@dataclass(frozen=True)
class S3Settings:
    """Where the bucket is and how to sign in; from the S3_* config keys."""

    bucket: str
    endpoint_url: str | None = None
    public_endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    prefix: str = ""
    addressing_style: str = "auto"
    timeout: float = S3_TIMEOUT

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> S3Settings | None:
        """From S3_BUCKET, S3_ENDPOINT_URL, S3_PUBLIC_ENDPOINT_URL, S3_REGION, S3_ACCESS_KEY_ID,
        S3_SECRET_ACCESS_KEY, S3_PREFIX, S3_ADDRESSING_STYLE and S3_TIMEOUT; None without a bucket."""
        bucket = str(config.get("S3_BUCKET") or "").strip()
        if not bucket:
            return None

        def text(key: str) -> str | None:
            value = config.get(key)
            return (str(value).strip() or None) if value is not None else None

        prefix = (text("S3_PREFIX") or "").strip("/")
        return cls(
            bucket=bucket, endpoint_url=text("S3_ENDPOINT_URL"), public_endpoint_url=text("S3_PUBLIC_ENDPOINT_URL"),
            region=text("S3_REGION"), access_key_id=text("S3_ACCESS_KEY_ID"),
            secret_access_key=text("S3_SECRET_ACCESS_KEY"), prefix=f"{prefix}/" if prefix else "",
            addressing_style=text("S3_ADDRESSING_STYLE") or "auto",
            timeout=float(config.get("S3_TIMEOUT") or S3_TIMEOUT),
        )


_SESSION_LOCK = threading.Lock()


@functools.cache
def _boto_session():
    import boto3

    # One session for every client: it caches the parsed service model (a new one costs ~60 ms per client).
    return boto3.session.Session()


def _s3_client(settings: S3Settings, endpoint_url: str | None, timeout: float, attempts: int):
    from botocore.config import Config

    config = Config(signature_version="s3v4", connect_timeout=timeout, read_timeout=timeout,
                    retries={"mode": "standard", "max_attempts": attempts},
                    s3={"addressing_style": settings.addressing_style})
    # Clients are thread-safe, their session is not: make them one at a time.
    with _SESSION_LOCK:
        return _boto_session().client("s3", endpoint_url=endpoint_url, region_name=settings.region,
                                      aws_access_key_id=settings.access_key_id,
                                      aws_secret_access_key=settings.secret_access_key, config=config)


class S3FileStore:
    """Objects in an S3-compatible bucket (AWS, Yandex Object Storage, MinIO, SeaweedFS...) through boto3."""

    kind = "s3"

    def __init__(self, settings: S3Settings) -> None:
        self.settings = settings
        self.bucket = settings.bucket
        self.prefix = settings.prefix

    # Clients are made on first use: an app that never touches a file (most test apps) never pays for them.
    @functools.cached_property
    def client(self):
        return _s3_client(self.settings, self.settings.endpoint_url, self.settings.timeout, S3_ATTEMPTS)

    @functools.cached_property
    def signer(self):
        # Signing needs no network: links for browsers may name another address than the one the portal uses.
        if not self.settings.public_endpoint_url:
            return self.client
        return _s3_client(self.settings, self.settings.public_endpoint_url, self.settings.timeout, S3_ATTEMPTS)

    @functools.cached_property
    def probe(self):
        return _s3_client(self.settings, self.settings.endpoint_url, PROBE_TIMEOUT, 1)

    def _call(self, what: str, key: str, call, **params):
        from botocore.exceptions import BotoCoreError
        from botocore.exceptions import ClientError

        try:
            return call(Bucket=self.bucket, **params)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            # Only an object can be missing; a missing bucket means the store is misconfigured, so down.
            if key and error.get("Code") in ("NoSuchKey", "404", "NotFound"):
                raise StoredFileMissing(key) from exc
            raise StoreUnavailable(f"S3 {what} {self.bucket}/{self.prefix}{key}: {error.get('Code')} "
                                   f"{error.get('Message', '')}") from exc
        except BotoCoreError as exc:
            raise StoreUnavailable(f"S3 {what} {self.bucket}/{self.prefix}{key}: {exc}") from exc

    def put(self, data: bytes) -> str:
        key = new_key()
        # One PUT is atomic in S3: the object is there whole or not at all.
        self._call("put", key, self.client.put_object, Key=self.prefix + key, Body=data)
        return key

    def open(self, key: str) -> StoredFile:
        answer = self._call("get", key, self.client.get_object, Key=self.prefix + key)
        return StoredFile(answer["Body"], int(answer["ContentLength"]))

    def read(self, key: str) -> bytes:
        stored = self.open(key)
        try:
            return stored.stream.read()
        finally:
            stored.stream.close()

    def delete(self, key: str) -> None:
        # Deleting a missing key succeeds in S3.
        self._call("delete", key, self.client.delete_object, Key=self.prefix + key)

    def keys_older_than(self, before: datetime) -> Iterator[str]:
        before = before if before.tzinfo else before.replace(tzinfo=UTC)
        token: str | None = None
        while True:
            params: dict[str, Any] = {"Prefix": self.prefix}
            if token:
                params["ContinuationToken"] = token
            page = self._call("list", "", self.client.list_objects_v2, **params)
            for item in page.get("Contents", []):
                name = item["Key"][len(self.prefix):]
                # Only our own flat keys: anything under a deeper "folder" belongs to someone else.
                if name and "/" not in name and item["LastModified"] < before:
                    yield name
            if not page.get("IsTruncated"):
                return
            token = page.get("NextContinuationToken")

    def presigned_url(self, key: str, filename: str, content_type: str, inline: bool, ttl: int) -> str | None:
        params = {"Bucket": self.bucket, "Key": self.prefix + key, "ResponseContentType": content_type,
                  "ResponseContentDisposition": content_disposition(filename, inline),
                  "ResponseCacheControl": "private, no-store"}
        return self.signer.generate_presigned_url("get_object", Params=params, ExpiresIn=ttl)

    def check(self) -> None:
        self._call("head_bucket", "", self.probe.head_bucket)


def store_from_config(config: Mapping[str, Any]) -> FileStore:
    """The S3 store when S3_BUCKET is set, else the folder UPLOAD_DIR."""
    settings = S3Settings.from_config(config)
    return S3FileStore(settings) if settings else LocalFileStore(Path(config["UPLOAD_DIR"]))
