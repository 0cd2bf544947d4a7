"""The sandbox's WSGI app with default settings and no access log, for
serving it with other WSGI servers (``--servers``): ``bench.sandbox_wsgi:app``.
"""

from __future__ import annotations

import inspect

from mockserver.app import create_app
from mockserver.config import Config


def has_fault_switch() -> bool:
    """Whether ``create_app`` can leave the fault engine out."""
    return "fault_engine" in inspect.signature(create_app).parameters


def make_app(fault_engine: bool = True):
    config = Config(log_requests=False)
    if fault_engine or not has_fault_switch():
        return create_app(config)
    return create_app(config, fault_engine=False)


def __getattr__(name: str):
    # ``app`` is built on first use: importing this module must not seed a store.
    if name == "app":
        return make_app()
    raise AttributeError(name)
