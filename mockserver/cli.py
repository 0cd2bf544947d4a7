"""``mockserver serve`` and ``mockserver fixtures``.

Every ``serve`` flag also reads an environment variable (``--port`` from
``MOCKSERVER_PORT`` and so on), which is how the container is configured.
Precedence: flag, then environment, then ``--config`` file, then default.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
from datetime import UTC, date

import click

from mockserver import __version__
from mockserver.app import create_app
from mockserver.banner import banner
from mockserver.config import (
    AUTH_MODES,
    CALLOUT_URL_MODES,
    MAX_WORKERS,
    PROFILES,
    TENANT_MODES,
    Config,
    ConfigError,
    read_file,
)
from mockserver.faces.v2.wire import dumps
from mockserver.fixtures import seeding
from mockserver.server import CannotListen, connection_policy, listeners, serve_forever


def _option(*names, env: str, **kwargs):
    return click.option(*names, envvar=f"MOCKSERVER_{env}", show_envvar=True, **kwargs)


class FaultSpec(click.ParamType):
    """A fault rule as ``key=value,key=value`` text; in the environment
    variable, several rules are separated by ``;``."""

    name = "SPEC"
    envvar_list_splitter = ";"

    def convert(self, value, param, ctx):
        return value.strip()


class CannotStart(click.ClickException):
    """A start-up failure that is not a usage error: one line, exit code 2."""

    exit_code = 2


def _generation(profile_file: str | None, memos: int | None, accounts: int | None) -> dict:
    generation = dict(read_file(profile_file)) if profile_file else {}
    if memos is not None:
        generation["debit_memos"] = memos
    if accounts is not None:
        generation["accounts"] = accounts
    return generation


@click.group()
@click.version_option(__version__, prog_name="mockserver")
def main():
    """A stateful, breakable sandbox of Zuora's debit memo API."""


