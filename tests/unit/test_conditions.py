"""Custom event trigger conditions: the subset of Zuora's JEXL that parses, what it
means on a change, and what is refused (with its position), hostile input included."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from decimal import Decimal

import pytest

from mockserver.domain.conditions import (
    MAX_DEPTH,
    MAX_LENGTH,
    AllOf,
    AnyOf,
    ChangeType,
    Comparison,
    ConditionError,
    Field,
    Literal,
    Not,
    parse,
)

FIELDS = frozenset(
    {"Status", "Amount", "Balance", "DueDate", "Region__c", "TransferredToAccounting"}
)
POSTED = (
    "changeType == 'UPDATE' && DebitMemo.Status == 'Posted' && DebitMemo.Status_old != 'Posted'"
)


@dataclass(frozen=True)
class Change:
    """A change as the callout engine's feed hands it over."""

    change_type: str
    new: dict | None
    old: dict | None


def memo(text: str):
    return parse(text, "DebitMemo", FIELDS)


def update(new: dict, old: dict) -> Change:
    return Change("UPDATE", new, old)


def refusal(text: str, base: str = "DebitMemo") -> ConditionError:
    with pytest.raises(ConditionError) as caught:
        parse(text, base, FIELDS)
    return caught.value


# -- the tree ---------------------------------------------------------------------------


def test_zuoras_example_parses_into_comparisons_joined_by_and():
    condition = memo(POSTED)
    assert condition.tree == AllOf(
        (
            Comparison("==", ChangeType(), Literal("UPDATE")),
            Comparison("==", Field("Status", old=False), Literal("Posted")),
            Comparison("!=", Field("Status", old=True), Literal("Posted")),
        )
    )


def test_and_binds_tighter_than_or():
    tree = memo("DebitMemo.Amount > 1 || DebitMemo.Amount < 0 && DebitMemo.Status == 'Draft'").tree
    assert isinstance(tree, AnyOf)
    assert isinstance(tree.terms[1], AllOf)


def test_parentheses_and_not_group():
    tree = memo("!(DebitMemo.Status == 'Draft' || DebitMemo.Status == 'Canceled')").tree
    assert isinstance(tree, Not)
    assert isinstance(tree.term, AnyOf)


@pytest.mark.parametrize(
    ("text", "constant"),
    [
        ("DebitMemo.Amount == 1000.0", Decimal("1000.0")),
        ("DebitMemo.Amount == -5", Decimal(-5)),
        ('DebitMemo.Status == "Posted"', "Posted"),
        ("DebitMemo.Status == 'it\\'s'", "it's"),
        ("DebitMemo.Status == 'a\\\\b'", "a\\b"),
        ("DebitMemo.DueDate == null", None),
        ("DebitMemo.TransferredToAccounting == true", True),
        ("DebitMemo.TransferredToAccounting == false", False),
    ],
)
def test_literals(text, constant):
    assert memo(text).tree.right == Literal(constant)


def test_custom_fields_and_their_old_values_are_fields():
    tree = memo("DebitMemo.Region__c_old != DebitMemo.Region__c").tree
    assert tree == Comparison("!=", Field("Region__c", old=True), Field("Region__c", old=False))


def test_without_a_field_list_any_field_of_the_base_object_parses():
    assert parse("Payment.Whatever == 1", "Payment").tree.left == Field("Whatever", old=False)


# -- what it means ----------------------------------------------------------------------


def test_zuoras_example_fires_on_the_change_to_posted_only():
    condition = memo(POSTED)
    assert condition.matches(update({"Status": "Posted"}, {"Status": "Draft"}))
    assert not condition.matches(update({"Status": "Posted"}, {"Status": "Posted"}))
    assert not condition.matches(Change("INSERT", {"Status": "Posted"}, None))


def test_numbers_compare_by_value_whatever_their_type():
    condition = memo("DebitMemo.Amount > 1000.0")
    assert condition.matches(update({"Amount": Decimal("1000.01")}, {}))
    assert condition.matches(update({"Amount": 1001}, {}))
    assert condition.matches(update({"Amount": 1000.5}, {}))
    assert condition.matches(update({"Amount": "1200.00"}, {}))
    assert not condition.matches(update({"Amount": Decimal(1000)}, {}))
    assert memo("DebitMemo.Amount == 10").matches(update({"Amount": Decimal("10.00")}, {}))


def test_strings_order_as_text_so_iso_dates_order_in_time():
    condition = memo("DebitMemo.DueDate < '2026-12-01'")
    assert condition.matches(update({"DueDate": "2026-11-30"}, {}))
    assert not condition.matches(update({"DueDate": "2026-12-01"}, {}))


def test_null_equals_only_null_and_orders_against_nothing():
    assert memo("DebitMemo.DueDate == null").matches(update({}, {}))
    assert not memo("DebitMemo.DueDate == null").matches(update({"DueDate": "2026-01-01"}, {}))
    assert memo("DebitMemo.DueDate != null").matches(update({"DueDate": "2026-01-01"}, {}))
    assert not memo("DebitMemo.Amount > 0").matches(update({"Amount": None}, {}))
    assert not memo("DebitMemo.Amount <= 0").matches(update({}, {}))


def test_a_string_that_is_no_number_never_orders_against_a_number():
    assert not memo("DebitMemo.Status > 5").matches(update({"Status": "Posted"}, {}))
    assert memo("DebitMemo.Status != 5").matches(update({"Status": "Posted"}, {}))


