"""The outbox's order and its reordered (held) notifications, without a server."""

from __future__ import annotations

from mockserver.callouts import Callout, Notification, NotificationDefinition, Outbox

DEFINITION = NotificationDefinition("d1", "hook", Callout("http://127.0.0.1:9/hook"), 2820)


def notification(sequence: int, due: float, held: bool = False) -> Notification:
    return Notification(
        f"n{sequence}", sequence, "DebitMemoPosted", "DebitMemo", f"m{sequence}", DEFINITION,
        record={}, due=due, held=held,
    )  # fmt: skip


def test_a_held_notification_is_due_once_the_next_one_has_gone():
    outbox = Outbox()
    outbox.put(notification(1, due=60.0, held=True))
    outbox.put(notification(2, due=0.0))
    assert outbox.pop_due(0.0).sequence == 2
    outbox.release_held(5.0)
    [released] = outbox.pending()
    assert (released.sequence, released.due, released.held) == (1, 5.0, False)
    assert outbox.pop_due(5.0).sequence == 1


def test_a_held_notification_past_its_wait_leaves_the_next_held_one_waiting_for_its_turn():
    outbox = Outbox()
    outbox.put(notification(1, due=60.0, held=True))
    assert outbox.pop_due(60.0).sequence == 1  # its wait is over: sent without a release
    outbox.release_held(61.0)
    outbox.put(notification(2, due=120.0, held=True))
    outbox.put(notification(3, due=61.0))
    assert outbox.pop_due(61.0).sequence == 3
    outbox.release_held(62.0)
    assert [(n.sequence, n.due, n.held) for n in outbox.pending()] == [(2, 62.0, False)]


def test_clearing_forgets_the_held_ones():
    outbox = Outbox()
    outbox.put(notification(1, due=60.0, held=True))
    outbox.clear()
    outbox.put(notification(2, due=0.0))
    outbox.release_held(1.0)
    assert [(n.sequence, n.due, n.held) for n in outbox.pending()] == [(2, 0.0, False)]
