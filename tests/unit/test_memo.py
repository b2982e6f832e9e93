"""The search memo: one answer per key while the generation's objects stay the same, bounded, least recent out."""

from __future__ import annotations

from search.memo import Memo


def test_value_is_computed_once_per_generation():
    memo, calls = Memo(), []
    index, pairs = object(), object()

    def compute():
        calls.append(1)
        return len(calls)

    assert memo.get((index, pairs), "q", compute) == 1
    assert memo.get((index, pairs), "q", compute) == 1
    assert memo.get((index, object()), "q", compute) == 2  # new learnt pairs: computed again
    assert memo.get((object(), pairs), "q", compute) == 3  # new index
    assert len(memo) == 1


def test_equal_but_new_objects_are_a_new_generation():
    memo = Memo()
    memo.get(([1],), "q", lambda: "old")
    assert memo.get(([1],), "q", lambda: "new") == "new"


def test_least_recently_used_goes_first():
    memo, generation = Memo(max_items=2), (object(),)
    memo.get(generation, "a", lambda: 1)
    memo.get(generation, "b", lambda: 2)
    memo.get(generation, "a", lambda: 0)  # a used again
    memo.get(generation, "c", lambda: 3)
    assert memo.get(generation, "a", lambda: -1) == 1
    assert memo.get(generation, "b", lambda: -2) == -2


def test_a_value_of_an_old_generation_is_not_stored():
    memo, old, new = Memo(), (object(),), (object(),)
    memo.get(new, "a", lambda: 1)
    memo.put(old, "b", 2)
    assert memo.get(new, "b", lambda: 3) == 3
