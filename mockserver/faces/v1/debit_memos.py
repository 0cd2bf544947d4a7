"""Zuora v1's debit memo routes, under ``/v1/debit-memos`` (and the older
spelling ``/v1/debitmemos``): create from product rate plan charges, get by
id or number, list, update, delete, post, unpost, cancel, items, application
parts and collect.

Each view reads the body in v1's names, calls the tenant's ``DebitMemos`` and
answers in v1's shape; errors go through the face's one error table.
"""

from __future__ import annotations

from flask import request
from flask.sansio.blueprints import Blueprint as FlaskBlueprint

from mockserver.domain.collect import collect
from mockserver.domain.errors import MissingParameter, NotFound
from mockserver.faces.http import idempotent, tenant
from mockserver.faces.v1 import schemas, wire
from mockserver.faces.v1.protocol import (
    answer,
    blueprint,
    body,
    document,
    listing,
    modern_names,
    ok,
    success_json,
)
from mockserver.faces.v1.query import ListQuery, fields

blp = blueprint("v1_debit_memos", "Debit memos, as Zuora's v1 REST API serves them.")

MEMO = "/debit-memos/<debitMemoKey>"
MEMO_FIELDS = fields(
    ("accountId", "string", lambda m: m.account_id),
    ("accountNumber", "string", lambda m: m.account_number),
    ("amount", "money", lambda m: m.total),
    ("balance", "money", lambda m: m.remaining_balance),
    ("beAppliedAmount", "money", lambda m: m.amount_paid),
    ("createdById", "string", lambda m: m.audit.created_by_id),
    ("createdDate", "timestamp", lambda m: m.audit.created_time),
    ("currency", "string", lambda m: m.currency),
    ("debitMemoDate", "date", lambda m: m.document_date),
    ("dueDate", "date", lambda m: m.due_date),
    ("number", "string", lambda m: m.debit_memo_number),
    ("referredInvoiceId", "string", lambda m: m.invoice_id),
    ("status", "string", lambda m: wire.STATUSES[m.state]),
    ("targetDate", "date", lambda m: None),
    ("taxAmount", "money", lambda m: m.tax),
    ("totalTaxExemptAmount", "money",
     lambda m: sum(t.amount_exempt for i in m.items for t in i.taxation_items)),
    ("updatedById", "string", lambda m: m.audit.updated_by_id),
    ("updatedDate", "timestamp", lambda m: m.audit.updated_time),
)  # fmt: skip
ITEM_FIELDS = fields(
    ("amount", "money", lambda i: i.amount),
    ("beAppliedAmount", "money",
     lambda i: i.subtotal_paid + sum(t.amount_paid for t in i.taxation_items)),
    ("createdById", "string", lambda i: i.audit.created_by_id),
    ("createdDate", "timestamp", lambda i: i.audit.created_time),
    ("id", "string", lambda i: i.id),
    ("serviceEndDate", "date", lambda i: i.service_end),
    ("serviceStartDate", "date", lambda i: i.service_start),
    ("sku", "string", lambda i: i.sku),
    ("skuName", "string", lambda i: i.name),
    ("sourceItemId", "string", lambda i: i.price_id),
    ("subscriptionId", "string", lambda i: None),
    ("updatedById", "string", lambda i: i.audit.updated_by_id),
    ("updatedDate", "timestamp", lambda i: i.audit.updated_time),
)  # fmt: skip


def route(rule: str, method: str, operation_id: str, summary: str):
    """A v1 route named by Zuora's operation id, also served at ``/v1/debitmemos``."""

    def register(view):
        documented = blp.route(rule, methods=[method], endpoint=operation_id)
        view = documented(document(blp, operation_id, summary)(view))
        FlaskBlueprint.add_url_rule(
            blp, rule.replace("/debit-memos", "/debitmemos", 1), operation_id, view,
            methods=[method],
        )  # fmt: skip
        return view

    return register


def _memo(key: str):
    return tenant().debit_memos.get(key)


@route("/debit-memos", "POST", "POST_DebitMemoFromPrpc", "Create a debit memo from a charge")
@idempotent
def create_debit_memo():
    data = schemas.load(schemas.CreateDebitMemoSchema, body())
    data["items"] = [_item(charge, n, data) for n, charge in enumerate(data.pop("charges"))]
    return ok(wire.debit_memo(tenant().debit_memos.create(data)))


