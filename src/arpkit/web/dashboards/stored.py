"""Drawn dashboard pieces kept in memory (LRU, thread-safe) and as JSON on disk, and the
thread-safe LRU itself, which the dashboards use wherever they keep something per process.

Page bodies (:mod:`.prepared`) and rendered charts (:mod:`.figures`) are both dataclasses drawn
once per cache directory: every process keeps the recent ones in memory, and the first to draw
one writes it under ``<cache directory>/<folder>/<key>.json`` for the others (and for the next
start). Concurrent requests for the same missing piece in one process wait for the first to
draw it rather than all drawing it (the cold-start stampede the load benchmark showed).
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Generic, TypeVar

K = TypeVar("K")
T = TypeVar("T")


class MemoryLRU(Generic[K, T]):
    """At most ``limit`` values by key, the least recently used dropped first; thread-safe."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: OrderedDict[K, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> T | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def put(self, key: K, value: T) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.limit:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


class DiskMemo(Generic[T]):
    """``kind`` (a dataclass) instances by ``(directory, key)``: memory first, then disk."""

    def __init__(self, kind: type[T], folder: str, limit: int) -> None:
        self.kind, self.folder = kind, folder
        self._memory: MemoryLRU[str, T] = MemoryLRU(limit)
        self._lock = threading.Lock()
        self._drawing: dict[str, threading.Lock] = {}

    def cached(self, directory: Path, key: str) -> T | None:
        """The piece from memory or disk, or None."""
        mem_key = f"{directory}:{key}"
        hit = self._memory.get(mem_key)
        if hit is not None:
            return hit
        item = self._read(directory / self.folder / f"{key}.json")
        if item is not None:
            self._memory.put(mem_key, item)
        return item

    def get_or_draw(self, directory: Path, key: str, draw: Callable[[], T]) -> T:
        """The piece, drawn by ``draw()`` (once per process at a time) when not stored."""
        item = self.cached(directory, key)
        if item is not None:
            return item
        mem_key = f"{directory}:{key}"
        with self._lock:
            gate = self._drawing.setdefault(mem_key, threading.Lock())
        with gate:
            item = self.cached(directory, key)
            if item is None:
                item = draw()
                self._write(directory / self.folder / f"{key}.json", item)
                self._memory.put(mem_key, item)
        with self._lock:
            self._drawing.pop(mem_key, None)
        return item

    def store(self, directory: Path, key: str, item: T) -> None:
        """Write a piece drawn ahead of time to disk, for every process to read."""
        self._write(directory / self.folder / f"{key}.json", item)

    def clear(self) -> None:
        """Forget what this process holds (the disk copies stay)."""
        self._memory.clear()

    def _read(self, path: Path) -> T | None:
        try:
            return self.kind(**json.loads(path.read_text(encoding="utf-8")))
        except (FileNotFoundError, json.JSONDecodeError, TypeError):
            return None

    @staticmethod
    def _write(path: Path, item: object) -> None:
        """Write atomically, so a concurrent reader never sees half a file."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_text(json.dumps(asdict(item)), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:  # a read-only or vanished cache directory only costs a redraw
            pass
