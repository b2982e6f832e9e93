"""Answers that depend only on their key and on the search generation (index, learnt pairs), kept per process."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Hashable
from typing import Any

MAX_ITEMS = 2048


class Memo:
    """A bounded least-recently-used store, emptied when the generation's objects are replaced."""

    def __init__(self, max_items: int = MAX_ITEMS) -> None:
        self.max_items = max_items
        self._generation: tuple = ()
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def _current(self, generation: tuple) -> bool:
        return len(generation) == len(self._generation) and all(
            a is b for a, b in zip(generation, self._generation, strict=True))

    def get(self, generation: tuple, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The stored value for key in this generation, or compute() stored for the next time."""
        with self._lock:
            if not self._current(generation):
                self._generation, self._items = generation, OrderedDict()
            elif key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()
        self.put(generation, key, value)
        return value

    def put(self, generation: tuple, key: Hashable, value: Any) -> None:
        """Store value for key, unless the generation has moved on meanwhile."""
        with self._lock:
            if self._current(generation):
                self._items[key] = value
                self._items.move_to_end(key)
                if len(self._items) > self.max_items:
                    self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
