"""The sandbox's WSGI app with default settings and no access log, for
serving it with other WSGI servers (``--servers``): ``bench.sandbox_wsgi:app``.

``make_app(idle_faults=True)`` is the baseline for the fault engine's cost:
the same app with the engine idle (no rules, ``X-Mock-Fault`` off, no
gateway timeout), so the engine only passes the request on.
"""

from __future__ import annotations

from dataclasses import fields

from mockserver.app import create_app
from mockserver.config import Config

IDLE_FAULTS = {"fault_header": False, "gateway_timeout": 0}


def can_idle_faults() -> bool:
    """Whether this version's config can idle the fault engine."""
    return set(IDLE_FAULTS) <= {f.name for f in fields(Config)}


def idle_faults_config(**settings) -> Config:
    return Config(**settings, **IDLE_FAULTS)


def make_app(idle_faults: bool = False):
    if idle_faults and can_idle_faults():
        return create_app(idle_faults_config(log_requests=False))
    return create_app(Config(log_requests=False))


def __getattr__(name: str):
    # ``app`` is built on first use: importing this module must not seed a store.
    if name == "app":
        return make_app()
    raise AttributeError(name)
