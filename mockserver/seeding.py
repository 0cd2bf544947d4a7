"""Fixture generation: accounts and debit memos from a seed, with Faker.

The same seed, profile and anchor date give the same records, ids included,
on any machine (Faker is pinned to one minor release for that). Text comes
from Faker; amounts, dates and choices from a ``random.Random`` of our own,
whose algorithm Python keeps stable.
"""

from __future__ import annotations

import contextlib
import gc
import random
from collections import defaultdict
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

from faker import Faker

from .lifecycle import apply_payment
from .money import MINOR_UNITS, ZERO, from_cents, to_cents
from .records import (
    Account,
    Address,
    Audit,
    Contact,
    DebitMemoItem,
    PaymentMethod,
    TaxationItem,
    new_debit_memo,
)
from .store import Store

STATES = ("draft", "open", "partly_paid", "paid", "past_due", "canceled")
LOCALES = {"USD": "en_US", "EUR": "de_DE", "GBP": "en_GB", "JPY": "ja_JP"}
# Only the providers the accounts use: loading all of Faker's costs ~0.1 s at start.
FAKER_PROVIDERS = [
    f"faker.providers.{name}"
    for name in ("person", "company", "address", "phone_number", "internet")
]
TAXES = {  # currency -> (name, tax code, rate, jurisdiction, inclusive)
    "USD": [
        ("CA State Sales Tax", "SALES-CA", Decimal("0.0725"), "California", False),
        ("NY State Sales Tax", "SALES-NY", Decimal("0.04"), "New York", False),
        ("NYC Local Sales Tax", "SALES-NYC", Decimal("0.045"), "New York City", False),
    ],
    "EUR": [("Umsatzsteuer", "VAT-DE", Decimal("0.19"), "Germany", True)],
    "GBP": [("VAT", "VAT-GB", Decimal("0.20"), "United Kingdom", True)],
    "JPY": [("Consumption Tax", "JCT", Decimal("0.10"), "Japan", True)],
}
CHARGES = [  # name, sku, unit of measure, unit price range in USD, quantity range
    ("Late payment fee", "SKU-FEE-LATE", "Each", (15, 75), (1, 1)),
    ("API overage", "SKU-API-OVG", "1K Calls", (0.5, 4), (10, 400)),
    ("Storage overage", "SKU-STO-OVG", "GB", (0.1, 0.9), (50, 900)),
    ("Professional services", "SKU-PS-HOUR", "Hour", (95, 250), (1, 40)),
    ("Support plan true-up", "SKU-SUP-TU", "Seat", (12, 60), (1, 25)),
    ("Shipping adjustment", "SKU-SHIP-ADJ", "Each", (8, 120), (1, 3)),
    ("Additional user licenses", "SKU-LIC-USR", "User", (9, 49), (1, 50)),
    ("Onboarding fee", "SKU-ONB", "Each", (250, 2500), (1, 1)),
]
REASON_CODES = [
    "Correcting invoice error",
    "Charge Dispute",
    "Late Payment Fee",
    "Standard Adjustment",
    "Service Upgrade",
    "Shipping Charge",
]
PAYMENT_TERMS = ["Net 30", "Net 30", "Net 30", "Net 15", "Net 45", "Due Upon Receipt"]
EXCHANGE = {"USD": 1, "EUR": Decimal("0.92"), "GBP": Decimal("0.79"), "JPY": 150}


@dataclass(frozen=True)
class Profile:
    """How much to generate. Defaults match ``fixtures/default-profile.yaml``."""

    accounts: int = 12
    debit_memos: int = 80
    currencies: dict = field(default_factory=lambda: {"USD": 5, "EUR": 3, "GBP": 2, "JPY": 2})
    states: dict = field(
        default_factory=lambda: {
            "draft": 15, "open": 20, "partly_paid": 15, "paid": 20, "past_due": 15, "canceled": 15,
        }
    )  # fmt: skip
    max_items_per_memo: int = 4
    anchor_date: date | None = None  # "today" of the data; None: the day the server starts

    @classmethod
    def from_mapping(cls, data: dict) -> Profile:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown profile key(s): {', '.join(unknown)}")
        profile = cls(**data)
        if isinstance(profile.anchor_date, str):
            profile = replace(profile, anchor_date=date.fromisoformat(profile.anchor_date))
        profile.check()
        return profile

    def check(self) -> None:
        if self.accounts < 1 or self.debit_memos < 0:
            raise ValueError("profile needs at least one account and no negative memo count")
        if not 1 <= self.max_items_per_memo <= 99:
            raise ValueError("max_items_per_memo must be from 1 to 99")
        unknown = sorted(set(self.currencies) - set(LOCALES))
        if unknown or not self.currencies:
            raise ValueError(f"currencies must be among {', '.join(LOCALES)}")
        if set(self.states) - set(STATES) or not any(self.states.values()):
            raise ValueError(f"states must be among {', '.join(STATES)}")


