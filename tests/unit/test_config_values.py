"""Config values from files, the environment and flags, coerced to each field's type."""

from __future__ import annotations

import pytest

from mockserver.config import Config, ConfigError


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("port", "9090", 9090),
        ("port", 9090.0, 9090),
        ("gateway_timeout", "2.5", 2.5),
        ("gateway_timeout", 3, 3.0),
        ("log_requests", "false", False),
        ("log_requests", "1", True),
        ("log_requests", "TRUE", True),
        ("log_requests", 0, False),
        ("latency", 300, "300"),
        ("admin_token", 12, "12"),
        ("tokens", "a b", ("a", "b")),
        ("tokens", ["a", "b"], ("a", "b")),
        ("faults", "status=503", ("status=503",)),
        ("faults", ["status=503", {"status": 502}], ("status=503", {"status": 502})),
        ("generation", {"debit_memos": 3}, {"debit_memos": 3}),
        ("rate-limit", "10", 10),
        ("rate_limit", None, None),
    ],
)
def test_a_value_becomes_the_fields_type(key, value, expected):
    config = Config.from_mapping({key: value})
    assert getattr(config, key.replace("-", "_")) == expected


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("port", True),
        ("port", "eighty"),
        ("gateway_timeout", False),
        ("gateway_timeout", "soon"),
        ("log_requests", "maybe"),
        ("generation", [1, 2]),
        ("threads", 0),
    ],
)
def test_a_value_that_does_not_fit_names_its_key(key, value):
    with pytest.raises(ConfigError, match=f"'{key}' has an invalid value"):
        Config.from_mapping({key: value})


def test_an_unknown_key_is_refused():
    with pytest.raises(ConfigError, match="unknown configuration key 'colour'"):
        Config.from_mapping({"colour": "blue"})
