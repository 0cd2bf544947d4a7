"""The ten debit memo operations of Zuora's Quickstart API, under ``/v2``.

Each view parses (query and body), calls the tenant's ``DebitMemos`` and
renders; errors are raised and become Zuora's envelope in one place.
"""

from __future__ import annotations

from flask import Response, request
from flask_smorest import Blueprint

from mockserver.domain.queryable import ITEM_FIELDS, MEMO_FIELDS, with_custom_fields
from mockserver.faces import asynchronous
from mockserver.faces.http import (
    JSON_TYPE,
    ZuoraArgumentsParser,
    check_request,
    idempotent,
    json_response,
    tenant,
)
from mockserver.faces.v2 import schemas
from mockserver.faces.v2.selection import (
    MEMO_PARAMS,
    PLAIN_MEMO,
    ItemSelection,
    MemoSelection,
    check_params,
    list_json,
    next_page,
    page_query,
)


class ZuoraBlueprint(Blueprint):
    ARGUMENTS_PARSER = ZuoraArgumentsParser()


blp = ZuoraBlueprint(
    "debit_memos",
    __name__,
    url_prefix="/v2",
    description="Debit memos, as Zuora's Quickstart API serves them.",
)
blp.before_request(check_request)

MEMO = "/debit_memos/<debit_memo_id>"
MEMO_QUERY = sorted(MEMO_PARAMS)
ERRORS = {
    status: {
        "description": description,
        "content": {JSON_TYPE: {"schema": schemas.ErrorResponse}},
    }
    for status, description in {
        400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
        429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
        503: "Service Unavailable", 504: "Gateway Timeout",
    }.items()
}  # fmt: skip


def _array(name: str) -> dict:
    return {
        "in": "query",
        "name": name,
        "required": False,
        "schema": {"type": "array", "items": {"type": "string"}},
        "explode": True,
    }


def _parameters(names) -> list[dict]:
    params = []
    for name in sorted(names):
        if name == "page_size":
            params.append(
                {
                    "in": "query",
                    "name": name,
                    "schema": {"type": "integer", "minimum": 1, "maximum": 99},
                }
            )
        elif name == "cursor":
            params.append({"in": "query", "name": name, "schema": {"type": "string"}})
        else:
            params.append(_array(name))
    return params


def _doc(operation_id: str, summary: str, query_names=()):
    return blp.doc(
        operationId=operation_id,
        summary=summary,
        parameters=_parameters(query_names),
        responses=ERRORS,
        security=[{"bearerAuth": []}],
    )


def _selection() -> MemoSelection:
    """Query parameters are read before anything changes, so a bad one changes nothing.
    Without a query string the memo is plain, and ``request.args`` is not parsed."""
    if not request.environ.get("QUERY_STRING"):
        return PLAIN_MEMO
    return MemoSelection.parse(request.args, single=True)


def _write(act, status: int = 200) -> Response:
    """Run ``act(debit_memos)`` and answer the memo it returns, now or, with
    ``async: true``, after a 202 (``faces.asynchronous``)."""
    selection = _selection()
    current = tenant()

    def run() -> tuple[int, bytes]:
        memo = act(current.debit_memos)
        clock = current.clock
        body = selection.json(memo, current.store, current.rendered, clock.today(), clock.zone)
        return status, body

    if asynchronous.requested():
        return asynchronous.accept(run)
    status, body = run()
    return Response(body, status=status, mimetype=JSON_TYPE)


@blp.route(MEMO, methods=["GET"], endpoint="getDebitMemo")
@_doc("getDebitMemo", "Retrieve a debit memo", MEMO_QUERY)
@blp.response(200, schemas.DebitMemo)
def get_debit_memo(debit_memo_id):
    selection = _selection()
    current = tenant()
    memo, clock = current.debit_memos.get(debit_memo_id), current.clock
    body = selection.json(memo, current.store, current.rendered, clock.today(), clock.zone)
    return Response(body, mimetype=JSON_TYPE)


@blp.route(MEMO, methods=["PATCH"], endpoint="patchDebitMemo")
@_doc("patchDebitMemo", "Update a debit memo", MEMO_QUERY)
@idempotent
@blp.arguments(schemas.DebitMemoPatchRequest())
@blp.response(200, schemas.DebitMemo)
def patch_debit_memo(changes, debit_memo_id):
    return _write(lambda memos: memos.patch(debit_memo_id, changes))


