"""Admission control units: the per-client token buckets and the bounded concurrency slots."""

from __future__ import annotations

import pytest

from service.errors import RateLimited
from service.limits import RateLimiter


def _limited(limiter: RateLimiter, client: str) -> bool:
    try:
        limiter.check(client)
    except RateLimited:
        return True
    return False


def test_hardening_16_full_table_never_unthrottles_a_limited_client() -> None:
    limiter = RateLimiter(2)  # the default table size
    assert [_limited(limiter, "ip:victim-or-attacker") for _ in range(3)] == [False, False, True]
    # 10,050 made-up identities used to evict the whole table, resetting everyone's bucket.
    for i in range(10_050):
        limiter.check(f"ip:198.51.{i // 256}.{i % 256}")
    assert _limited(limiter, "ip:victim-or-attacker")


def test_hardening_16_table_stays_bounded_and_drops_refilled_buckets_first() -> None:
    limiter = RateLimiter(60, max_clients=100)
    assert all(not _limited(limiter, f"ip:10.0.0.{i}") for i in range(100))
    for _ in range(60):
        limiter.check("ip:busy")
    assert _limited(limiter, "ip:busy")
    for i in range(1000):
        limiter.check(f"ip:172.16.{i // 256}.{i % 256}")
    assert len(limiter) <= 100
    assert _limited(limiter, "ip:busy")  # recently used and not refilled: kept


def test_hardening_16_refilled_buckets_are_evicted_before_used_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr("service.limits.time.monotonic", lambda: now[0])
    limiter = RateLimiter(6, max_clients=3)
    for _ in range(6):
        limiter.check("ip:heavy")  # empty bucket, refills in 60 s
    limiter.check("ip:light-1")
    limiter.check("ip:light-2")
    now[0] += 30  # light buckets are full again; heavy is half full
    limiter.check("ip:new")
    assert "ip:heavy" in limiter
    assert len(limiter) == 3
