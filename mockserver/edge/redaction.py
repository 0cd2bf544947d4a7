"""Secrets as the sandbox shows them: a bearer token (and a per-token tenant's
key, which is one) keeps only its last four characters, enough to tell tokens
apart in the journal and the access log."""

from __future__ import annotations

REDACTED_TAIL = 4


def masked(secret: str) -> str:
    """``abcdef4242`` -> ``****4242``; ``****`` alone for a short one."""
    return f"****{secret[-REDACTED_TAIL:]}" if len(secret) > 2 * REDACTED_TAIL else "****"


def redact(authorization: str) -> str:
    """``Bearer abcdef4242`` -> ``Bearer ****4242``: the scheme stays."""
    scheme, _, secret = authorization.partition(" ")
    if not secret:
        scheme, secret = "", scheme
    return f"{scheme} {masked(secret)}".lstrip()
