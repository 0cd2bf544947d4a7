"""``zuora_mock.assert_called``: "this operation was called N times, with a
body that contains ...", and when it wasn't, a message that says what was
called instead. Plain functions over journal entries (their wire form), so the
pytest plugin can use them without importing the app."""

from __future__ import annotations

import json

SHOWN_ENTRIES = 10
SHOWN_BODY = 160


def contains(actual, expected) -> bool:
    """``expected`` is part of ``actual``: a mapping's keys with contained
    values, a list item by item, anything else equal."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and contains(actual[key], value) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(contains(a, e) for a, e in zip(actual, expected, strict=True))
        )
    return actual == expected


def body_matches(entry: dict, body) -> bool:
    """The request's body holds ``body``: a text as a substring, else as JSON (``contains``)."""
    if body is None:
        return True
    text = entry["request"].get("body") or ""
    if isinstance(body, str):
        return body in text
    try:
        return contains(json.loads(text), body)
    except ValueError:
        return False


def check_called(
    entries: list[dict], operation: str, times: int | None, body
) -> tuple[list[dict], str | None]:
    """The entries of ``operation`` whose body matches, and why the expectation
    fails (None when it holds). ``times=None`` means at least once."""
    of_operation = [entry for entry in entries if entry["operation"] == operation]
    matching = [entry for entry in of_operation if body_matches(entry, body)]
    if (len(matching) == times) if times is not None else matching:
        return matching, None
    wanted = "at least once" if times is None else _count(times)
    with_body = f" with a body containing {_short(body)}" if body is not None else ""
    found = f"{_count(len(matching))}{' like that' if body is not None else ''}"
    if body is not None and len(of_operation) != len(matching):
        found += f" ({_count(len(of_operation))} in all)"
    lines = [f"expected {operation} {wanted}{with_body}; it was called {found}."]
    lines.append(_journal(entries))
    return matching, "\n".join(lines)


def _journal(entries: list[dict]) -> str:
    if not entries:
        return "The journal is empty: no request reached the sandbox's tenant."
    shown = entries[-SHOWN_ENTRIES:]
    head = f"The journal's last {len(shown)} of {len(entries)} requests:"
    rows = [
        f"  {e['method']} {e['path']}{'?' + e['query'] if e['query'] else ''} -> {e['status']}"
        f" {e['operation'] or '(no operation)'}"
        + (f" fault={e['fault']}" if e["fault"] else "")
        + (f" body={_short(e['request'].get('body'))}" if e["request"].get("body") else "")
        for e in shown
    ]
    return "\n".join([head, *rows])


def _count(n: int) -> str:
    return f"{n} time{'' if n == 1 else 's'}"


def _short(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= SHOWN_BODY else text[: SHOWN_BODY - 3] + "..."
