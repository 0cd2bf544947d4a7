"""A tenant's fault rules in the SQL store, so a rule added through one
process fires in all of them, and its counts (``times=1``, ``every``, the
n-th draw of ``probability``) are one count for the whole sandbox.

Each process keeps the rules parsed, and reads them again when the tenant's
``faults_version`` (seen at the start of each request) has moved. A match
is counted in a transaction that holds the rule's row, so two processes never
both take the last of a ``times``. ``last`` (why the latest request did or
didn't fire a rule) is what this process saw.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from sqlalchemy import delete, func, select, update

from mockserver.faults import FaultRules, Rule, RuleParser
from mockserver.faults.ruleset import HEADER_RULE_ID, HEADER_RULES_KEPT, ArmedRule, new_rule
from mockserver.faults.schedule import Decision, Tally
from mockserver.tenancy.shared_state import SharedState, fault_rules, tenants

rules = fault_rules.c
HEADER = "header"
STARTUP_SOURCES = ("startup", "latency")  # the sources of the rules a start installs


class SharedCounter:
    """One rule's tally, in its row."""

    def __init__(self, state: SharedState, tenant: str, slot: str):
        self._state = state
        self._where = (rules.tenant == tenant) & (rules.slot == slot)

    def tally(self) -> Tally:
        with self._state.reading() as connection:
            row = connection.execute(
                select(rules.started, rules.matches, rules.fired).where(self._where)
            ).first()
        return Tally(time.time()) if row is None else Tally(*row)

    def count(self, step: Callable[[Tally], Decision]) -> Decision:
        with self._state.writing() as connection:
            row = connection.execute(
                select(rules.started, rules.matches, rules.fired)
                .where(self._where)
                .with_for_update()
            ).first()
            if row is None:  # removed by another process while this request planned
                return step(Tally(time.time()))
            decision = step(Tally(*row))
            connection.execute(
                update(fault_rules)
                .where(self._where)
                .values(matches=decision.tally.matches, fired=decision.tally.fired)
            )
        return decision


