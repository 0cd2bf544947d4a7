"""What a firing rule does instead of (or to) the app's answer: one small class
per action behind one interface, and a registry by the name rules use.

``perform(exchange, real)`` returns the WSGI body the client gets; ``real``
is the app's answer when the app ran (``stage=after``, or an action that only
changes how the answer travels), else None. ``replaces`` says whether the
action stands in for the app's answer; one that doesn't (``slow_body``
without a ``status``) lets the operation happen at either stage.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Protocol

from mockserver.faults.exchange import Answer, Exchange, Hold

# What ``malformed`` cuts when there is no real answer to cut (stage=before).
PLACEHOLDER_BODY = b'{"id": "00000000000000000000000000000000", "success": true}'
DEFAULT_BYTES_PER_S = 200


class Action(Protocol):
    name: ClassVar[str]
    options: ClassVar[frozenset[str]]  # the rule keys this action takes
    replaces: bool

    def perform(self, exchange: Exchange, real: Answer | None) -> Iterable[bytes]: ...


@dataclass(frozen=True, slots=True)
class Status:
    """Zuora's envelope for an error status (the ``status`` key on its own)."""

    name: ClassVar[str] = "status"
    options: ClassVar[frozenset[str]] = frozenset({"status", "retry_after"})
    replaces: ClassVar[bool] = True
    status: int
    retry_after: int | None = None

    def perform(self, exchange: Exchange, real: Answer | None) -> Iterable[bytes]:
        return exchange.respond(Answer.envelope(self.status, self.retry_after))


@dataclass(frozen=True, slots=True)
class Timeout:
    """No answer: a 504 at the gateway timeout, unless the client hangs up first."""

    name: ClassVar[str] = "timeout"
    options: ClassVar[frozenset[str]] = frozenset()
    replaces: ClassVar[bool] = True

    def perform(self, exchange: Exchange, real: Answer | None) -> Iterable[bytes]:
        if exchange.hold_until_hangup() is Hold.DEADLINE:
            return exchange.gateway_timeout()
        return exchange.close()


@dataclass(frozen=True, slots=True)
class Reset:
    """A TCP reset instead of an answer."""

    name: ClassVar[str] = "reset"
    options: ClassVar[frozenset[str]] = frozenset()
    replaces: ClassVar[bool] = True

    def perform(self, exchange: Exchange, real: Answer | None) -> Iterable[bytes]:
        return exchange.reset()


@dataclass(frozen=True, slots=True)
class Empty:
    """The connection closed without a byte of answer."""

    name: ClassVar[str] = "empty"
    options: ClassVar[frozenset[str]] = frozenset()
    replaces: ClassVar[bool] = True

    def perform(self, exchange: Exchange, real: Answer | None) -> Iterable[bytes]:
        return exchange.close()


@dataclass(frozen=True, slots=True)
class Malformed:
    """A well-formed HTTP answer (200 unless ``status``) whose JSON body is cut in half."""

    name: ClassVar[str] = "malformed"
    options: ClassVar[frozenset[str]] = frozenset({"status"})
    replaces: ClassVar[bool] = True
    status: int | None = None

    def perform(self, exchange: Exchange, real: Answer | None) -> Iterable[bytes]:
        if real is not None and real.json_text().strip():
            whole = real.json_text().strip()
        elif self.status is not None:
            whole = Answer.envelope(self.status).body
        else:
            whole = PLACEHOLDER_BODY
        return exchange.respond(Answer.json(self.status or 200, whole[: len(whole) // 2]))


@dataclass(frozen=True, slots=True)
class SlowBody:
    """The answer's body trickles out at ``bytes_per_s``: the real one, or ``status``'s envelope."""

    name: ClassVar[str] = "slow_body"
    options: ClassVar[frozenset[str]] = frozenset({"status", "retry_after", "bytes_per_s"})
    bytes_per_s: float = DEFAULT_BYTES_PER_S
    status: int | None = None
    retry_after: int | None = None

    @property
    def replaces(self) -> bool:
        return self.status is not None

    def perform(self, exchange: Exchange, real: Answer | None) -> Iterable[bytes]:
        exchange.trickle_bytes_per_s = self.bytes_per_s
        if self.status is not None:
            return exchange.respond(Answer.envelope(self.status, self.retry_after))
        return exchange.respond(real)


ACTIONS: dict[str, type] = {
    action.name: action for action in (Timeout, Reset, Empty, Malformed, SlowBody)
}
