"""What ``/__mock/ui`` shows, in one answer: a tenant's memos by state, its
clock, fault rules, newest requests and callout deliveries, and the tenants there are.

One answer per poll keeps the page's refresh to one request (and one access
log line) every couple of seconds.
"""

from __future__ import annotations

import heapq

from mockserver.domain.records import DebitMemo
from mockserver.faces.v2 import wire
from mockserver.tenancy.tenants import Tenant, Tenants

BUCKETS = ("draft", "posted", "partly_paid", "past_due", "paid", "canceled")
MEMOS_PER_BUCKET = 8
REQUESTS_PER_POLL = 100
DELIVERIES_SHOWN = 50


def bucket(memo: DebitMemo, today) -> str:
    """Where a person looks for the memo: its state, a posted one by what it still owes."""
    if memo.state != "posted":
        return memo.state
    if memo.paid:
        return "paid"
    if memo.past_due(today):
        return "past_due"
    return "partly_paid" if memo.amount_paid else "posted"


def overview(tenant: Tenant, tenants: Tenants, after_seq: int) -> dict:
    today = tenant.clock.today()
    store = tenant.store
    buckets: dict[str, list[DebitMemo]] = {name: [] for name in BUCKETS}
    for memo in store.records("debit_memos"):
        buckets.setdefault(bucket(memo, today), []).append(memo)
    return {
        "tenant": tenant.key,
        "clock": {"now": tenant.clock.now().isoformat(), "frozen": tenant.clock.frozen},
        "memos": {
            name: {
                "count": len(memos),
                "latest": [
                    _memo_row(memo, today, tenant.clock.zone)
                    for memo in heapq.nlargest(
                        MEMOS_PER_BUCKET, memos, key=lambda m: m.debit_memo_number
                    )
                ],
            }
            for name, memos in buckets.items()
        },
        "faults": [armed.to_wire() for armed in tenant.faults],
        "callouts": {
            "definitions": len(tenant.callouts.definitions),
            "pending": len(tenant.callouts.outbox),
            "deliveries": [
                row.to_wire() for row in tenant.callouts.deliveries.rows(limit=DELIVERIES_SHOWN)
            ],
        },
        "requests": [
            entry.to_wire()
            for entry in tenant.journal.entries(after=after_seq, limit=REQUESTS_PER_POLL)
        ],
        "journal": {"size": len(tenant.journal), "newest_seq": _newest_seq(tenant)},
        "tenants": [
            {
                "key": other.key,
                "debit_memos": other.store.count("debit_memos"),
                "requests": len(other.journal),
            }
            for other in tenants.all()
        ],
    }


def _newest_seq(tenant: Tenant) -> int:
    newest = tenant.journal.entries(limit=1)
    return newest[0].seq if newest else 0


def _memo_row(memo: DebitMemo, today, zone) -> dict:
    full = wire.debit_memo(memo, today, zone)
    keys = ("id", "debit_memo_number", "account_number", "currency", "total", "remaining_balance",
            "due_date", "state")  # fmt: skip
    return {key: full.get(key) for key in keys}
