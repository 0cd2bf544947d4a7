"""Bearer tokens: which ones the sandbox accepts, and the ones it issues.

(sandbox rule) In ``any`` mode every non-empty token is accepted. In
``strict`` mode only tokens issued by ``POST /oauth/token`` (until they
expire) and tokens given in the configuration are. (sandbox rule) At most
``MAX_LIVE_TOKENS`` issued tokens live at once: issuing one more retires the
oldest, so a client that fetches a token per request can't fill the memory.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

SCOPE = "entity.sandbox platform.write service.billing.read service.billing.write"
MAX_LIVE_TOKENS = 10_000


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in: int
    jti: str

    def to_wire(self) -> dict:
        return {
            "access_token": self.access_token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "scope": SCOPE,
            "jti": self.jti,
        }


def bearer_token(authorization: str) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header value, if it is one."""
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


class TokenRegistry:
    def __init__(
        self,
        strict: bool,
        configured=(),
        ttl: int = 3600,
        clock=time.monotonic,
        max_live: int = MAX_LIVE_TOKENS,
    ):
        self.strict = strict
        self.ttl = ttl
        self.max_live = max_live
        self._configured = frozenset(configured)
        self._issued: dict[str, float] = {}  # in the order issued, so also of expiry
        self._clock = clock
        self._lock = threading.Lock()

    def accepts(self, token: str) -> bool:
        if not self.strict or token in self._configured:
            return True
        expires = self._issued.get(token)
        return expires is not None and expires > self._clock()

    def issue(self) -> IssuedToken:
        token = secrets.token_hex(16)
        now = self._clock()
        with self._lock:
            issued = self._issued
            while issued and (len(issued) >= self.max_live or next(iter(issued.values())) <= now):
                del issued[next(iter(issued))]  # the oldest: expired, or retired for room
            issued[token] = now + self.ttl
        return IssuedToken(token, self.ttl - 1, secrets.token_hex(16))

    def __len__(self) -> int:
        """Issued tokens kept (expired ones go when the next is issued)."""
        return len(self._issued)
