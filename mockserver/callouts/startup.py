"""The sandbox's callouts from its configuration: the start-up definitions
(``--callout``, ``callouts:``), delivery fault rules (``--callout-fault``,
``callout_faults:``), callout time and timeout, and the one ``Courier``."""

from __future__ import annotations

import random
from dataclasses import dataclass

from mockserver.callouts.definitions import NotificationDefinition
from mockserver.callouts.delivery import Transport
from mockserver.callouts.faults import CalloutRule, parse_rule
from mockserver.callouts.hub import Callouts
from mockserver.callouts.sender import Courier
from mockserver.callouts.shortway import definition_from_spec
from mockserver.callouts.timing import CalloutTime
from mockserver.config import Config, ConfigError
from mockserver.faults import RuleError


@dataclass
class CalloutSetup:
    seed: int
    strict: bool
    definitions: tuple[NotificationDefinition, ...]
    rules: tuple[CalloutRule, ...]
    courier: Courier

    @classmethod
    def from_config(cls, config: Config) -> CalloutSetup:
        ids = random.Random(f"callouts:{config.seed}:startup")
        strict = config.callout_urls == "strict"
        definitions, rules = [], []
        try:
            for spec in config.callouts:
                definition_id = f"{ids.getrandbits(128):032x}"
                definitions.append(definition_from_spec(spec, definition_id, "startup", strict))
        except RuleError as error:
            raise ConfigError(f"callout {spec!r}: {error}") from None
        try:
            for number, spec in enumerate(config.callout_faults, start=1):
                rules.append(parse_rule(spec, default_id=f"startup-{number}"))
        except RuleError as error:
            raise ConfigError(f"callout fault rule {spec!r}: {error}") from None
        courier = Courier(CalloutTime.parse(config.callout_time), Transport(config.callout_timeout))
        return cls(config.seed, strict, tuple(definitions), tuple(rules), courier)

    def tenant(self, key: str) -> Callouts:
        """A new tenant's callouts."""
        return Callouts(key, self.seed, self.definitions, self.rules, self.courier)
