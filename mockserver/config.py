"""The sandbox's configuration: one dataclass, filled from defaults, a config
file (YAML or JSON), environment variables and flags, in rising precedence.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mockserver.callouts.timing import CalloutTime
from mockserver.documents import load_json, load_yaml

AUTH_MODES = ("any", "strict")
CALLOUT_URL_MODES = ("open", "strict")
TENANT_MODES = ("shared", "per-token")
MAX_WORKERS = 256
# Zuora's limits by tier; explicit rate_limit / concurrency_limit settings win.
PROFILES = {"zuora-api-sandbox": {"rate_limit": 2500, "concurrency_limit": 40}}


class ConfigError(ValueError):
    """A configuration that can't be used; the message names the key."""


@dataclass(frozen=True)
class Config:
    host: str = "127.0.0.1"
    port: int = 8080
    seed: int = 42
    threads: int = 32
    fixtures: str | None = None
    fixtures_mode: str = "replace"  # or "merge": on top of generated data
    generation: dict = field(default_factory=dict)  # a generation profile (see seeding.Profile)
    cache_dir: str | None = None  # Faker's answers for the next start; "off"; None: the user's
    auth: str = "any"
    tokens: tuple[str, ...] = ()
    token_ttl: int = 3600
    admin_token: str | None = None
    tenants: str = "shared"
    max_tenants: int = 100
    idempotency_ttl: int = 24 * 3600
    journal_size: int = 1000
    journal_bytes: int = 16 * 1024 * 1024  # the journal's size per tenant, in bytes
    max_memos: int = 100_000  # debit memos per tenant; creating one more is a 409
    log_requests: bool = True
    faults: tuple[str | dict, ...] = ()  # fault rules, as text or mappings (SANDBOX.md)
    latency: str | None = None  # "300" or "100..400": latency_ms on every /v2 route
    fault_header: bool = True  # honour X-Mock-Fault on requests
    rate_limit: int | None = None  # requests a minute per tenant
    concurrency_limit: int | None = None  # requests in flight per tenant
    gateway_timeout: float = 60.0  # seconds until a 504; 0 turns it off
    max_hold: float = 300.0  # seconds an injected wait may last when gateway_timeout is 0
    max_connections: int = 1000  # client connections at once
    read_timeout: float = 30.0  # seconds for a request to arrive, from its first byte
    profile: str | None = None  # a key of PROFILES
    timezone: str = "UTC"  # the tenants' time zone (a zoneinfo name): offsets and "today"
    store: str = "memory"  # or sqlite:///path/to/file.db, postgresql://user@host/db
    callouts: tuple[str | dict, ...] = ()  # start-up callouts, the short way (SANDBOX.md)
    callout_faults: tuple[str | dict, ...] = ()  # start-up delivery fault rules
    callout_time: str = "real"  # real | manual | scaled:F
    callout_urls: str = "open"  # or "strict": https:// only, as Zuora wants (--callouts)
    callout_timeout: float = 10.0  # seconds a callout request may take
    workers: int = 1  # server processes on the port; more than one needs a shared store
    reset_on_start: bool = False  # a shared store's tenants back to the start-up data at start

    def __post_init__(self):
        checks = {
            "port": 0 <= self.port <= 65535,
            "threads": 1 <= self.threads <= 1024,
            "fixtures_mode": self.fixtures_mode in ("replace", "merge"),
            "auth": self.auth in AUTH_MODES,
            "token_ttl": self.token_ttl > 0,
            "tenants": self.tenants in TENANT_MODES,
            "max_tenants": self.max_tenants >= 1,
            "idempotency_ttl": self.idempotency_ttl > 0,
            "journal_size": self.journal_size >= 1,
            "journal_bytes": self.journal_bytes >= 1024,
            "max_memos": self.max_memos >= 1,
            "faults": all(isinstance(rule, (str, dict)) for rule in self.faults),
            "rate_limit": self.rate_limit is None or self.rate_limit >= 1,
            "concurrency_limit": self.concurrency_limit is None or self.concurrency_limit >= 1,
            "gateway_timeout": 0 <= self.gateway_timeout < float("inf"),
            "max_hold": 0 < self.max_hold <= 24 * 3600,
            "max_connections": 10 <= self.max_connections <= 100_000,
            "read_timeout": 0 < self.read_timeout <= 3600,
            "profile": self.profile is None or self.profile in PROFILES,
            "callouts": all(isinstance(spec, (str, dict)) for spec in self.callouts),
            "callout_faults": all(isinstance(spec, (str, dict)) for spec in self.callout_faults),
            "callout_time": _callout_time_ok(self.callout_time),
            "callout_urls": self.callout_urls in CALLOUT_URL_MODES,
            "callout_timeout": 0 < self.callout_timeout <= 300,
            "workers": 1 <= self.workers <= MAX_WORKERS,
        }
        for key, ok in checks.items():
            if not ok:
                raise ConfigError(f"'{key}' has an invalid value: {getattr(self, key)!r}")
        if self.workers > 1 and self.store == "memory":
            raise ConfigError(
                f"--workers {self.workers} needs a store the processes share (the memory "
                "store lives in one process): add --store sqlite:///path/to/sandbox.db for "
                "the processes of one machine, or --store postgresql://user@host/db for several"
            )
        self.zone.utcoffset(None)  # a bad zone stops the start here
        if self.store != "memory":
            _check_store_url(self.store)

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ConfigError(
                f"'timezone' is not a time zone name: {self.timezone!r} "
                "(use a zoneinfo name such as UTC, Europe/Berlin or America/Los_Angeles)"
            ) from None

    @classmethod
    def from_mapping(cls, data: dict, base: Config | None = None) -> Config:
        """A config from a mapping of known keys (``-`` or ``_`` in names)."""
        known = {f.name: f for f in fields(cls)}
        values = {}
        for raw_key, value in data.items():
            key = str(raw_key).replace("-", "_")
            if key not in known:
                raise ConfigError(f"unknown configuration key '{raw_key}'")
            values[key] = _coerce(key, value, known[key].type)
        try:
            return replace(base or cls(), **values)
        except TypeError as error:
            raise ConfigError(str(error)) from None

    @property
    def shown_store(self) -> str:
        """The store's URL with its password, if any, hidden."""
        if self.store == "memory":
            return self.store
        return _without_password(self.store)

    @property
    def effective_rate_limit(self) -> int | None:
        return self._limit("rate_limit")

    @property
    def effective_concurrency_limit(self) -> int | None:
        return self._limit("concurrency_limit")

    def _limit(self, name: str) -> int | None:
        explicit = getattr(self, name)
        if explicit is not None or self.profile is None:
            return explicit
        return PROFILES[self.profile][name]

    def to_wire(self) -> dict:
        wire = asdict(self)
        wire["limits"] = {
            "rate_limit": self.effective_rate_limit,
            "concurrency_limit": self.effective_concurrency_limit,
            "gateway_timeout": self.gateway_timeout or None,
        }
        wire["tokens"] = ["***" for _ in self.tokens]
        wire["store"] = self.shown_store
        if self.admin_token:
            wire["admin_token"] = "***"
        return wire