def generate(seed: int | str, profile: Profile | None = None, today: date | None = None) -> Store:
    """A store filled from ``seed``: accounts first, then debit memos."""
    profile = profile or Profile()
    anchor = profile.anchor_date or today or datetime.now(UTC).date()
    with _collector_paused():
        return _Generator(seed, profile, anchor).run()


@contextlib.contextmanager
def _collector_paused():
    """Records hold no reference cycles, so the cyclic collector has nothing to find
    while they are made; left on, it rescans the growing store over and over."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Generator:
    def __init__(self, seed, profile: Profile, anchor: date):
        self.store = Store(seed)
        self.profile = profile
        self.anchor = anchor
        self.random = random.Random(f"fixtures:{seed}")
        self.faker = Faker([LOCALES[c] for c in profile.currencies], providers=FAKER_PROVIDERS)
        self.faker.seed_instance(seed)
        self.users = [self.store.ids.new_id() for _ in range(3)]
        self.horizon = _end_of(anchor)  # nothing generated happens after this
        # Equal values share one object: a 100,000-memo store repeats the same
        # dates, quantities, prices and custom fields many times over.
        self._shared: defaultdict[type, dict] = defaultdict(dict)  # one dict per type
        self.regions = {r: MappingProxyType({"Region__c": r}) for r in ("NA", "EMEA", "APAC")}

    def _share(self, value):
        return self._shared[type(value)].setdefault(value, value)

    def run(self) -> Store:
        accounts = [self._account(n) for n in range(1, self.profile.accounts + 1)]
        states = self._state_sequence()
        # A memo that is open and not yet due needs payment terms of a day or more.
        with_terms = [a for a in accounts if a.payment_term_days > 0] or accounts
        for state in states:
            pool = with_terms if state in ("open", "partly_paid") else accounts
            self._memo(self.random.choice(pool), state)
        return self.store

    def _state_sequence(self) -> list[str]:
        """Every state with a weight appears at least once, then by weight."""
        weights = {s: w for s, w in self.profile.states.items() if w > 0}
        sequence = list(weights)[: self.profile.debit_memos]
        rest = self.profile.debit_memos - len(sequence)
        sequence += self.random.choices(list(weights), list(weights.values()), k=rest)
        self.random.shuffle(sequence)
        return sequence

    def _moment(self, day: date) -> datetime:
        seconds = self.random.randrange(8 * 3600, 19 * 3600)
        return datetime.combine(day, time(tzinfo=UTC)) + timedelta(seconds=seconds)

    def _account(self, number: int) -> Account:
        ids, rnd = self.store.ids, self.random
        currency = rnd.choices(
            list(self.profile.currencies), list(self.profile.currencies.values())
        )[0]
        fake = self.faker[LOCALES[currency]]
        account_id, contact_id = ids.new_id(), ids.new_id()
        created = self._moment(self.anchor - timedelta(days=rnd.randrange(400, 1500)))
        audit = Audit(self.users[0], created, self.users[0], created)
        first, last = fake.first_name(), fake.last_name()
        company = fake.company()
        domain = fake.domain_name()
        contact = Contact(
            id=contact_id,
            account_id=account_id,
            first_name=first,
            last_name=last,
            email=fake.email(),
            work_email=f"billing@{domain}",
            work_phone=fake.phone_number(),
            address=Address(
                line1=fake.street_address(),
                city=fake.city(),
                country=fake.current_country(),
                postal_code=fake.postcode(),
                state=fake.state() if currency == "USD" else None,
            ),
            audit=audit,
        )
        methods = [
            PaymentMethod(ids.new_id(), account_id, kind, label)
            for kind, label in (
                ("card", f"Visa ending {rnd.randrange(1000, 10000)}"),
                ("ach_debit", f"Checking ending {rnd.randrange(1000, 10000)}"),
            )[: rnd.randint(1, 2)]
        ]
        account = Account(
            id=account_id,
            account_number=f"A{number:08d}",
            name=company,
            currency=currency,
            payment_terms=rnd.choice(PAYMENT_TERMS),
            bill_cycle_day=rnd.randint(1, 28),
            bill_to_id=contact_id,
            sold_to_id=contact_id,
            default_payment_method_id=methods[0].id,
            sequence_set_id=self.users[2],
            crm_id=f"{rnd.getrandbits(60):015X}",
            sales_rep=f"{fake.first_name()} {fake.last_name()}",
            auto_pay=rnd.random() < 0.5,
            audit=audit,
        )
        self.store.add_account(account, [contact], methods)
        return account

    def _memo(self, account: Account, state: str) -> None:
        store, rnd = self.store, self.random
        terms = account.payment_term_days
        if state in ("open", "partly_paid"):  # not yet due
            age = rnd.randint(0, terms)
        elif state == "past_due":
            age = rnd.randint(terms + 1, 364)
        else:
            age = rnd.randint(0, 364)
        document_date = self._share(self.anchor - timedelta(days=max(age, 1)))
        created = self._moment(document_date)
        user = rnd.choice(self.users)
        audit = Audit(user, created, user, created)
        memo_id = store.ids.new_id()
        items = tuple(
            self._item(memo_id, account.currency, document_date, audit)
            for _ in range(rnd.randint(1, self.profile.max_items_per_memo))
        )
        number = store.next_memo_number()
        due_date = self._share(document_date + timedelta(days=terms))
        details = {
            "description": rnd.choice(
                [None, "Adjustment for the last billing period", "Usage above plan"]
            ),
            "reason_code": rnd.choice(REASON_CODES),
            "custom_fields": self.regions[rnd.choice(["NA", "EMEA", "APAC"])],
        }
        if state != "draft":
            audit, items = self._advance(state, account.currency, audit, items, details)
        memo = new_debit_memo(
            account, memo_id, number, document_date, due_date, audit, items, **details
        )
        store.put_memo(memo)

    def _advance(
        self, state: str, currency: str, audit: Audit, items: tuple, details: dict
    ) -> tuple:
        """What a fresh draft becomes in the state the profile asked for.

        Returns the memo's audit and items, and adds to ``details``.
        """
        user = audit.created_by_id
        later = min(audit.created_time + timedelta(hours=self.random.randint(1, 20)), self.horizon)
        audit = audit.touched(user, later)
        if state == "canceled":
            details.update(state="canceled", canceled_time=later)
            return audit, items
        details.update(state="open", posted_by_id=user, posted_time=later)
        if state not in ("paid", "partly_paid"):
            return audit, items
        total = sum(i.subtotal + i.tax for i in items)
        if state == "paid":
            amount = total
        else:
            share = Decimal(self.random.randint(10, 90)) / 100
            amount = to_cents(_round(from_cents(total) * share, MINOR_UNITS[currency]))
        if amount <= 0:
            return audit, items
        when = min(later + timedelta(days=self.random.randint(1, 20)), self.horizon)
        details["amount_paid"] = amount
        return audit.touched(user, when), apply_payment(items, amount, user, when)

    def _item(self, memo_id: str, currency: str, day: date, audit: Audit) -> DebitMemoItem:
        rnd, ids = self.random, self.store.ids
        name, sku, unit, (low, high), (qmin, qmax) = rnd.choice(CHARGES)
        places = MINOR_UNITS[currency]
        unit_amount = self._share(
            _round(Decimal(str(rnd.uniform(low, high))) * EXCHANGE[currency], places)
        )
        quantity = self._share(Decimal(rnd.randint(qmin, qmax)))
        amount = unit_amount * quantity
        amount_cents = to_cents(amount)
        taxes = ()
        tax_inclusive = False
        if rnd.random() < 0.7:
            choices = TAXES[currency]
            picked = rnd.sample(choices, k=rnd.randint(1, min(2, len(choices))))
            tax_inclusive = picked[0][4]
            taxes = tuple(
                TaxationItem(
                    id=ids.new_id(),
                    name=tax_name,
                    amount=to_cents(_tax(amount, rate, inclusive, places)),
                    tax_code=code,
                    tax_date=day,
                    tax_rate=rate,
                    audit=audit,
                    tax_code_name=code,
                    tax_rate_name=tax_name,
                    tax_rate_type="percent",
                    tax_inclusive=inclusive,
                    jurisdiction=jurisdiction,
                )
                for tax_name, code, rate, jurisdiction, inclusive in picked
            )
        start = self._share(day - timedelta(days=rnd.randint(0, 30)))
        return DebitMemoItem(
            id=ids.new_id(),
            debit_memo_id=memo_id,
            amount=amount_cents,
            unit_amount=unit_amount,
            quantity=quantity,
            service_start=start,
            service_end=self._share(start + timedelta(days=rnd.randint(0, 30))),
            audit=audit,
            tax_inclusive=tax_inclusive,
            taxation_items=taxes,
            name=name,
            sku=sku,
            unit_of_measure=unit,
            tax_code=taxes[0].tax_code if taxes else None,
        )


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _tax(amount: Decimal, rate: Decimal, inclusive: bool, places: int) -> Decimal:
    base = amount - amount / (1 + rate) if inclusive else amount * rate
    return max(_round(base, places), ZERO)


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(tzinfo=UTC)) - timedelta(seconds=1)
