"""The gateway's steps over one request, with a face of its own and no server."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from werkzeug.test import Client
from werkzeug.wrappers import Response

from mockserver.edge.gateway import Gateway, new_request_id
from mockserver.faces.face import ErrorAnswer, Face, Faces
from mockserver.faults import FaultEngine, FaultRules, RuleParser
from mockserver.tenancy.auth import TokenRegistry
from mockserver.tenancy.journal import Journal
from mockserver.tenancy.limits import ConcurrencyLimiter, RateLimiter
from mockserver.tenancy.tenants import Tenants


class Plain:
    """A face's renderer that is not v2's: ``<kind> <request id>`` as text."""

    def render(self, error, request_id=None) -> ErrorAnswer:
        body = f"{error.kind} {request_id}".encode()
        return ErrorAnswer(499, [("Content-Type", "text/plain")], body)


AUTH = {"Authorization": "Bearer test-token"}


def app(environ, start_response):
    return Response(f"app {environ.get('mockserver.request_id')}")(environ, start_response)


def gateway(rate_limit: int | None = None) -> tuple[Client, SimpleNamespace]:
    tenant = SimpleNamespace(
        faults=FaultRules(1, RuleParser({"getThing"})),
        rate_limiter=RateLimiter(rate_limit),
        concurrency=ConcurrencyLimiter(),
        journal=Journal(),
        holds=None,
        key="default",
    )
    tenants = Tenants(lambda key: tenant, per_token=False, cap=1)
    faces = Faces(Face("plain", ("/plain",), (), Plain()), fallback=Plain())
    engine = FaultEngine(app, gateway_timeout_s=None, header_enabled=True)
    tokens = TokenRegistry(strict=False)
    operation_of = lambda method, path: "getThing"  # noqa: E731
    return Client(Gateway(app, tenants, faces, operation_of, engine, tokens)), tenant


def test_a_path_no_face_owns_passes_straight_through():
    client, tenant = gateway()
    response = client.get("/__mock/health")
    assert response.text == "app None"
    assert "Zuora-Request-Id" not in response.headers
    assert tenant.journal.entries() == []


def test_a_face_path_gets_a_request_id_and_a_journal_entry():
    client, tenant = gateway()
    response = client.get("/plain/things", headers=AUTH)
    request_id = response.headers["Zuora-Request-Id"]
    assert response.text == f"app {request_id}"
    [entry] = tenant.journal.entries()
    assert (entry.path, entry.operation, entry.status, entry.request_id) == (
        "/plain/things",
        "getThing",
        200,
        request_id,
    )


def test_a_refusing_step_is_answered_by_the_owning_face():
    client, tenant = gateway(rate_limit=1)
    client.get("/plain/things", headers=AUTH)
    refused = client.get("/plain/things", headers=AUTH)
    request_id = refused.headers["Zuora-Request-Id"]
    assert (refused.status_code, refused.text) == (499, f"rate_limited {request_id}")
    assert refused.headers["ratelimit-remaining"] == "0"
    assert tenant.journal.entries()[-1].status == 499


def test_a_bad_track_id_is_refused_before_the_rate_limit_counts_it():
    client, _ = gateway(rate_limit=1)
    refused = client.get("/plain/things", headers={**AUTH, "Zuora-Track-Id": "a;b"})
    assert refused.text.startswith("invalid_parameter ")
    assert "ratelimit-remaining" not in refused.headers
    assert client.get("/plain/things", headers=AUTH).status_code == 200


def test_a_bad_fault_header_is_answered_by_the_owning_face():
    client, _ = gateway()
    refused = client.get("/plain/things", headers={**AUTH, "X-Mock-Fault": "status=1"})
    assert refused.text.startswith("invalid_parameter ")


def test_a_fault_status_is_answered_by_the_owning_face():
    client, _ = gateway()
    answered = client.get("/plain/things", headers={**AUTH, "X-Mock-Fault": "status=503"})
    assert (answered.status_code, answered.headers["X-Mock-Fault"]) == (499, "header")
    assert answered.text.startswith("http_status ")


def test_a_request_without_a_token_is_refused_by_the_owning_face():
    client, tenant = gateway()
    refused = client.get("/plain/things")
    assert refused.text.startswith("unauthorized ")
    assert [entry.status for entry in tenant.journal.entries()] == [499]


def test_request_ids_are_distinct_version_4_uuids():
    ids = [new_request_id() for _ in range(2000)]
    parsed = [uuid.UUID(request_id) for request_id in ids]
    assert {(u.version, u.variant) for u in parsed} == {(4, uuid.RFC_4122)}
    assert [str(u) for u in parsed] == ids
    assert len(set(ids)) == len(ids)