def _without_password(url: str) -> str:
    from mockserver.store.sql.engine import store_url

    return store_url(url).render_as_string(hide_password=True)


def _check_store_url(url: str) -> None:
    from mockserver.store.sql.engine import StoreUrlError, store_url  # SQLAlchemy: only here

    try:
        store_url(url)
    except StoreUrlError as error:
        raise ConfigError(str(error)) from None


def _callout_time_ok(value: str) -> bool:
    try:
        CalloutTime.parse(value)
    except ValueError:
        return False
    return True


def _coerce(key: str, value, annotation: str):
    """A value from a file, the environment or a flag, as the field's type wants it."""
    if value is None:
        return None
    if key in ("faults", "callouts", "callout_faults"):
        return tuple(value) if isinstance(value, (list, tuple)) else (value,)
    coerce = _COERCERS.get(annotation.removesuffix(" | None").partition("[")[0])
    if coerce is None:
        return value
    try:
        return coerce(value)
    except (ValueError, KeyError):
        raise ConfigError(f"'{key}' has an invalid value: {value!r}") from None


def _number(kind: type):
    def coerce(value):
        if isinstance(value, bool):
            raise ValueError(value)
        return kind(value)

    return coerce


def _text(value):
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return str(value) if is_number else value


def _flag(value) -> bool:
    if isinstance(value, str):
        return {"true": True, "false": False, "1": True, "0": False}[value.lower()]
    return bool(value)


def _words(value) -> tuple:
    return tuple(value) if isinstance(value, (list, tuple)) else tuple(str(value).split())


def _mapping(value) -> dict:
    if not isinstance(value, dict):
        raise ValueError(value)
    return value


_COERCERS = {
    "float": _number(float),
    "int": _number(int),
    "str": _text,
    "bool": _flag,
    "tuple": _words,
    "dict": _mapping,
}


def read_file(path: str) -> dict:
    """A YAML or JSON config or fixture file as a mapping."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None
    try:
        data = load_json(text) if file.suffix == ".json" else load_yaml(text)
    except ValueError as error:
        raise ConfigError(
            f"{path} is not valid {'JSON' if file.suffix == '.json' else 'YAML'}: {error}"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping at the top level")
    return data
