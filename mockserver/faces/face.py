"""What a face is: the paths it owns, its blueprints, and how it answers errors.

A face is one of Zuora's APIs as the sandbox speaks it (v2's Quickstart,
later v1's REST). ``create_app`` registers its faces; the gateway, the fault
engine, the operation resolver and ``--latency`` iterate over them and take
a face's ``ErrorRenderer`` from here, so none of them imports a face.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple, Protocol

from mockserver.domain.errors import ZuoraError

if TYPE_CHECKING:
    from flask import Blueprint


class ErrorAnswer(NamedTuple):
    """An error as a face answers it: status, headers (Content-Type included), body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


class ErrorRenderer(Protocol):
    def render(self, error: ZuoraError, request_id: str | None = None) -> ErrorAnswer:
        """The face's answer to ``error``; ``request_id`` is the Zuora-Request-Id."""
        ...


def fact_headers(error: ZuoraError) -> list[tuple[str, str]]:
    """The facts an error carries that HTTP says in headers: Retry-After, Allow."""
    headers = []
    if error.retry_after is not None:
        headers.append(("Retry-After", str(error.retry_after)))
    if error.allowed is not None:
        headers.append(("Allow", ", ".join(error.allowed)))
    return headers


@dataclass(frozen=True)
class Face:
    """One API: ``prefixes`` are the paths it owns (``/v2``: everything under
    ``/v2/``); ``takes_latency`` says whether ``--latency`` slows them; ``authenticates``
    whether the gateway checks their bearer token."""

    name: str
    prefixes: tuple[str, ...]
    blueprints: tuple[Blueprint, ...]
    errors: ErrorRenderer
    takes_latency: bool = True
    authenticates: bool = True  # its requests carry a bearer token, checked first
    latency_prefixes: tuple[str, ...] | None = None
    _starts: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "_starts", tuple(prefix + "/" for prefix in self.prefixes))

    def owns(self, path: str) -> bool:
        return path.startswith(self._starts)

    @property
    def latency_paths(self) -> tuple[str, ...]:
        if not self.takes_latency:
            return ()
        return tuple(f"{prefix}/**" for prefix in self.latency_prefixes or self.prefixes)

    @property
    def blueprint_names(self) -> frozenset[str]:
        return frozenset(blueprint.name for blueprint in self.blueprints)


class Faces:
    """The faces an app serves, in the order they were registered; ``fallback``
    answers errors on the paths no face owns (the control plane, unknown routes)."""

    def __init__(self, *faces: Face, fallback: ErrorRenderer):
        self._faces = faces
        self.fallback = fallback
        self._by_blueprint = {name: face for face in faces for name in face.blueprint_names}

    def __iter__(self) -> Iterator[Face]:
        return iter(self._faces)

    def owner(self, path: str) -> Face | None:
        """The face whose paths ``path`` is among, if any."""
        for face in self._faces:
            if face.owns(path):
                return face
        return None

    def errors_for(self, path: str) -> ErrorRenderer:
        face = self.owner(path)
        return face.errors if face is not None else self.fallback

    def serves_endpoint(self, endpoint: str) -> bool:
        """Whether a Flask endpoint (``blueprint.view``) is one of a face's operations."""
        return endpoint.partition(".")[0] in self._by_blueprint
