"""A ``PageQuery`` compiled to SQL: filters to a ``WHERE``, sort terms to an
``ORDER BY`` and the after-key to a keyset condition, answering exactly as
the memory store does (``Filter.matches``, and None before every value
ascending, after every value descending).

A field with no column (a custom field, a decimal number, a face's own
field) is read in Python from the rows the rest of the query selects: its
filters are applied to them, and a sort by it orders them in Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    case,
    false,
    func,
    literal,
    or_,
    select,
    true,
)

from mockserver.domain.query import Field, Filter, PageQuery, SortTerm
from mockserver.domain.queryable import ITEM_FIELDS, MEMO_FIELDS

FIELDS = {"debit_memos": MEMO_FIELDS, "debit_memo_items": ITEM_FIELDS}


@dataclass(frozen=True)
class Plan:
    """How a page is read: ``statement`` gives rows in order when ``ordered``;
    ``python_filters`` are applied to the rows it gives."""

    statement: Select
    python_filters: tuple[Filter, ...]
    ordered: bool


def plan(table: Table, tenant: str, query: PageQuery) -> Plan:
    columns = _Columns(table, query.collection, query.today)
    sql_filters = [f for f in query.filters if columns.compiles(f)]
    python_filters = tuple(f for f in query.filters if not columns.compiles(f))
    where = [table.c.tenant == tenant, *(columns.condition(f) for f in sql_filters)]
    statement = select(table.c.id, table.c.version, table.c.record)
    ordered = all(columns.has(term.field) for term in query.terms)
    if not ordered:
        return Plan(statement.where(*where), python_filters, ordered=False)
    if query.after is not None:
        where.append(columns.after(query.terms, query.after))
    statement = statement.where(*where).order_by(*map(columns.order, query.terms))
    if not python_filters:
        statement = statement.limit(query.size + 1)
    return Plan(statement, python_filters, ordered=True)


class _Columns:
    """The SQL expression of each field of one collection that has one."""

    def __init__(self, table: Table, collection: str, today: date):
        self._table = table
        self._fields = FIELDS[collection]
        self._today = today

    def has(self, field: Field) -> bool:
        known = self._fields.get(field.name)
        return known is field and (field.name in self._table.c or field.name == "past_due")

    def compiles(self, f: Filter) -> bool:
        return self.has(f.field) and (f.op != "SW" or f.field.kind == "string")

    def expression(self, field: Field) -> ColumnElement:
        if field.name == "past_due":
            memos = self._table.c
            owing = and_(
                memos.state == "posted", memos.remaining_balance > 0, memos.due_date < self._today
            )
            return case((owing, true()), else_=false())
        return self._table.c[field.name]

    def condition(self, f: Filter) -> ColumnElement:
        column, value = self.expression(f.field), f.value
        if f.op == "IN":
            present = [v for v in value if v is not None]
            if f.field.kind == "money":
                present = [int(v) for v in present if v == int(v)]
            matches = column.in_(present) if present else false()
            return or_(matches, column.is_(None)) if None in value else matches
        if value is None:
            return _none_condition(column, f.op)
        if f.op == "SW":
            return func.substr(column, 1, len(value)) == value
        if f.field.kind == "money":
            return _money_condition(column, f.op, value)
        return _compare(column, f.op, value)

    def order(self, term: SortTerm):
        expression = self.expression(term.field)
        if term.descending:
            return expression.desc().nulls_last()
        return expression.asc().nulls_first()

    def after(self, terms: tuple[SortTerm, ...], values: tuple) -> ColumnElement:
        """Rows whose sort values come after ``values``, in the terms' order."""
        alternatives, equal_so_far = [], []
        for term, value in zip(terms, values, strict=True):
            expression = self.expression(term.field)
            money = term.field.kind == "money"
            alternatives.append(and_(*equal_so_far, _beyond(expression, term, value, money)))
            equal_so_far.append(
                expression.is_(None) if value is None else _equal(expression, value, money)
            )
        return or_(*alternatives)


def _none_condition(column: ColumnElement, op: str) -> ColumnElement:
    """A comparison with null: only EQ and NE match anything (as ``Filter.matches``)."""
    if op == "EQ":
        return column.is_(None)
    if op == "NE":
        return column.is_not(None)
    return false()


def _compare(column: ColumnElement, op: str, value) -> ColumnElement:
    value = literal(value, column.type)  # typed as the column (true and false, instants)
    if op == "EQ":
        return column == value
    if op == "NE":
        return or_(column != value, column.is_(None))
    return {
        "LT": column < value,
        "GT": column > value,
        "LE": column <= value,
        "GE": column >= value,
    }[op]


def _money_condition(column: ColumnElement, op: str, value: Decimal) -> ColumnElement:
    """An integer column (hundredths) against any number, exactly: 10.5 hundredths
    is greater than 10 and less than 11, and equal to no amount."""
    whole = value == int(value)
    if op == "EQ":
        return column == int(value) if whole else false()
    if op == "NE":
        return or_(column != int(value), column.is_(None)) if whole else true()
    bound = math.floor(value) if op in ("GT", "LE") else math.ceil(value)
    return _compare(column, op, bound)


def _equal(expression: ColumnElement, value, money: bool) -> ColumnElement:
    return _money_condition(expression, "EQ", value) if money else _compare(expression, "EQ", value)


def _beyond(expression: ColumnElement, term: SortTerm, value, money: bool) -> ColumnElement:
    """Strictly after ``value`` in the term's direction (None first ascending, last descending)."""
    if term.descending:
        if value is None:
            return false()
        before = (_money_condition if money else _compare)(expression, "LT", value)
        return or_(before, expression.is_(None))
    if value is None:
        return expression.is_not(None)
    return (_money_condition if money else _compare)(expression, "GT", value)
