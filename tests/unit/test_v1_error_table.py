"""The v1 face's one table: every kind of error has an answer in v1's envelope."""

from __future__ import annotations

import json

import pytest

from mockserver.domain import errors
from mockserver.domain.errors import Kind, Problem, Refusal
from mockserver.faces.v1.errors import ANSWERS, FIELD_CODES, RestErrors, reason_code

RENDER = RestErrors().render


@pytest.mark.parametrize("kind", [*Kind, *Refusal])
def test_every_kind_has_a_row(kind):
    assert kind in ANSWERS


@pytest.mark.parametrize("kind", [*Kind])
def test_every_business_rule_is_http_200_with_success_false_or_a_locking_status(kind):
    status, _, body = RENDER(errors.ZuoraError(Problem(kind, "accountId", "m"), kind=kind))
    document = json.loads(body)
    assert status in (200, 409, 422)
    assert document["success"] is False and document["requestId"]
    assert len(str(document["reasons"][0]["code"])) == 8


@pytest.mark.parametrize(
    ("field", "kind", "code"),
    [
        ("items[3].price_id", Kind.INVALID_PARAMETER, 50000420),
        ("debit_memos[1].amount", Kind.AMOUNT_EXCEEDS_BALANCE, 50002630),
        ("charges[0].color", Kind.UNKNOWN_FIELD, 50000021),
        ("id", Kind.NOT_FOUND, 50000040),
        ("state", Kind.INVALID_STATE, 50000030),
        ("body", Kind.INVALID_PARAMETER, 50000090),
        ("pageSize", Kind.INVALID_QUERY_PARAMETER, 50002927),
    ],
)
def test_reason_codes_are_the_fields_resource_code_then_the_category(field, kind, code):
    assert reason_code(Problem(kind, field, "m")) == code


def test_resource_codes_are_unique():
    assert len(set(FIELD_CODES.values())) == len(FIELD_CODES)


def test_401_is_zuoras_authentication_error():
    status, headers, body = RENDER(errors.Unauthorized())
    assert (status, json.loads(body)) == (401, {"message": "Authentication error"})
    assert dict(headers)["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (errors.RateLimited(3), 429, 50000070),
        (errors.GatewayTimeout(), 504, 50000060),
        (errors.HttpStatus(503), 503, 50000060),
        (errors.MethodNotAllowed(["GET"]), 405, 50000045),
        (errors.NoSuchRoute(), 404, 50000040),
    ],
)
def test_limits_faults_and_routing_keep_their_status(error, status, code):
    answer_status, _, body = RENDER(error, "req-1")
    document = json.loads(body)
    assert (answer_status, document["reasons"][0]["code"], document["requestId"]) == (
        status, code, "req-1",
    )  # fmt: skip
