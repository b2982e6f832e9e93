"""Entries kept in memory and written in batches by a background thread; whatever still waits is written at exit."""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Generic
from typing import TypeVar

T = TypeVar("T")
logger = logging.getLogger(__name__)


class BatchWriter(Generic[T]):
    """Hands `write` a batch when `max_entries` wait or `max_seconds` after the first of them, and at exit.

    A batch whose write fails is kept for the next try (up to `max_waiting` entries). Each process has
    its own batch: entries inherited through fork belong to the parent, which writes them.
    """

    def __init__(self, write: Callable[[list[T]], None], max_entries: int, max_seconds: float,
                 max_waiting: int = 10_000) -> None:
        self.write = write
        self.max_entries = max(1, max_entries)
        self.max_seconds = max_seconds
        self.max_waiting = max_waiting
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._cond = threading.Condition()
        self._flushing = threading.Lock()
        self._pending: list[T] = []
        self._first_at = 0.0
        self._thread: threading.Thread | None = None
        self._closed = False

    def add(self, entry: T) -> None:
        """Queue one entry; the background thread writes it within `max_seconds`."""
        if self._pid != os.getpid():
            self._reset()
        with self._cond:
            if self._thread is None:
                self._start()
            if not self._pending:
                self._first_at = time.monotonic()
                self._cond.notify()
            self._pending.append(entry)
            if len(self._pending) == self.max_entries:
                self._cond.notify()
            closed = self._closed
        if closed:  # after close() nothing waits for the thread any more
            self.flush()

    def waiting(self) -> int:
        """How many entries wait to be written."""
        with self._cond:
            return len(self._pending)

    def flush(self) -> None:
        """Write everything waiting now (in the calling thread)."""
        with self._flushing:
            with self._cond:
                batch, self._pending = self._pending, []
            if not batch:
                return
            try:
                self.write(batch)
            except Exception:
                logger.exception("%d entries not written; kept for the next try", len(batch))
                with self._cond:
                    keep = batch[: max(0, self.max_waiting - len(self._pending))]
                    self._pending[:0] = keep
                    self._first_at = time.monotonic()

    def close(self) -> None:
        """Write what waits and stop the thread (at exit, or when the app goes away)."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        self.flush()
        atexit.unregister(self.close)

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="batch-writer", daemon=True)
        self._thread.start()
        # A clean shutdown (gunicorn's SIGTERM, Ctrl-C, the end of a CLI command) exits through atexit.
        atexit.register(self.close)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                deadline = self._first_at + self.max_seconds
                while len(self._pending) < self.max_entries and not self._closed:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
            self.flush()