@blp.route(MEMO, methods=["DELETE"], endpoint="deleteDebitMemo")
@_doc("deleteDebitMemo", "Delete a debit memo")
@blp.response(204)
def delete_debit_memo(debit_memo_id):
    check_params(request.args, frozenset())
    current = tenant()

    def run() -> tuple[int, bytes]:
        current.debit_memos.delete(debit_memo_id)
        return 204, b""

    if asynchronous.requested():
        return asynchronous.accept(run)
    run()
    return Response(status=204)


@blp.route("/debit_memos", methods=["GET"], endpoint="getDebitMemoes")
@_doc("getDebitMemoes", "List debit memos", [*MEMO_QUERY, "cursor", "sort[]"])
@blp.response(200, schemas.DebitMemoList)
def list_debit_memos():
    selection = MemoSelection.parse(request.args, single=False)
    current = tenant()
    store, rendered, clock = current.store, current.rendered, current.clock
    today, zone = clock.today(), clock.zone
    fields = with_custom_fields(MEMO_FIELDS, store.settings, "debit_memo")
    query = page_query(request.args, "debit_memos", fields, today)
    page = current.debit_memos.list(query)
    rows = [selection.json(memo, store, rendered, today, zone) for memo in page.rows]
    body = list_json(next_page(query, page), rows)
    return Response(body, mimetype=JSON_TYPE)


@blp.route("/debit_memos", methods=["POST"], endpoint="createDebitMemo")
@_doc("createDebitMemo", "Create a debit memo", MEMO_QUERY)
@idempotent
@blp.arguments(schemas.DebitMemoCreateRequest())
@blp.response(201, schemas.DebitMemo)
def create_debit_memo(data):
    return _write(lambda memos: memos.create(data), 201)


def _action(path: str, operation_id: str, summary: str, act):
    @blp.route(f"{MEMO}/{path}", methods=["POST"], endpoint=operation_id)
    @_doc(operation_id, summary, MEMO_QUERY)
    @idempotent
    @blp.response(200, schemas.DebitMemo)
    def view(debit_memo_id):
        return _write(lambda memos: act(memos, debit_memo_id))

    view.__name__ = operation_id
    return view


cancel_debit_memo = _action("cancel", "cancelDebitMemo", "Cancel a debit memo",
                            lambda memos, ref: memos.cancel(ref))  # fmt: skip
post_debit_memo = _action("post", "postsDebitMemo", "Post a debit memo",
                          lambda memos, ref: memos.post(ref))  # fmt: skip
unpost_debit_memo = _action("unpost", "unpostsDebitMemo", "Unpost a debit memo",
                            lambda memos, ref: memos.unpost(ref))  # fmt: skip


@blp.route(f"{MEMO}/pay", methods=["POST"], endpoint="payDebitMemo")
@_doc("payDebitMemo", "Pay a debit memo", MEMO_QUERY)
@idempotent
@blp.arguments(schemas.PayDebitMemoRequest())
@blp.response(200, schemas.DebitMemo)
def pay_debit_memo(payment, debit_memo_id):
    return _write(lambda memos: memos.pay(debit_memo_id, payment))


@blp.route("/debit_memo_items", methods=["GET"], endpoint="getDebitMemoItems")
@_doc("getDebitMemoItems", "List debit memo items",
      ["cursor", "expand[]", "filter[]", "sort[]", "page_size", "fields[]",
       "taxation_items.fields[]"])  # fmt: skip
@blp.response(200, schemas.DebitMemoItemList)
def list_debit_memo_items():
    selection = ItemSelection.parse(request.args)
    current = tenant()
    store, today, zone = current.store, current.clock.today(), current.clock.zone
    fields = with_custom_fields(ITEM_FIELDS, store.settings, "debit_memo_item")
    query = page_query(request.args, "debit_memo_items", fields, today)
    page = current.debit_memos.list(query)
    rows = [selection.render(item, store, today, zone) for item in page.rows]
    return json_response({"next_page": next_page(query, page), "data": rows})