def _item(charge: dict, n: int, memo: dict) -> dict:
    """A charge of the request as the domain's item: v1's names by ``Zuora-Version``."""
    modern = modern_names()
    names = ("productRatePlanChargeId", "amount", "description")
    old = ("chargeId", "memoItemAmount", "comment")
    charge_name, amount_name, text_name = names if modern else old
    if charge.get(charge_name) is None:
        raise MissingParameter(
            f"charges[{n}].{charge_name}", f"'charges[{n}].{charge_name}' is required"
        )
    item = {
        "price_id": charge[charge_name],
        "service_start": charge.get("service_start")
        or memo.get("document_date")
        or tenant().clock.today(),
    }
    for key, value in (("amount", charge.get(amount_name)), ("quantity", charge.get("quantity")),
                       ("description", charge.get(text_name)),
                       ("service_end", charge.get("service_end"))):  # fmt: skip
        if value is not None:
            item[key] = value
    return item


@route(MEMO, "GET", "GET_DebitMemo", "Retrieve a debit memo")
def get_debit_memo(debitMemoKey):
    current = tenant()
    memo = current.debit_memos.get(debitMemoKey)
    return answer(current.rendered.get(memo, _memo_json, None))


def _memo_json(memo, _variant) -> bytes:
    """The answer to a GET of ``memo``; kept in the tenant's rendered records, as v2's."""
    return success_json(wire.debit_memo(memo))


@route("/debit-memos", "GET", "GET_DebitMemos", "List debit memos")
def list_debit_memos():
    query = ListQuery.parse(request.args, MEMO_FIELDS, "+number")
    current = tenant()
    rows, more = query.store_page(current.store, "debit_memos", current.clock.today())
    return listing("debitmemos", query, rows, more, wire.debit_memo)


@route(MEMO, "PUT", "PUT_DebitMemo", "Update a debit memo")
def update_debit_memo(debitMemoKey):
    changes = schemas.load(schemas.UpdateDebitMemoSchema, body())
    if "transfer_to_accounting" in changes:
        changes["transfer_to_accounting"] = changes["transfer_to_accounting"] == "Yes"
    memos = tenant().debit_memos
    items = changes.pop("items", None)
    if items:
        return ok(wire.debit_memo(memos.update_items(debitMemoKey, changes, items)))
    return ok(wire.debit_memo(memos.patch(debitMemoKey, changes)))


@route(MEMO, "DELETE", "DELETE_DebitMemo", "Delete a debit memo")
def delete_debit_memo(debitMemoKey):
    tenant().debit_memos.delete(debitMemoKey)
    return ok()


def _action(path: str, operation_id: str, summary: str, act):
    @route(f"{MEMO}/{path}", "PUT", operation_id, summary)
    def view(debitMemoKey):
        return ok(wire.debit_memo(act(tenant().debit_memos, debitMemoKey)))

    view.__name__ = operation_id
    return view


post_debit_memo = _action("post", "PUT_PostDebitMemo", "Post a debit memo",
                          lambda memos, key: memos.post(key))  # fmt: skip
unpost_debit_memo = _action("unpost", "PUT_UnpostDebitMemo", "Unpost a debit memo",
                            lambda memos, key: memos.unpost(key))  # fmt: skip
cancel_debit_memo = _action("cancel", "PUT_CancelDebitMemo", "Cancel a debit memo",
                            lambda memos, key: memos.cancel(key))  # fmt: skip


@route(f"{MEMO}/items", "GET", "GET_DebitMemoItems", "List debit memo items")
def list_debit_memo_items(debitMemoKey):
    query = ListQuery.parse(request.args, ITEM_FIELDS, None)
    memo = _memo(debitMemoKey)
    rows, more = query.page_of(memo.items)
    return listing("items", query, rows, more, lambda item: wire.debit_memo_item(item, memo))


@route(f"{MEMO}/items/<debitMemoItemId>", "GET", "GET_DebitMemoItem", "Retrieve a debit memo item")
def get_debit_memo_item(debitMemoKey, debitMemoItemId):
    memo = _memo(debitMemoKey)
    item = next((i for i in memo.items if i.id == debitMemoItemId), None)
    if item is None:
        raise NotFound(debitMemoItemId, "debitMemoItemId")
    return ok(wire.debit_memo_item(item, memo))


@route(f"{MEMO}/application-parts", "GET", "GET_DebitMemoApplicationParts",
       "List the application parts of a debit memo")  # fmt: skip
def list_application_parts(debitMemoKey):
    query = ListQuery.parse(request.args, {}, None)
    memo = _memo(debitMemoKey)
    parts = [
        a
        for p in tenant().store.payments_of_memo(memo.id)
        for a in p.applications
        if a.debit_memo_id == memo.id
    ]
    rows, more = query.page_of(parts)
    return listing("applicationParts", query, rows, more, wire.application_part)


@route(f"{MEMO}/collect", "POST", "POST_DebitMemoCollect", "Collect a posted debit memo")
@idempotent
def collect_debit_memo(debitMemoKey):
    request_body = schemas.load(schemas.CollectSchema, body())
    current = tenant()
    done = collect(current.debit_memos, current.payments, debitMemoKey, request_body)
    return ok(wire.collection(done))
