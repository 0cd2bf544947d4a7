"""What ``mockserver serve`` prints once it listens: enough to know, at a
glance, which sandbox this is, what data it holds and what it will break."""

from __future__ import annotations

from flask import Flask

from mockserver import __version__
from mockserver.config import Config
from mockserver.tenancy.tenants import DEFAULT_TENANT

AUTH_MODES = {"any": "any bearer token works", "strict": "only issued or --token tokens work"}
TENANT_MODES = {"shared": "one shared store", "per-token": "a store per bearer token"}


def banner(app: Flask, url: str) -> str:
    sandbox = app.extensions["mockserver"]
    config = sandbox.config
    tenant = sandbox.tenants.get(DEFAULT_TENANT)
    store = tenant.store
    source = "generated"
    if config.fixtures:
        source = f"from {config.fixtures}" + (
            " on generated data" * (config.fixtures_mode == "merge")
        )
    rules = [armed.to_wire() for armed in tenant.faults]
    processes = f"{config.workers} workers x " if config.workers > 1 else ""
    lines = [
        f"mockserver {__version__}: Zuora's debit memo API on {url}  "
        f"({processes}{config.threads} threads)",
        f"  data     seed {config.seed}: {store.count('accounts')} accounts, "
        f"{store.count('debit_memos')} debit memos, {source}",
        f"  auth     {config.auth} ({AUTH_MODES[config.auth]}); "
        f"admin token {'required' if config.admin_token else 'off'}",
        f"  tenants  {config.tenants} ({TENANT_MODES[config.tenants]})",
        f"  store    {_store(config)}",
        f"  faults   {f'{len(rules)} rules' if rules else 'none'}",
        *(f"    {_rule(rule)}" for rule in rules),
        f"  docs     {url}/docs",
    ]
    if any(rule.rule == "/__mock/ui" for rule in app.url_map.iter_rules()):
        lines.append(f"  ui       {url}/__mock/ui")
    return "\n".join(lines)


def _store(config: Config) -> str:
    if config.store == "memory":
        return "memory (this process's; gone when it stops)"
    who = f"the {config.workers} workers" if config.workers > 1 else "every process on it"
    start = "reset to the start-up data" if config.reset_on_start else "kept across restarts"
    return f"{config.shown_store} (shared by {who}; {start})"


def _rule(wire: dict) -> str:
    spec = {key: value for key, value in wire.items() if key not in ("id", "source", "stats")}
    text = ",".join(f"{key}={value}" for key, value in spec.items())
    return f"{wire['id']}: {text}"
