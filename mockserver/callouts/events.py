"""Zuora's standard events among the committed changes.

A memo whose ``Status`` becomes ``Posted`` (a post, or ``post: true`` at
create) is ``DebitMemoPosted``; a new payment (v1's create, v2's ``pay``) is
``PaymentProcessed``. Creating a draft memo is no standard event, as in Zuora.
"""

from __future__ import annotations

from mockserver.callouts.feed import Change


def standard_events(change: Change) -> list[str]:
    """The names of the standard events a change is."""
    if change.base_object == "Payment":
        return ["PaymentProcessed"] if change.change_type == "INSERT" else []
    if change.change_type == "DELETE":
        return []
    old_status = None if change.old_record is None else change.old_record.state
    if change.new_record.state == "posted" and old_status != "posted":
        return ["DebitMemoPosted"]
    return []
