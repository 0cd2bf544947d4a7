"""Validate documents against the schemas of Zuora's published OpenAPI description.

OpenAPI 3.0 schemas are JSON Schema with a few differences; the one that
matters here is ``nullable``, turned into a ``null`` type. ``date`` and
``date-time`` formats are checked strictly (the latter with a UTC offset).
"""

from __future__ import annotations

import copy
import re
from datetime import date, datetime

from jsonschema import Draft4Validator, FormatChecker

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")

formats = FormatChecker(formats=())


@formats.checks("date")
def _is_date(value) -> bool:
    if not isinstance(value, str):
        return True
    return bool(DATE.fullmatch(value)) and bool(date.fromisoformat(value))


@formats.checks("date-time", raises=ValueError)
def _is_date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    return bool(DATE_TIME.fullmatch(value)) and bool(datetime.fromisoformat(value))


def _convert(node):
    if isinstance(node, dict):
        converted = {key: _convert(value) for key, value in node.items() if key != "example"}
        if converted.pop("nullable", False) and "type" in converted:
            converted["type"] = [converted["type"], "null"]
        return converted
    if isinstance(node, list):
        return [_convert(item) for item in node]
    return node


class ZuoraSchemas:
    def __init__(self, spec: dict):
        self._root = {
            "components": {"schemas": _convert(copy.deepcopy(spec["components"]["schemas"]))}
        }

    def errors(self, name: str, document) -> list[str]:
        schema = {"$ref": f"#/components/schemas/{name}", **self._root}
        validator = Draft4Validator(schema, format_checker=formats)
        return [
            f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
            for error in validator.iter_errors(document)
        ]

    def check(self, name: str, document) -> None:
        problems = self.errors(name, document)
        assert not problems, f"{name} violates Zuora's schema: {problems[:5]}"
