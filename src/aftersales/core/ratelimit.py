"""A small per-client rate limit on Django's cache, for the public pages and API.

Fixed windows: "5/h" allows five counted hits per key in each clock hour. The count
lives in the ``default`` cache. With Django's default local-memory cache every server
process counts on its own (fine for ``aftersales serve`` on one machine); several app
servers need a shared cache (CACHES pointing at Redis, or a DatabaseCache).
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_PATTERN = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])[a-z]*\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int


def parse_rate(text: str) -> Rate:
    """Read a rate: "5/h" is 5 per hour, "20/10m" 20 per ten minutes (units s, m, h, d)."""
    match = RATE_PATTERN.match(str(text or ""))
    if not match:
        raise ValueError(f"not a rate: {text!r} (write it like '5/h' or '20/10m')")
    limit, count, unit = match.groups()
    seconds = int(count or 1) * UNIT_SECONDS[unit.lower()]
    if seconds <= 0:
        raise ValueError(f"not a rate: {text!r} (the window must be longer than 0)")
    return Rate(limit=int(limit), seconds=seconds)


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, unless a setting says a proxy of ours is in front.

    With AFTERSALES_TRUST_X_FORWARDED_FOR on, the last address of X-Forwarded-For is
    used: the one our own proxy appended (the ones before it are the client's word).
    """
    if getattr(settings, "AFTERSALES_TRUST_X_FORWARDED_FOR", False):
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if hops:
            return hops[-1][:64]
    return (request.META.get("REMOTE_ADDR") or "")[:64]


def _now() -> float:
    return time.time()


class RateLimit:
    """A named limit whose rate comes from a setting (read at use, not at import)."""

    def __init__(self, scope: str, setting: str, default: str):
        self.scope = scope
        self.setting = setting
        self.default = default

    @property
    def rate(self) -> Rate:
        return parse_rate(getattr(settings, self.setting, self.default))

    def _cache_key(self, key: str, rate: Rate, now: float) -> str:
        window = int(now // rate.seconds)
        # Hashed: any client text (an IPv6 address, a header) makes a safe cache key.
        digest = hashlib.sha256(str(key).encode()).hexdigest()[:32]
        return f"ratelimit:{self.scope}:{rate.seconds}:{window}:{digest}"

    def count(self, key: str) -> int:
        """Hits counted for key in the current window."""
        rate = self.rate
        return int(cache.get(self._cache_key(key, rate, _now()), 0))

    def exceeded(self, key: str) -> bool:
        """True when key has used up its hits in this window (nothing is counted)."""
        return self.count(key) >= self.rate.limit

    def hit(self, key: str) -> int:
        """Count one hit for key; returns the count in the window so far."""
        rate = self.rate
        cache_key = self._cache_key(key, rate, _now())
        # add() is a no-op when the key exists; incr() is atomic in shared caches.
        cache.add(cache_key, 0, timeout=rate.seconds + 1)
        try:
            return cache.incr(cache_key)
        except ValueError:  # expired between add() and incr()
            cache.set(cache_key, 1, timeout=rate.seconds + 1)
            return 1

    def allow(self, key: str) -> bool:
        """Count one hit and say whether it is within the limit."""
        return self.hit(key) <= self.rate.limit

    def retry_after(self) -> int:
        """Seconds until the current window ends."""
        seconds = self.rate.seconds
        return max(1, seconds - int(_now() % seconds))
