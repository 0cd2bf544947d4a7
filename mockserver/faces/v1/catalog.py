"""Zuora v1's catalog and account routes: products, one product, a product's
rate plans (both spellings of each path), an account and its summary.

A product's key is its id, SKU or product number; an account's its id or number.
"""

from __future__ import annotations

from flask import request
from flask.sansio.blueprints import Blueprint as FlaskBlueprint

from mockserver.domain.errors import NotFound
from mockserver.faces.http import tenant
from mockserver.faces.v1 import wire
from mockserver.faces.v1.protocol import blueprint, document, listing, ok
from mockserver.faces.v1.query import ListQuery

blp = blueprint(
    "v1_catalog", "The product catalog and accounts, as Zuora's v1 REST API serves them."
)


def route(rules: tuple[str, ...], operation_id: str, summary: str):
    """A GET route named by Zuora's operation id; the first rule is documented."""

    def register(view):
        view = blp.route(rules[0], methods=["GET"], endpoint=operation_id)(
            document(blp, operation_id, summary)(view)
        )
        for alias in rules[1:]:
            FlaskBlueprint.add_url_rule(blp, alias, operation_id, view, methods=["GET"])
        return view

    return register


def _root() -> str:
    return request.url_root.rstrip("/")


def _product(key: str):
    product = tenant().store.catalog.product(key)
    if product is None:
        raise NotFound(key)
    return product


@route(("/catalog/products",), "GET_Catalog", "List products")
def list_products():
    query = ListQuery.parse(request.args, {}, None)
    root = _root()
    products = tenant().store.catalog.products
    rows, more = query.page_of(products)
    return listing("products", query, rows, more, lambda p: wire.product(p, root))


@route(("/catalog/product/<productKey>", "/catalog/products/<productKey>"), "GET_Product",
       "Retrieve a product")  # fmt: skip
def get_product(productKey):
    return ok(wire.product(_product(productKey), _root()))


@route(("/rateplan/<productKey>/productRatePlan", "/products/<productKey>/product-rate-plans"),
       "GET_ProductRatePlans", "List the rate plans of a product")  # fmt: skip
def list_rate_plans(productKey):
    query = ListQuery.parse(request.args, {}, None)
    plans = _product(productKey).rate_plans
    rows, more = query.page_of(plans)
    return listing("productRatePlans", query, rows, more, wire.rate_plan)


def _account(key: str):
    store = tenant().store
    account = store.account(key) or store.account_by_number(key)
    if account is None:
        raise NotFound(key)
    return account


def _contacts(account) -> dict:
    store = tenant().store
    bill_to = store.contact(account.bill_to_id)
    sold_to = store.contact(account.sold_to_id) or bill_to
    return {
        "billToContact": wire.contact(bill_to, account.account_number),
        "soldToContact": wire.contact(sold_to, account.account_number),
    }


@route(("/accounts/<accountKey>",), "GET_Account", "Retrieve an account")
def get_account(accountKey):
    account = _account(accountKey)
    store = tenant().store
    return ok(
        {
            "basicInfo": wire.account_basic_info(account),
            "billingAndPayment": wire.billing_and_payment(account),
            "metrics": wire.account_metrics(
                account,
                store.remaining_debit_memo_balance(account.id),
                store.unapplied_payment_amount(account.id),
            ),
            **_contacts(account),
        }
    )


@route(("/accounts/<accountKey>/summary",), "GET_AccountSummary", "Retrieve an account summary")
def get_account_summary(accountKey):
    account = _account(accountKey)
    store = tenant().store
    payments = store.payments_of_account(account.id)
    method = store.payment_method(account.default_payment_method_id)
    return ok(
        {
            "basicInfo": wire.summary_basic_info(
                account, store.remaining_debit_memo_balance(account.id), method, payments[:1]
            ),
            "payments": [wire.summary_payment(p) for p in payments[:6]],
            "invoices": [],
            "subscriptions": [],
            "usage": [],
            **_contacts(account),
        }
    )
