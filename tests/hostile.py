"""Helpers of the hostile-input suite: a refusal is a 4xx envelope naming the
parameter, answered in bounded time, and the store is the same afterwards."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import requests

ANSWER_CEILING_S = 20  # a generous ceiling on "answered at all", not a speed assertion


def assert_refused(response: requests.Response, parameter: str, status: int = 400) -> dict:
    """A Zuora error envelope with this status whose errors name ``parameter``."""
    assert response.status_code == status, response.text
    envelope = response.json()
    assert envelope["retryable"] is False
    named = [error["parameter"] for error in envelope["errors"]]
    assert parameter in named, envelope
    return envelope


@contextlib.contextmanager
def store_unchanged(zuora_mock) -> Iterator[None]:
    """The whole store (``GET /__mock/state``) is the same after the block."""
    before = zuora_mock.state
    yield
    assert zuora_mock.state == before
