"""Issued tokens (strict auth): expired ones are pruned and the live ones are
bounded, so a client that fetches a token per request can't fill the memory.
Time is injected."""

from __future__ import annotations

from mockserver.tenancy.auth import TokenRegistry


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_expired_tokens_are_pruned_when_the_next_is_issued():
    clock = FakeClock()
    registry = TokenRegistry(strict=True, ttl=60, clock=clock)
    old = [registry.issue().access_token for _ in range(50)]
    clock.now += 61

    fresh = registry.issue().access_token

    assert len(registry) == 1
    assert registry.accepts(fresh)
    assert not any(registry.accepts(token) for token in old)


def test_issuing_past_the_cap_retires_the_oldest_token():
    registry = TokenRegistry(strict=True, ttl=3600, clock=FakeClock(), max_live=3)
    first, second, third, fourth = (registry.issue().access_token for _ in range(4))

    assert len(registry) == 3
    assert not registry.accepts(first)
    assert all(registry.accepts(token) for token in (second, third, fourth))


def test_configured_tokens_are_not_counted_and_never_retired():
    registry = TokenRegistry(strict=True, configured=["ci-token"], clock=FakeClock(), max_live=1)
    for _ in range(5):
        registry.issue()

    assert len(registry) == 1
    assert registry.accepts("ci-token")