class SharedFaultRules(FaultRules):
    """``FaultRules`` whose rules and counts are the tenant's rows. Creating it
    changes nothing: ``reset`` puts the start-up rules in (when the tenant is new)."""

    def __init__(
        self,
        state: SharedState,
        tenant: str,
        seed: int,
        parser: RuleParser,
        startup: Iterable[tuple[Rule, str]] = (),
        clock: Callable[[], float] = time.time,
    ):
        self._state = state
        self._tenant = tenant
        self._seed = seed
        self._clock = clock
        self._parser = parser
        self._startup = tuple(startup)
        self._lock = threading.Lock()
        self._seen: int | None = None  # the faults_version the tenant's row has
        self._loaded: tuple[int | None, tuple[ArmedRule, ...]] = (-1, ())
        self._header_rules: OrderedDict[str, ArmedRule] = OrderedDict()

    def see(self, faults_version: int) -> None:
        """The tenant's ``faults_version``, as a request found it."""
        self._seen = faults_version

    def current(self) -> tuple[ArmedRule, ...]:
        version, armed = self._loaded
        if version != self._seen or self._seen is None:
            armed = self._load()
        return armed

    def _load(self) -> tuple[ArmedRule, ...]:
        known = {armed.rule.id: armed for armed in self._loaded[1]}
        columns = (rules.slot, rules.source, rules.spec, rules.identity)
        with self._state.reading() as connection:
            version = connection.scalar(
                select(tenants.c.faults_version).where(tenants.c.tenant == self._tenant)
            )
            rows = connection.execute(
                select(*columns)
                .where(rules.tenant == self._tenant, rules.source != HEADER)
                .order_by(rules.position)
            ).all()
        armed = []
        for slot, source, spec, identity in rows:
            kept = known.get(slot)
            if kept is None or kept.rule.spec != json.loads(spec):
                rule = replace(self._parser.parse(json.loads(spec)), identity=identity)
                kept = self.arm(rule, source, SharedCounter(self._state, self._tenant, slot))
            armed.append(kept)
        self._loaded = (version, tuple(armed))
        self._seen = version
        return self._loaded[1]

    def _insert(self, connection, rule: Rule, source: str, slot: str | None = None) -> None:
        position = connection.scalar(
            select(func.coalesce(func.max(rules.position), 0)).where(rules.tenant == self._tenant)
        )
        connection.execute(
            self._state.upsert(fault_rules)
            .values(
                tenant=self._tenant,
                slot=slot or rule.id,
                position=position + 1,
                source=source,
                spec=json.dumps(rule.spec),
                identity=rule.identity,
                started=self._clock(),
                matches=0,
                fired=0,
            )
            .on_conflict_do_nothing()
        )

    def reset(self) -> None:
        """Start-up rules only, their counters and streams restarted."""
        with self._state.writing() as connection:
            connection.execute(delete(fault_rules).where(rules.tenant == self._tenant))
            for rule, source in self._startup:
                self._insert(connection, rule, source)
            self._changed(connection, rule_number=1)

    def install_startup(self) -> None:
        """The start-up rules of this start in place of the last start's (counts
        restarted); rules added through the API stay."""
        with self._state.writing() as connection:
            connection.execute(
                delete(fault_rules).where(
                    rules.tenant == self._tenant, rules.source.in_(STARTUP_SOURCES)
                )
            )
            for rule, source in self._startup:
                self._insert(connection, rule, source)
            self._changed(connection)

    def _changed(self, connection, **values) -> None:
        connection.execute(
            update(tenants)
            .where(tenants.c.tenant == self._tenant)
            .values(faults_version=tenants.c.faults_version + 1, **values)
        )
        self._seen = None

    def add(self, spec: str | Mapping) -> ArmedRule:
        with self._state.writing() as connection:
            taken = set(
                connection.scalars(
                    select(rules.slot).where(rules.tenant == self._tenant, rules.source != HEADER)
                )
            )
            number = connection.scalar(
                select(tenants.c.rule_number).where(tenants.c.tenant == self._tenant)
            )
            rule, number = new_rule(self._parser.parse, spec, taken, number)
            self._insert(connection, rule, "api")
            self._changed(connection, rule_number=number)
        return next(armed for armed in self.current() if armed.rule.id == rule.id)

    def remove(self, rule_id: str) -> bool:
        with self._state.writing() as connection:
            found = connection.execute(
                delete(fault_rules)
                .where(rules.tenant == self._tenant, rules.slot == rule_id, rules.source != HEADER)
                .returning(rules.slot)
            ).first()
            if found is not None:
                self._changed(connection)
        return found is not None

    def clear(self) -> None:
        with self._state.writing() as connection:
            connection.execute(delete(fault_rules).where(rules.tenant == self._tenant))
            self._changed(connection)
        with self._lock:
            self._header_rules.clear()

    def _header_rule(self, text: str) -> ArmedRule:
        """The rule of one ``X-Mock-Fault`` text; its row is (re)made when missing."""
        slot = f"{HEADER} {text}"
        with self._lock:
            armed = self._header_rules.get(text)
        if armed is None:
            rule = self._parser.parse(text, HEADER_RULE_ID)
            armed = self.arm(rule, HEADER, SharedCounter(self._state, self._tenant, slot))
        with self._state.writing() as connection:
            self._insert(connection, armed.rule, HEADER, slot)
            self._drop_old_header_rules(connection)
        with self._lock:
            self._header_rules[text] = armed
            self._header_rules.move_to_end(text)
            while len(self._header_rules) > HEADER_RULES_KEPT:
                self._header_rules.popitem(last=False)
        return armed

    def _drop_old_header_rules(self, connection) -> None:
        mine = (rules.tenant == self._tenant) & (rules.source == HEADER)
        old = select(rules.slot).where(mine).order_by(rules.position.desc())
        connection.execute(
            delete(fault_rules).where(
                mine, rules.slot.in_(old.offset(HEADER_RULES_KEPT).limit(1_000_000))
            )
        )