@main.command()
@_option(
    "--host",
    env="HOST",
    help="Interface to listen on (0.0.0.0 in the container).  [default: 127.0.0.1]",
)
@_option("--port", env="PORT", type=int, help="Port to listen on.  [default: 8080]")
@_option("--seed", env="SEED", type=int, help="Seed of the generated data.  [default: 42]")
@_option(
    "--config",
    "config_file",
    env="CONFIG",
    type=click.Path(dir_okay=False),
    help="YAML or JSON file with any of these settings (keys as flag names).",
)
@_option(
    "--fixtures",
    env="FIXTURES",
    type=click.Path(dir_okay=False),
    help="Snapshot file (JSON or YAML) to load at start and on reset.",
)
@_option(
    "--fixtures-mode",
    env="FIXTURES_MODE",
    type=click.Choice(["replace", "merge"]),
    help="Load fixtures instead of generated data, or on top of it.  [default: replace]",
)
@_option(
    "--generation",
    "generation_file",
    env="GENERATION",
    type=click.Path(dir_okay=False),
    help="Generation profile (YAML/JSON), e.g. fixtures/default-profile.yaml.",
)
@_option(
    "--memos", env="MEMOS", type=click.IntRange(0), help="Debit memos to generate.  [default: 80]"
)
@_option(
    "--accounts",
    env="ACCOUNTS",
    type=click.IntRange(1),
    help="Accounts to generate.  [default: 12]",
)
@_option(
    "--cache-dir",
    env="CACHE_DIR",
    help="Where the generated accounts' Faker text is kept for the next start (a directory, "
    "or off).  [default: $XDG_CACHE_HOME/zuora-mockserver, else ~/.cache/zuora-mockserver]",
)
@_option(
    "--threads",
    env="THREADS",
    type=click.IntRange(1, 1024),
    help="Worker threads of the WSGI server.  [default: 32]",
)
@_option(
    "--auth",
    env="AUTH",
    type=click.Choice(AUTH_MODES),
    help="any: every bearer token works; strict: only issued or --token ones.  [default: any]",
)
@_option(
    "--token",
    "tokens",
    env="TOKENS",
    multiple=True,
    help="A bearer token strict mode accepts (repeatable).",
)
@_option(
    "--token-ttl",
    env="TOKEN_TTL",
    type=click.IntRange(1),
    help="Lifetime of issued tokens, seconds.  [default: 3600]",
)
@_option("--admin-token", env="ADMIN_TOKEN", help="Require this bearer token on /__mock routes.")
@_option(
    "--tenants",
    env="TENANTS",
    type=click.Choice(TENANT_MODES),
    help="per-token: a separate store per bearer token.  [default: shared]",
)
@_option(
    "--max-tenants",
    env="MAX_TENANTS",
    type=click.IntRange(1),
    help="Most tenants at once in per-token mode.  [default: 100]",
)
@_option(
    "--idempotency-ttl",
    env="IDEMPOTENCY_TTL",
    type=click.IntRange(1),
    help="How long idempotency keys are kept, seconds.  [default: 86400]",
)
@_option(
    "--journal-size",
    env="JOURNAL_SIZE",
    type=click.IntRange(1),
    help="Requests kept in the journal per tenant.  [default: 1000]",
)
@_option(
    "--journal-bytes",
    env="JOURNAL_BYTES",
    type=click.IntRange(1024),
    help="Bytes the journal may hold per tenant; the oldest entries go first.  "
    "[default: 16777216 (16 MiB)]",
)
@_option(
    "--max-memos",
    env="MAX_MEMOS",
    type=click.IntRange(1),
    help="Debit memos a tenant's store may hold; creating one more is a 409.  [default: 200000]",
)
@_option(
    "--fault",
    "faults",
    env="FAULT",
    type=FaultSpec(),
    multiple=True,
    help="A fault rule, e.g. operation=createDebitMemo,status=503,times=2 (repeatable; "
    "adds to the config file's).",
)
@_option(
    "--latency",
    env="LATENCY",
    help="Latency on every /v2 route: 300 (ms) or 100..400 (uniform).",
)
@_option(
    "--fault-header/--no-fault-header",
    env="FAULT_HEADER",
    default=None,
    help="Honour a per-request X-Mock-Fault header.  [default: on]",
)
@_option(
    "--rate-limit",
    env="RATE_LIMIT",
    type=click.IntRange(1),
    help="Requests a minute per tenant, then 429 with Retry-After.  [default: off]",
)
@_option(
    "--concurrency-limit",
    env="CONCURRENCY_LIMIT",
    type=click.IntRange(1),
    help="Requests in flight per tenant, then 429.  [default: off]",
)
@_option(
    "--gateway-timeout",
    env="GATEWAY_TIMEOUT",
    type=click.FloatRange(0),
    help="Seconds a request may take, injected latency included, before a 504; "
    "0 turns it off.  [default: 60]",
)
@_option(
    "--max-hold",
    env="MAX_HOLD",
    type=click.FloatRange(0, 24 * 3600, min_open=True),
    help="Seconds an injected wait or trickle may last when the gateway timeout is off.  "
    "[default: 300]",
)
@_option(
    "--max-connections",
    env="MAX_CONNECTIONS",
    type=click.IntRange(10, 100_000),
    help="Client connections at once; past that new ones wait in the listen queue.  "
    "[default: 1000]",
)
@_option(
    "--read-timeout",
    env="READ_TIMEOUT",
    type=click.FloatRange(0, 3600, min_open=True),
    help="Seconds a request may take to arrive, from its first byte, before a 408.  [default: 30]",
)
@_option(
    "--profile",
    env="PROFILE",
    type=click.Choice(sorted(PROFILES)),
    help="Zuora's limits of a tier: zuora-api-sandbox is 2,500 requests a minute "
    "and 40 in flight (explicit limits win).",
)
@_option(
    "--timezone",
    env="TIMEZONE",
    help="The tenants' time zone (a zoneinfo name such as America/Los_Angeles): the offset "
    "of every timestamp, and the day that 'today' is.  [default: UTC]",
)
@_option(
    "--store",
    env="STORE",
    help="Where the tenants' data lives: memory, sqlite:///path/to/file.db (the processes "
    "of one machine share it) or postgresql://user@host/db (several machines).  "
    "[default: memory]",
)
@_option(
    "--workers",
    env="WORKERS",
    type=click.IntRange(1, MAX_WORKERS),
    help="Server processes on the port, sharing the store (more than one needs "
    "--store sqlite:... or postgresql:...).  [default: 1]",
)
@_option(
    "--reset-on-start/--no-reset-on-start",
    env="RESET_ON_START",
    default=None,
    help="With a SQLite or PostgreSQL store: every tenant back to the start-up data at "
    "start (else a restart finds the data where it was).  [default: off]",
)
@_option(
    "--callout",
    "callouts",
    env="CALLOUT",
    type=FaultSpec(),
    multiple=True,
    help="A callout, the short way: event=DebitMemoPosted,url=http://127.0.0.1:9000/hook,"
    "param.memoId=DebitMemo.Id (repeatable; adds to the config file's).",
)
@_option(
    "--callout-fault",
    "callout_faults",
    env="CALLOUT_FAULT",
    type=FaultSpec(),
    multiple=True,
    help="A delivery fault rule, e.g. event=DebitMemoPosted,action=duplicate (repeatable).",
)
@_option(
    "--callout-time",
    env="CALLOUT_TIME",
    help="real: callouts at once, retries at Zuora's 30 minutes; manual: nothing is sent "
    "until POST /__mock/callouts/flush; scaled:F: the retry clock F times as slow "
    "(scaled:0.001 is a thousand times faster).  [default: real]",
)
@_option(
    "--callouts",
    "callout_urls",
    env="CALLOUTS",
    type=click.Choice(CALLOUT_URL_MODES),
    help="strict: callout URLs must be https://, as Zuora wants; open: http:// on any "
    "host too.  [default: open]",
)
@_option(
    "--callout-timeout",
    env="CALLOUT_TIMEOUT",
    type=click.FloatRange(0, 300, min_open=True),
    help="Seconds a callout request may take (connecting and answering) before it counts "
    "as a timeout, and is retried.  [default: 10]",
)
@_option(
    "--quiet",
    "quiet",
    env="QUIET",
    is_flag=True,
    default=None,
    help="No access log line per request.",
)
def serve(config_file, generation_file, memos, accounts, quiet, **flags):
    """Serve the sandbox until SIGINT or SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("waitress").setLevel(logging.WARNING)
    try:
        config = Config.from_mapping(read_file(config_file)) if config_file else Config()
        given = {key: value for key, value in flags.items() if value not in (None, ())}
        for listed in ("faults", "callouts", "callout_faults"):
            if listed in given:
                given[listed] = getattr(config, listed) + given[listed]
        if quiet is not None:
            given["log_requests"] = not quiet
        generation = _generation(generation_file, memos, accounts)
        if generation:
            given["generation"] = {**config.generation, **generation}
        config = Config.from_mapping(given, base=config)
        app = create_app(config)
    except ConfigError as error:
        raise CannotStart(str(error)) from None
    # The start-up data lives as long as the process: keep the cyclic garbage
    # collector from rescanning it (a full pass over 100,000 memos takes ~0.5 s),
    # then let it run (the command's entry kept it off during the start-up).
    gc.freeze()
    gc.enable()
    try:
        if config.workers == 1:
            _serve(app, config, lambda url: click.echo(banner(app, url), err=True))
        else:
            _serve_workers(app, config)
    except CannotListen as error:
        raise CannotStart(str(error)) from None


def _serve(app, config: Config, announce, listener=None) -> None:
    """Serve ``app`` until the server stops; then write what the tenants hold behind
    their answers (``Tenants.stop``)."""
    try:
        serve_forever(
            app,
            config.host,
            config.port,
            config.threads,
            connection_policy(config),
            announce=announce,
            listener=listener,
        )
    finally:
        app.extensions["mockserver"].tenants.stop()


def _serve_workers(app, config: Config) -> None:
    """``--workers N``: the port bound here, the app built here, N forked processes serving."""
    from mockserver.workers import Workers  # only with --workers N: 3 M instructions of a start

    bound = listeners(config.host, config.port, config.workers)
    host, port = bound[0].getsockname()[:2]
    click.echo(banner(app, f"http://{host}:{port}"), err=True)
    tenants = app.extensions["mockserver"].tenants
    tenants.before_fork()

    def serve(inherited) -> None:
        tenants.after_fork()
        _serve(
            app,
            config,
            lambda url: logging.getLogger("mockserver").info(
                "worker %d serving %s", os.getpid(), url
            ),
            inherited,
        )

    Workers(serve, bound).run()


@main.command()
@click.option("--seed", type=int, default=42, show_default=True, help="Seed of the data.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    help="File to write (.json or .yaml); standard output when absent.",
)
@click.option(
    "--generation",
    "generation_file",
    type=click.Path(dir_okay=False),
    help="Generation profile (YAML/JSON).",
)
@click.option("--memos", type=click.IntRange(0), help="Debit memos to generate.")
@click.option("--accounts", type=click.IntRange(1), help="Accounts to generate.")
@click.option(
    "--anchor-date",
    type=click.DateTime(["%Y-%m-%d"]),
    help="The 'today' of the data (default: today). Fix it for byte-identical files.",
)
def fixtures(seed, out, generation_file, memos, accounts, anchor_date):
    """Write generated data as a snapshot, to commit and edit as a fixture file."""
    gc.enable()  # off while the CLI loaded (``mockserver.__main__``)
    try:
        generation = _generation(generation_file, memos, accounts)
        if anchor_date is not None:
            generation["anchor_date"] = anchor_date.date()
        profile = seeding.Profile.from_mapping(generation)
    except (ConfigError, TypeError, ValueError) as error:
        raise click.UsageError(str(error)) from None
    from mockserver.fixtures import snapshot  # not imported by serve unless it is used

    store = seeding.generate(seed, profile)
    today = profile.anchor_date or date.today()
    document = snapshot.export(store, today, UTC)
    if out and out.endswith((".yaml", ".yml")):
        import yaml  # not before mockserver.app has loaded it (mockserver.libraries)

        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    else:
        text = dumps(document, indent=True).decode() + "\n"
    if out:
        try:
            with open(out, "w", encoding="utf-8") as file:
                file.write(text)
        except OSError as error:
            raise CannotStart(f"cannot write {out}: {error.strerror or error}") from None
        click.echo(f"wrote {store.count('debit_memos')} debit memos to {out}", err=True)
    else:
        sys.stdout.write(text)
