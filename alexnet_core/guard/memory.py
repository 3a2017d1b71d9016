"""The server-wide ledger of work in flight, and a cache bounded in bytes.

``st.cache_resource`` bounds the number of entries, not what they hold: eight cached models
can be 2 GB or 12 GB. ``ByteCache`` counts what each value holds (tensors, arrays, bytes) and
evicts the least recently used until the total fits; while a value is being made, the budget's
estimate of it is held in the ``LEDGER``, so fifty sessions cannot each take the per-request limit.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields, is_dataclass
from typing import Any, TypeVar

from alexnet_core.arch.budget import BudgetError
from alexnet_core.format import fmt_bytes
from alexnet_core.guard.limits import SERVER_WORK_BYTES

T = TypeVar("T")


class Ledger:
    """Bytes of work in flight across every session of this process."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.held = 0
        self._lock = threading.Lock()

    @contextmanager
    def hold(self, nbytes: int) -> Iterator[None]:
        """Hold ``nbytes`` for the duration, or raise BudgetError when the server has no room now."""
        with self._lock:
            if self.held + nbytes > self.cap:
                raise BudgetError(f"refused for now: the server is busy with other people's work "
                                  f"({fmt_bytes(self.held)} of {fmt_bytes(self.cap)} in use, this needs "
                                  f"{fmt_bytes(nbytes)}); try again in a moment")
            self.held += nbytes
        try:
            yield
        finally:
            with self._lock:
                self.held -= nbytes


LEDGER = Ledger(SERVER_WORK_BYTES)


def size_of(obj: Any, _depth: int = 0, _seen: set[Any] | None = None) -> int:
    """Bytes a value holds in tensors, arrays and byte strings (each storage counted once)."""
    seen: set[Any] = _seen if _seen is not None else set()
    if _depth > 6 or id(obj) in seen or obj is None or isinstance(obj, (str, int, float, bool)):
        return 0
    seen.add(id(obj))
    if isinstance(obj, (bytes, bytearray)):
        return len(obj)
    if type(obj).__module__.startswith("numpy") and hasattr(obj, "nbytes"):
        return int(obj.nbytes)
    torch = sys.modules.get("torch")  # a value holding tensors means torch is already loaded
    if torch is not None and isinstance(obj, torch.Tensor):
        storage = obj.untyped_storage()
        key = ("storage", storage.data_ptr() or id(storage))
        if key in seen or obj.is_meta:
            return 0
        seen.add(key)
        return int(storage.nbytes())
    if torch is not None and isinstance(obj, torch.nn.Module):
        return sum(size_of(t, _depth + 1, seen) for t in (*obj.parameters(), *obj.buffers()))
    if isinstance(obj, dict):
        return sum(size_of(v, _depth + 1, seen) for v in obj.values())
    if isinstance(obj, (list, tuple, set, frozenset)):
        return sum(size_of(v, _depth + 1, seen) for v in obj)
    if is_dataclass(obj):
        return sum(size_of(getattr(obj, f.name), _depth + 1, seen) for f in fields(obj))
    return 0


class ByteCache:
    """A thread-safe LRU whose values together hold at most ``max_bytes``; each key is made once
    even when several sessions ask at the same moment. Errors are not cached."""

    def __init__(self, max_bytes: int, ledger: Ledger = LEDGER) -> None:
        self.max_bytes = max_bytes
        self.ledger = ledger
        self.held = 0
        self._items: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._making: dict[Any, threading.Lock] = {}
        self._lock = threading.Lock()

    def __contains__(self, key: Any) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def _hit(self, key: Any) -> tuple[bool, Any]:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return True, self._items[key][0]
            return False, None

    def get(self, key: Any, make: Callable[[], T], estimate: int = 0) -> T:
        """The cached value, or ``make()`` run while ``estimate`` bytes are held in the ledger."""
        found, value = self._hit(key)
        if found:
            return value
        with self._lock:
            gate = self._making.setdefault(key, threading.Lock())
        with gate:
            found, value = self._hit(key)
            if found:
                return value
            try:
                with self.ledger.hold(estimate):
                    value = make()
                self._put(key, value, size_of(value))
            finally:
                with self._lock:
                    self._making.pop(key, None)
        return value

    def _put(self, key: Any, value: Any, nbytes: int) -> None:
        if nbytes > self.max_bytes:
            return  # used once, never kept: it alone would fill the cache
        with self._lock:
            self._items[key] = (value, nbytes)
            self.held += nbytes
            while self.held > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self.held -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.held = 0
