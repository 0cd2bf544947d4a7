"""The notification service's answers: every kind of error has a real status and
Zuora's body for it (400: code, message, reasons; otherwise reasons)."""

from __future__ import annotations

import json

import pytest

from mockserver.domain import errors
from mockserver.domain.errors import Kind, Problem, Refusal
from mockserver.faces.notifications.errors import NotificationErrors

RENDER = NotificationErrors().render
LOCKING = {Kind.IDEMPOTENCY_KEY_IN_USE: 409, Kind.IDEMPOTENCY_KEY_REUSED: 422}


@pytest.mark.parametrize("kind", [*Kind])
def test_every_business_rule_is_a_400_a_404_or_a_locking_status(kind):
    status, headers, body = RENDER(errors.ZuoraError(Problem(kind, "name", "m"), kind=kind))
    expected = 404 if kind == Kind.NOT_FOUND else LOCKING.get(kind, 400)
    assert status == expected
    assert ("Content-Type", "application/json") in headers
    document = json.loads(body)
    assert document["reasons"] == [{"code": document["reasons"][0]["code"], "message": "m"}]
    assert len(document["reasons"][0]["code"]) == 8
    if status == 400:
        assert (document["code"], document["message"]) == (int(document["reasons"][0]["code"]), "m")
    else:
        assert set(document) == {"reasons"}


@pytest.mark.parametrize("kind", [*Refusal])
def test_every_refusal_has_a_status_and_a_message(kind):
    status, _, body = RENDER(errors.ZuoraError(kind=kind))
    assert 400 <= status < 600
    document = json.loads(body)
    if kind == Refusal.UNAUTHORIZED:
        assert (status, document) == (401, {"message": "Authentication error"})
    else:
        assert document["reasons"][0]["message"]


def test_every_problem_of_a_bad_request_is_a_reason_and_the_message_joins_them():
    error = errors.InvalidRequest(
        [Problem(Kind.MISSING_PARAMETER, "name", "'name' is required"),
         Problem(Kind.INVALID_PARAMETER, "condition", "'condition' is not valid")]
    )  # fmt: skip
    status, _, body = RENDER(error)
    document = json.loads(body)
    assert status == 400
    assert document["message"] == "'name' is required; 'condition' is not valid"
    assert [r["code"] for r in document["reasons"]] == ["50000022", "50000020"]
    assert document["code"] == 50000022


def test_a_body_of_another_media_type_is_a_415():
    status, _, _ = RENDER(errors.UnsupportedMediaType("Content-Type", "send JSON"))
    assert status == 415
