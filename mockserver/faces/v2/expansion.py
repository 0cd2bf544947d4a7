"""Zuora's ``expand[]``: related objects in the same answer, named in dot
notation up to three levels (``account.bill_to``, ``items.taxation_items``,
``debit_memo.account.bill_to`` on the item list).

``RELATED`` says what each kind of object can expand and what kind of object
each expansion is; a path names one expansion per level, starting at the
object the route answers, and also expands every object above it
(``account.bill_to`` expands ``account``). (sandbox rule) The sandbox expands
the objects it keeps (below); any other name, at any level, or a fourth
level, is a 400 naming ``expand[]``.
"""

from __future__ import annotations

from mockserver.domain.errors import InvalidParameter
from mockserver.faces.v2.query_syntax import split_values

MAX_LEVELS = 3
DEBIT_MEMO, LISTED_ITEM = "debit_memo", "listed_item"  # the roots: a memo, an item of the list
RELATED = {
    DEBIT_MEMO: {"items": "memo_item", "account": "account", "bill_to": "contact"},
    "memo_item": {"taxation_items": "taxation_item"},
    LISTED_ITEM: {"taxation_items": "taxation_item", "debit_memo": DEBIT_MEMO},
    "account": {
        "bill_to": "contact", "sold_to": "contact", "default_payment_method": "payment_method",
    },
}  # fmt: skip


def parse_expand(values: list[str], root: str) -> frozenset[str]:
    """Every path asked for and each path above it, as dotted names."""
    paths = set()
    for path in split_values(values):
        names = path.split(".")
        if len(names) > MAX_LEVELS:
            raise InvalidParameter(
                "expand[]", f"'{path}' goes deeper than {MAX_LEVELS} levels of expansion"
            )
        kind = root
        for level, name in enumerate(names):
            related = RELATED.get(kind, {})
            if name not in related:
                raise InvalidParameter("expand[]", _refusal(path, names[:level], related))
            kind = related[name]
            paths.add(".".join(names[: level + 1]))
    return frozenset(paths)


def _refusal(path: str, above: list[str], related: dict) -> str:
    where = f"under '{'.'.join(above)}'" if above else "here"
    allowed = ", ".join(sorted(related)) or "nothing"
    return f"'{path}' cannot be expanded {where} (allowed: {allowed})"


def below(expand: frozenset[str], name: str) -> frozenset[str]:
    """The paths under ``name``, from there: ``account.bill_to`` under ``account`` is
    ``bill_to``."""
    prefix = f"{name}."
    return frozenset(path[len(prefix) :] for path in expand if path.startswith(prefix))
