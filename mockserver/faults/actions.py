"""What a firing rule does instead of (or to) the app's answer: one small class
per action behind one interface, and a registry by the name rules use.

``perform(exchange, real)`` returns the WSGI body the client gets; ``real``
is the app's answer when the app ran (``stage=after``, or an action that only
changes how the answer travels), else None. ``replaces`` says whether the
action stands in for the app's answer; one that doesn't (``slow_body``
without a ``status``) lets the operation happen at either stage.

Each action declares its rule keys once, with their parsers (``options``),
and registers itself by name (``@action``); the rule vocabulary is derived
from the registry (``option_parsers``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar, Protocol

from mockserver.domain.errors import HttpStatus, RateLimited, ZuoraError
from mockserver.faults.exchange import Answer, Exchange, Hold
from mockserver.faults.values import Parser, error_status, positive, seconds

# What ``malformed`` cuts when there is no real answer to cut (stage=before).
PLACEHOLDER_BODY = b'{"id": "00000000000000000000000000000000", "success": true}'
DEFAULT_BYTES_PER_S = 200
DEFAULT_RETRY_AFTER = 1


class Action(Protocol):
    name: ClassVar[str]
    options: ClassVar[Mapping[str, Parser]]  # the rule keys this action takes, parsed so
    replaces: bool

    def perform(self, exchange: Exchange, real: Answer | None) -> Iterable[bytes]: ...


ACTIONS: dict[str, type[Action]] = {}  # by the name the ``action`` key gives


def action(cls: type[Action]) -> type[Action]:
    """Register an action under its ``name``, for ``action=<name>``."""
    ACTIONS[cls.name] = cls
    return cls


def status_error(status: int, retry_after: int | None = None) -> ZuoraError:
    """What a rule's ``status`` answers: 429 is a rate limit; 429 and 503 say
    ``retry_after`` (1 second unless given)."""
    if status == 429:
        return RateLimited(retry_after or DEFAULT_RETRY_AFTER)
    if status == 503:
        return HttpStatus(status, retry_after=retry_after or DEFAULT_RETRY_AFTER)
    return HttpStatus(status)


@dataclass(frozen=True, slots=True)
class Status:
    """The face's error answer for a status (the ``status`` key on its own)."""

    name: ClassVar[str] = "status"
    options: ClassVar[Mapping[str, Parser]] = {"status": error_status, "retry_after": seconds}
    replaces: ClassVar[bool] = True
    status: int
    retry_after: int | None = None

    def perform(self, exchange: Exchange, real: Answer | None) -> Iterable[bytes]:
        return exchange.respond(exchange.refusal(status_error(self.status, self.retry_after)))


@action
@dataclass(frozen=True, slots=True)
class Timeout:
    """No answer: a 504 at the gateway timeout, unless the client hangs up first."""

    name: ClassVar[str] = "timeout"
    options: ClassVar[Mapping[str, Parser]] = {}
    replaces: ClassVar[bool] = True

    def perform(self, exchange: Exchange, real: Answer | None) -> Iterable[bytes]:
        if exchange.hold_until_hangup() is Hold.DEADLINE:
            return exchange.gateway_timeout()
        return exchange.close()


@action
@dataclass(frozen=True, slots=True)
class Reset:
    """A TCP reset instead of an answer."""

    name: ClassVar[str] = "reset"
    options: ClassVar[Mapping[str, Parser]] = {}
    replaces: ClassVar[bool] = True

    def perform(self, exchange: Exchange, real: Answer | None) -> Iterable[bytes]:
        return exchange.reset()


@action
@dataclass(frozen=True, slots=True)
class Empty:
    """The connection closed without a byte of answer."""

    name: ClassVar[str] = "empty"
    options: ClassVar[Mapping[str, Parser]] = {}
    replaces: ClassVar[bool] = True

    def perform(self, exchange: Exchange, real: Answer | None) -> Iterable[bytes]:
        return exchange.close()


@action
@dataclass(frozen=True, slots=True)
class Malformed:
    """A well-formed HTTP answer (200 unless ``status``) whose JSON body is cut in half."""

    name: ClassVar[str] = "malformed"
    options: ClassVar[Mapping[str, Parser]] = {"status": error_status}
    replaces: ClassVar[bool] = True
    status: int | None = None

    def perform(self, exchange: Exchange, real: Answer | None) -> Iterable[bytes]:
        if real is not None and real.json_text().strip():
            whole = real.json_text().strip()
        elif self.status is not None:
            whole = exchange.refusal(status_error(self.status)).body
        else:
            whole = PLACEHOLDER_BODY
        return exchange.respond(Answer.json(self.status or 200, whole[: len(whole) // 2]))


@action
@dataclass(frozen=True, slots=True)
class SlowBody:
    """The answer's body trickles out at ``bytes_per_s``: the real one, or ``status``'s error."""

    name: ClassVar[str] = "slow_body"
    options: ClassVar[Mapping[str, Parser]] = {
        "status": error_status,
        "retry_after": seconds,
        "bytes_per_s": positive,
    }
    bytes_per_s: float = DEFAULT_BYTES_PER_S
    status: int | None = None
    retry_after: int | None = None

    @property
    def replaces(self) -> bool:
        return self.status is not None

    def perform(self, exchange: Exchange, real: Answer | None) -> Iterable[bytes]:
        exchange.trickle_bytes_per_s = self.bytes_per_s
        if self.status is not None:
            return exchange.respond(exchange.refusal(status_error(self.status, self.retry_after)))
        return exchange.respond(real)


def option_parsers(actions: Iterable[type[Action]]) -> dict[str, Parser]:
    """Every option key the actions declare, in order, each with its one parser."""
    parsers: dict[str, Parser] = {}
    for cls in actions:
        for key, parser in cls.options.items():
            if parsers.setdefault(key, parser) is not parser:
                raise TypeError(f"{cls.__name__} parses '{key}' unlike another action")
    return parsers


OPTION_PARSERS = option_parsers((Status, *ACTIONS.values()))
