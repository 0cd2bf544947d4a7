"""Zuora's custom event trigger conditions: a strict subset of JEXL, parsed into
a tree once (when the trigger is created) and evaluated against each change.

The subset (anything else is refused with its position):

- ``changeType`` (``'INSERT'``, ``'UPDATE'`` or ``'DELETE'``), the base object's
  fields after the change (``DebitMemo.Status``) and before it
  (``DebitMemo.Status_old``);
- string (``'Posted'``, ``"Posted"``; ``\\'``, ``\\"`` and ``\\\\`` escapes),
  number (``1000.0``, ``-5``), ``null``, ``true`` and ``false`` literals;
- one comparison per operand pair: ``==``, ``!=``, ``<``, ``>``, ``<=``, ``>=``;
- ``&&``, ``||``, ``!`` before a parenthesized group, and parentheses.

(sandbox rule) A condition is at most ``MAX_LENGTH`` characters (Zuora's limit)
and nests at most ``MAX_DEPTH`` groups, so hostile input is refused in time
linear in its length and never recurses deeply. ``!`` must be followed by ``(``:
JEXL binds ``!a == b`` as ``(!a) == b``, which the subset leaves out rather
than mean something else. Comparisons: numbers by value (a numeric string
compares as its number), strings as text (ISO dates in order), ``null`` equals
only ``null`` and orders against nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

MAX_LENGTH = 5000
MAX_DEPTH = 32
CHANGE_TYPES = frozenset({"INSERT", "UPDATE", "DELETE"})
OLD_SUFFIX = "_old"


class ConditionError(ValueError):
    """A condition outside the subset: what is wrong, at which character (1-based)."""

    def __init__(self, position: int, message: str):
        super().__init__(f"{message} at character {position}")
        self.position = position
        self.reason = message


# -- tokens ---------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<number>-?\d{1,30}(?:\.\d{1,30})?)
    |(?P<string>'(?:[^'\\]|\\.){0,5000}'|"(?:[^"\\]|\\.){0,5000}")
    |(?P<name>[A-Za-z_][A-Za-z0-9_]{0,254}(?:\.[A-Za-z_][A-Za-z0-9_]{0,254})*)
    |(?P<op>==|!=|<=|>=|&&|\|\||[<>!()])""",
    re.VERBOSE,
)
_ESCAPE = re.compile(r"\\(.)")
_ESCAPABLE = frozenset("'\"\\")
_KEYWORDS = {"null": None, "true": True, "false": False}
COMPARISONS = ("==", "!=", "<", ">", "<=", ">=")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # number, string, name, op, end
    text: str
    position: int  # 1-based


def tokens(text: str) -> list[Token]:
    """``text`` as tokens, or the first character that begins none."""
    found, at = [], 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None:
            if text[at] in "'\"":
                raise ConditionError(at + 1, "the string is not closed")
            raise ConditionError(at + 1, f"unexpected character {text[at]!r}")
        if match.lastgroup != "space":
            found.append(Token(match.lastgroup, match.group(), at + 1))
        at = match.end()
    found.append(Token("end", "", len(text) + 1))
    return found


def _string_value(token: Token) -> str:
    body = token.text[1:-1]
    for escape in _ESCAPE.finditer(body):
        if escape[1] not in _ESCAPABLE:
            position = token.position + 1 + escape.start()
            raise ConditionError(position, f"unsupported escape '\\{escape[1]}'")
    return _ESCAPE.sub(lambda m: m[1], body)


# -- the tree -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChangeType:
    def value(self, change: Change) -> Any:
        return change.change_type


@dataclass(frozen=True, slots=True)
class Field:
    """``Object.Name`` (after the change) or ``Object.Name_old`` (before it)."""

    name: str
    old: bool

    def value(self, change: Change) -> Any:
        values = change.old if self.old else change.new
        return values.get(self.name) if values else None


@dataclass(frozen=True, slots=True)
class Literal:
    constant: Any

    def value(self, change: Change) -> Any:
        return self.constant


Operand = ChangeType | Field | Literal


@dataclass(frozen=True, slots=True)
class Comparison:
    operator: str
    left: Operand
    right: Operand

    def holds(self, change: Change) -> bool:
        return compare(self.operator, self.left.value(change), self.right.value(change))


@dataclass(frozen=True, slots=True)
class AllOf:
    terms: tuple[Node, ...]

    def holds(self, change: Change) -> bool:
        return all(term.holds(change) for term in self.terms)


@dataclass(frozen=True, slots=True)
class AnyOf:
    terms: tuple[Node, ...]

    def holds(self, change: Change) -> bool:
        return any(term.holds(change) for term in self.terms)


@dataclass(frozen=True, slots=True)
class Not:
    term: Node

    def holds(self, change: Change) -> bool:
        return not self.term.holds(change)


Node = Comparison | AllOf | AnyOf | Not