def test_booleans_equal_only_booleans():
    condition = memo("DebitMemo.TransferredToAccounting == true")
    assert condition.matches(update({"TransferredToAccounting": True}, {}))
    assert not condition.matches(update({"TransferredToAccounting": 1}, {}))
    assert not memo("DebitMemo.TransferredToAccounting < true").matches(
        update({"TransferredToAccounting": False}, {})
    )


def test_a_delete_has_only_old_values():
    condition = memo("changeType == 'DELETE' && DebitMemo.Status_old == 'Draft'")
    assert condition.matches(Change("DELETE", None, {"Status": "Draft"}))
    assert not memo("DebitMemo.Status == 'Draft'").matches(
        Change("DELETE", None, {"Status": "Draft"})
    )


def test_not_and_or():
    condition = memo("!(DebitMemo.Status == 'Draft') || DebitMemo.Amount >= 100")
    assert condition.matches(update({"Status": "Posted", "Amount": 1}, {}))
    assert condition.matches(update({"Status": "Draft", "Amount": 100}, {}))
    assert not condition.matches(update({"Status": "Draft", "Amount": 99}, {}))


# -- what is refused, and where ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("DebitMemo.Status = 'Posted'", 18, "unexpected character '='"),
        ("DebitMemo.Status == ", 21, "expected a field or a value, found the end"),
        ("DebitMemo.Status 'Posted'", 18, "expected a comparison"),
        ("(DebitMemo.Amount > 1", 22, "expected ')'"),
        ("DebitMemo.Amount > 1)", 21, "expected '&&', '||' or the end"),
        ("DebitMemo.Amount > 1 & DebitMemo.Amount < 5", 22, "unexpected character '&'"),
        ("DebitMemo.Amount > 1 == true", 22, "expected '&&', '||' or the end"),
        ("!DebitMemo.Amount > 1", 2, "'!' must be followed by '('"),
        ("DebitMemo.Status == 'Posted", 21, "the string is not closed"),
        ("DebitMemo.Status == 'a\\nb'", 23, "unsupported escape '\\n'"),
        ("Invoice.Status == 'Posted'", 1, "not a field of the base object DebitMemo"),
        ("DebitMemo.Account.Name == 'x'", 1, "not a field of the base object DebitMemo"),
        ("DebitMemo.status == 'Posted'", 1, "DebitMemo has no field 'status'"),
        ("Status == 'Posted'", 1, "unknown name 'Status'"),
        ("changeType == 'UPSERT'", 15, "changeType is INSERT, UPDATE or DELETE, not 'UPSERT'"),
        ("DebitMemo.Amount > 1 && size(DebitMemo.Status) > 1", 25, "functions such as 'size'"),
        ("DebitMemo.Status =~ 'Post'", 18, "unexpected character '='"),
        ("DebitMemo.Amount + 1 > 2", 18, "unexpected character '+'"),
        ("   ", 1, "the condition is empty"),
        ("", 1, "the condition is empty"),
    ],
)
def test_outside_the_subset_is_refused_at_its_position(text, position, words):
    error = refusal(text)
    assert error.position == position
    assert words in error.reason
    assert str(error).endswith(f"at character {position}")


def test_the_message_quotes_a_long_token_shortened():
    error = refusal("DebitMemo.Amount > 1 " + "x" * 200)
    assert len(error.reason) < 120


# -- hostile input: bounded time, bounded stack ---------------------------------------


def test_a_condition_over_the_cap_is_refused_without_reading_it():
    error = refusal("DebitMemo.Status == '" + "x" * 100_000 + "'")
    assert error.position == MAX_LENGTH + 1
    assert f"longer than {MAX_LENGTH}" in error.reason


def test_a_string_literal_up_to_the_cap_parses():
    text = "DebitMemo.Status == '" + "x" * (MAX_LENGTH - 23) + "'"
    assert len(text) == MAX_LENGTH - 1
    assert memo(text).tree.right == Literal("x" * (MAX_LENGTH - 23))


def test_groups_nested_past_the_cap_are_refused_at_the_first_one_too_deep():
    text = "(" * (MAX_DEPTH + 1) + "DebitMemo.Amount > 1" + ")" * (MAX_DEPTH + 1)
    error = refusal(text)
    assert error.position == MAX_DEPTH + 1
    assert f"deeper than {MAX_DEPTH}" in error.reason


def test_groups_nested_to_the_cap_parse_and_evaluate():
    text = "!(" * MAX_DEPTH + "DebitMemo.Amount > 1" + ")" * MAX_DEPTH
    condition = memo(text)
    assert condition.matches(update({"Amount": 5}, {})) is (MAX_DEPTH % 2 == 0)


def test_thousands_of_open_parentheses_never_reach_the_recursion_limit():
    text = "(" * (MAX_LENGTH - 1)
    assert sys.getrecursionlimit() // 4 < MAX_LENGTH
    assert refusal(text).position == MAX_DEPTH + 1


def test_a_long_flat_chain_is_parsed_without_recursion():
    term = "DebitMemo.Amount > 1"
    text = " || ".join([term] * (MAX_LENGTH // (len(term) + 4)))
    condition = memo(text)
    assert len(condition.tree.terms) == MAX_LENGTH // (len(term) + 4)
    assert condition.matches(update({"Amount": 2}, {}))


@pytest.mark.parametrize(
    "text",
    [
        "'" + "\\'" * 2400,
        "DebitMemo.Status == '" + "\\" * 4000,
        "1" * 4999,
        "a" * 4999,
        "DebitMemo." * 499,
        "\x00\x01\x02",
        "((((" * 1000,
        "!(" * 2000,
    ],
)
def test_hostile_conditions_are_refused_with_a_position(text):
    error = refusal(text)
    assert 1 <= error.position <= len(text) + 1
