"""Values a process keeps between requests and drops everywhere when their rows change
(issue 7): the business calendars, the active SLA policies, the work queue's filter lists.

Each ``KeptValues`` stamps what it keeps with a *generation* held in Django's cache; a write
of the rows behind it calls ``changed()`` (from a model signal or the service doing a bulk
write), which bumps the generation once the transaction commits, so every process sharing
the cache (``CACHE_URL``) reloads on its next read. Inside a transaction that changed the
rows and has not committed, the cache is bypassed: that transaction sees its own rows and
nothing uncommitted is kept. Without a shared cache (the default per-process memory) an
entry also expires after the TTL setting's seconds, which bounds how long another process's
change waits; a TTL of 0 turns the cache off.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction


class KeptValues:
    def __init__(self, name: str, ttl_setting: str, default_ttl: float = 60):
        self.generation_key = f"aftersales:{name}:generation"
        self.ttl_setting, self.default_ttl = ttl_setting, default_ttl
        self._entries: dict[Any, tuple[int, float, Any]] = {}

    def ttl(self) -> float:
        return float(getattr(settings, self.ttl_setting, self.default_ttl))

    def changed(self, *_args, **_kwargs) -> None:
        """The rows behind the kept values changed: drop them once the write commits (at
        once outside a transaction). Signature of a signal receiver."""
        transaction.on_commit(self.bump, robust=True)

    def bump(self) -> None:
        self._entries.clear()
        try:
            cache.incr(self.generation_key)
        except ValueError:
            # Not there yet (or evicted): a value nothing was stored under.
            cache.set(self.generation_key, time.time_ns(), timeout=None)

    def generation(self) -> int:
        generation = cache.get(self.generation_key)
        if generation is None:
            cache.add(self.generation_key, time.time_ns(), timeout=None)
            generation = cache.get(self.generation_key, 0)
        return generation

    def bypassed(self, using: str = "default") -> bool:
        """True when nothing may be kept or read: the cache is off, or this transaction
        changed the rows and has not committed."""
        if self.ttl() <= 0:
            return True
        connection = connections[using]
        return connection.in_atomic_block and any(
            func == self.bump for _sids, func, _robust in connection.run_on_commit
        )

    def get(self, key, load: Callable[[], Any], using: str = "default") -> Any:
        """The value kept under ``key`` while no change has committed since it was loaded,
        else ``load()`` (kept for the next read unless bypassed). Shared: read it, never
        change it."""
        if self.bypassed(using):
            return load()
        generation, now = self.generation(), time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and hit[0] == generation and hit[1] > now:
            return hit[2]
        value = load()
        self._entries[key] = (generation, now + self.ttl(), value)
        return value

    def forget(self, key) -> None:
        self._entries.pop(key, None)