class Change(Protocol):
    """What a condition sees of a change (the callout engine's ``Change``):
    ``changeType`` and the base object's fields after (``new``) and before
    (``old``) it; a missing field is ``null``."""

    @property
    def change_type(self) -> str: ...

    @property
    def new(self) -> Mapping[str, Any] | None: ...

    @property
    def old(self) -> Mapping[str, Any] | None: ...


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed condition: its text and its tree."""

    text: str
    base_object: str
    tree: Node

    def matches(self, change: Change) -> bool:
        return self.tree.holds(change)


# -- comparing values -----------------------------------------------------------------


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _comparable(left: Any, right: Any) -> tuple[Any, Any] | None:
    """Both values as one kind (booleans, strings, numbers), or None when they have none."""
    if left is None or right is None:
        return None
    if isinstance(left, bool) or isinstance(right, bool):
        both = isinstance(left, bool) and isinstance(right, bool)
        return (left, right) if both else None
    if isinstance(left, str) and isinstance(right, str):
        return left, right
    numbers = _number(left), _number(right)
    if None not in numbers:
        return numbers
    if any(isinstance(value, int | float | Decimal) for value in (left, right)):
        return None
    return str(left), str(right)


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def compare(operator: str, left: Any, right: Any) -> bool:
    pair = _comparable(left, right)
    if operator in ("==", "!="):
        equal = (left is None and right is None) if pair is None else pair[0] == pair[1]
        return equal if operator == "==" else not equal
    if pair is None or isinstance(pair[0], bool):
        return False
    return _ORDER[operator](*pair)


# -- the parser -----------------------------------------------------------------------


class _Parser:
    """Recursive descent over the tokens; every group deeper than ``MAX_DEPTH``
    is refused before it recurses."""

    def __init__(self, text: str, base_object: str, fields: frozenset[str] | None):
        self._tokens = tokens(text)
        self._at = 0
        self._depth = 0
        self._base = base_object
        self._fields = fields

    def parse(self) -> Node:
        tree = self._any_of()
        self._expect_end()
        return tree

    def _peek(self) -> Token:
        return self._tokens[self._at]

    def _take(self) -> Token:
        token = self._tokens[self._at]
        self._at += 1
        return token

    def _expect_end(self) -> None:
        token = self._peek()
        if token.kind != "end":
            raise ConditionError(
                token.position, f"expected '&&', '||' or the end, found {_shown(token)}"
            )

    def _any_of(self) -> Node:
        terms = [self._all_of()]
        while self._peek().text == "||":
            self._take()
            terms.append(self._all_of())
        return terms[0] if len(terms) == 1 else AnyOf(tuple(terms))

    def _all_of(self) -> Node:
        terms = [self._term()]
        while self._peek().text == "&&":
            self._take()
            terms.append(self._term())
        return terms[0] if len(terms) == 1 else AllOf(tuple(terms))

    def _term(self) -> Node:
        token = self._peek()
        if token.text == "!":
            self._take()
            if self._peek().text != "(":
                raise ConditionError(self._peek().position, "'!' must be followed by '('")
            return Not(self._group())
        if token.text == "(":
            return self._group()
        return self._comparison()

    def _group(self) -> Node:
        opening = self._take()
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise ConditionError(opening.position, f"groups nest deeper than {MAX_DEPTH}")
        tree = self._any_of()
        closing = self._take()
        if closing.text != ")":
            raise ConditionError(closing.position, f"expected ')', found {_shown(closing)}")
        self._depth -= 1
        return tree

    def _comparison(self) -> Comparison:
        positions = [self._peek().position]
        left = self._operand()
        token = self._take()
        if token.text not in COMPARISONS:
            expected = "a comparison (==, !=, <, >, <=, >=)"
            raise ConditionError(token.position, f"expected {expected}, found {_shown(token)}")
        positions.append(self._peek().position)
        comparison = Comparison(token.text, left, self._operand())
        _check_change_type(comparison, positions)
        return comparison

    def _operand(self) -> Operand:
        token = self._take()
        if token.kind == "number":
            return Literal(Decimal(token.text))
        if token.kind == "string":
            return Literal(_string_value(token))
        if token.kind == "name":
            return self._reference(token)
        raise ConditionError(token.position, f"expected a field or a value, found {_shown(token)}")

    def _reference(self, token: Token) -> Operand:
        if token.text in _KEYWORDS:
            return Literal(_KEYWORDS[token.text])
        if token.text == "changeType":
            return ChangeType()
        if self._peek().text == "(":
            raise ConditionError(
                token.position, f"functions such as '{token.text[:40]}' are not supported"
            )
        owner, dot, name = token.text.partition(".")
        if not dot:
            raise ConditionError(
                token.position,
                f"unknown name '{token.text}': write changeType or {self._base}.Field",
            )
        if owner != self._base or "." in name:
            raise ConditionError(
                token.position, f"'{token.text}' is not a field of the base object {self._base}"
            )
        old = name.endswith(OLD_SUFFIX) and len(name) > len(OLD_SUFFIX)
        field = name[: -len(OLD_SUFFIX)] if old else name
        if self._fields is not None and field not in self._fields:
            raise ConditionError(token.position, f"{self._base} has no field '{field}'")
        return Field(field, old)


def _check_change_type(comparison: Comparison, positions: list[int]) -> None:
    """``changeType`` compared with a string that no change has is a mistake."""
    sides = comparison.left, comparison.right
    if not any(isinstance(side, ChangeType) for side in sides):
        return
    for side, position in zip(sides, positions, strict=True):
        constant = side.constant if isinstance(side, Literal) else None
        if isinstance(constant, str) and constant not in CHANGE_TYPES:
            raise ConditionError(
                position, f"changeType is INSERT, UPDATE or DELETE, not '{constant[:40]}'"
            )


def _shown(token: Token) -> str:
    return "the end" if token.kind == "end" else f"'{token.text[:40]}'"


def parse(text: str, base_object: str, fields: frozenset[str] | None = None) -> Condition:
    """``text`` as a condition on ``base_object`` (whose field names are ``fields``,
    when known), or a ``ConditionError`` naming the position."""
    if len(text) > MAX_LENGTH:
        raise ConditionError(
            MAX_LENGTH + 1, f"the condition is longer than {MAX_LENGTH} characters"
        )
    if not text.strip():
        raise ConditionError(1, "the condition is empty")
    return Condition(text, base_object, _Parser(text, base_object, fields).parse())
