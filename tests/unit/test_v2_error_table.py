"""The v2 face's one table: every kind of error has an answer, in Zuora's envelope."""

from __future__ import annotations

import json

import pytest

from mockserver.domain import errors
from mockserver.domain.errors import Kind, Problem, Refusal
from mockserver.faces.face import Face, Faces
from mockserver.faces.v2.errors import ANSWERS, QuickstartErrors

RENDER = QuickstartErrors().render


def rendered(error: errors.ZuoraError) -> tuple[int, dict, dict]:
    status, headers, body = RENDER(error)
    return status, dict(headers), json.loads(body)


@pytest.mark.parametrize("kind", [*Kind, *Refusal])
def test_every_kind_has_a_row(kind):
    assert kind in ANSWERS
    assert ANSWERS[kind].code


@pytest.mark.parametrize("kind", [*Kind, *Refusal])
def test_every_kind_renders_an_envelope_with_an_error_status(kind):
    error = errors.HttpStatus(418) if kind is Refusal.HTTP_STATUS else errors.ZuoraError(kind=kind)
    status, headers, envelope = rendered(error)
    assert 400 <= status <= 599
    assert headers["Content-Type"] == "application/json"
    assert set(envelope) == {"type", "errors", "retryable"}
    assert envelope["retryable"] is (status in (429, 500, 502, 503, 504))


@pytest.mark.parametrize(
    ("error", "status", "code", "parameter"),
    [
        (errors.InvalidParameter("amount", "bad"), 400, "invalid_parameter", "amount"),
        (errors.MissingParameter("items"), 400, "missing_parameter", "items"),
        (errors.NotFound("DM1"), 404, "resource_not_found", "id"),
        (errors.InvalidState("posted", "post"), 400, "invalid_state", "state"),
        (errors.AmountExceedsBalance(5, 3), 400, "amount_exceeds_balance", "amount"),
        (errors.CurrencyMismatch("currency", "EUR", "USD"), 400, "currency_mismatch", "currency"),
        (errors.IdTaken("id", "taken"), 409, "invalid_parameter", "id"),
        (errors.IdempotencyKeyInUse(), 409, "idempotency_key_in_use", "Idempotency-Key"),
        (errors.IdempotencyKeyReused(), 422, "idempotency_key_reused", "Idempotency-Key"),
        (errors.NoSuchRoute(), 404, "resource_not_found", "path"),
        (errors.PayloadTooLarge("too big"), 413, "invalid_parameter", "body"),
        (errors.UnsupportedMediaType("Accept", "x"), 415, "invalid_parameter", "Accept"),
        (errors.TenantLimitReached(3), 429, "tenant_limit_reached", "Authorization"),
    ],
)
def test_each_error_has_its_status_and_one_detail(error, status, code, parameter):
    got_status, _, envelope = rendered(error)
    assert got_status == status
    assert envelope["errors"] == [
        {"code": code, "parameter": parameter, "message": error.problems[0].message}
    ]


def test_a_detail_says_the_domain_message():
    _, _, envelope = rendered(errors.InvalidState("posted", "post", "it is posted"))
    assert envelope == {
        "type": "bad_request",
        "errors": [
            {
                "code": "invalid_state",
                "parameter": "state",
                "message": "Cannot post a debit memo in state 'posted': it is posted",
            }
        ],
        "retryable": False,
    }


@pytest.mark.parametrize(
    ("error", "status", "type_"),
    [
        (errors.Unauthorized(), 401, "unauthorized"),
        (errors.MethodNotAllowed(["POST", "GET"]), 405, "method_not_allowed"),
        (errors.GatewayTimeout(), 504, "gateway_timeout"),
        (errors.Internal(), 500, "internal_server_error"),
        (errors.HttpStatus(502), 502, "bad_gateway"),
        (errors.HttpStatus(418), 418, "i'm_a_teapot"),
    ],
)
def test_refusals_without_a_field_have_no_details(error, status, type_):
    got_status, _, envelope = rendered(error)
    assert (got_status, envelope["type"], envelope["errors"]) == (status, type_, [])


def test_a_rate_limit_has_no_parameter_and_says_when_to_retry():
    status, headers, envelope = rendered(errors.RateLimited(7))
    assert status == 429
    assert headers["Retry-After"] == "7"
    assert envelope == {
        "type": "too_many_requests",
        "errors": [{"code": "rate_limit_exceeded", "message": "Too many requests; retry later"}],
        "retryable": True,
    }


def test_method_not_allowed_lists_the_allowed_methods_sorted():
    _, headers, _ = rendered(errors.MethodNotAllowed(["POST", "GET"]))
    assert headers["Allow"] == "GET, POST"


def test_a_validation_error_lists_every_problem_in_order():
    error = errors.InvalidRequest(
        [
            Problem(Kind.MISSING_PARAMETER, "account_id", "'account_id' is required"),
            Problem(Kind.INVALID_PARAMETER, "items[0].amount", "'items[0].amount': bad"),
        ]
    )
    status, _, envelope = rendered(error)
    assert status == 400
    assert [(e["code"], e["parameter"]) for e in envelope["errors"]] == [
        ("missing_parameter", "account_id"),
        ("invalid_parameter", "items[0].amount"),
    ]


def test_an_http_library_refusal_keeps_its_status_and_names_the_body():
    problem = Problem(Kind.INVALID_PARAMETER, "body", "Request Header Fields Too Large")
    status, _, envelope = rendered(errors.HttpStatus(431, problem))
    assert status == 431
    assert envelope["errors"] == [
        {"code": "invalid_parameter", "parameter": "body", "message": problem.message}
    ]


def test_paths_get_the_renderer_of_the_face_that_owns_them():
    class Other:
        def render(self, error, request_id=None):
            raise AssertionError

    v2, fallback = QuickstartErrors(), Other()
    faces = Faces(Face("v2", ("/v2",), (), v2), fallback=fallback)
    assert faces.errors_for("/v2/debit_memos") is v2
    assert faces.errors_for("/v2") is fallback
    assert faces.errors_for("/v2x/debit_memos") is fallback
    assert faces.errors_for("/__mock/health") is fallback
