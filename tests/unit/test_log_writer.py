"""The batch writer: entries leave the caller's thread and are all written, in batches, by size, time or at close."""

from __future__ import annotations

import threading
import time

from search.log_writer import BatchWriter


class Sink:
    def __init__(self, fail: int = 0) -> None:
        self.batches: list[list[int]] = []
        self.fail = fail
        self.written = threading.Event()

    def __call__(self, batch: list[int]) -> None:
        if self.fail:
            self.fail -= 1
            raise RuntimeError("database down")
        self.batches.append(list(batch))
        self.written.set()

    @property
    def entries(self) -> list[int]:
        return [e for batch in self.batches for e in batch]


def wait_for(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_nothing_is_written_in_the_callers_thread_until_close():
    sink = Sink()
    writer = BatchWriter(sink, max_entries=100, max_seconds=3600)
    for n in range(5):
        writer.add(n)
    assert sink.batches == [] and writer.waiting() == 5
    writer.close()
    assert sink.batches == [[0, 1, 2, 3, 4]] and writer.waiting() == 0


def test_a_full_batch_is_written_by_the_thread():
    sink = Sink()
    writer = BatchWriter(sink, max_entries=3, max_seconds=3600)
    for n in range(3):
        writer.add(n)
    assert wait_for(lambda: sink.entries == [0, 1, 2])
    writer.close()


def test_entries_are_written_after_max_seconds_without_more_traffic():
    sink = Sink()
    writer = BatchWriter(sink, max_entries=100, max_seconds=0.05)
    writer.add(1)
    assert wait_for(lambda: sink.entries == [1])
    writer.add(2)
    assert wait_for(lambda: sink.entries == [1, 2])
    writer.close()


def test_a_failed_write_keeps_the_batch_for_the_next_try():
    sink = Sink(fail=1)
    writer = BatchWriter(sink, max_entries=100, max_seconds=3600)
    writer.add(1)
    writer.add(2)
    writer.flush()
    assert sink.batches == [] and writer.waiting() == 2
    writer.add(3)
    writer.close()
    assert sink.entries == [1, 2, 3]


def test_kept_entries_are_bounded():
    sink = Sink(fail=1)
    writer = BatchWriter(sink, max_entries=100, max_seconds=3600, max_waiting=3)
    for n in range(5):
        writer.add(n)
    writer.flush()
    assert writer.waiting() == 3
    writer.close()
    assert sink.entries == [0, 1, 2]


def test_an_entry_after_close_is_written_at_once():
    sink = Sink()
    writer = BatchWriter(sink, max_entries=100, max_seconds=3600)
    writer.add(1)
    writer.close()
    writer.add(2)
    assert sink.entries == [1, 2]


def test_many_threads_lose_nothing():
    sink = Sink()
    writer = BatchWriter(sink, max_entries=7, max_seconds=0.01)

    def add(start: int) -> None:
        for n in range(start, start + 200):
            writer.add(n)

    threads = [threading.Thread(target=add, args=(k * 1000,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()
    assert sorted(sink.entries) == sorted(n for k in range(4) for n in range(k * 1000, k * 1000 + 200))
