"""Bearer tokens: which ones the sandbox accepts, and the ones it issues.

(sandbox rule) In ``any`` mode every non-empty token is accepted. In
``strict`` mode only tokens issued by ``POST /oauth/token`` (until they
expire) and tokens given in the configuration are.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

SCOPE = "entity.sandbox platform.write service.billing.read service.billing.write"


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
    def __init__(self, strict: bool, configured=(), ttl: int = 3600, clock=time.monotonic):
        self.strict = strict
        self.ttl = ttl
        self._configured = frozenset(configured)
        self._issued: dict[str, float] = {}
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
            self._issued = {t: e for t, e in self._issued.items() if e > now}
            self._issued[token] = now + self.ttl
        return IssuedToken(token, self.ttl - 1, secrets.token_hex(16))
