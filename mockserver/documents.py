"""Config, profile and fixture files, read strictly: a key given twice in one
mapping is an error naming the key and its lines, never the last value silently.

YAML is PyYAML's safe loader with that one check (a ``<<`` merge may still be
overridden by the mapping's own keys); JSON reads numbers as exact ``Decimal``.
"""

from __future__ import annotations

import json
from decimal import Decimal

import yaml
from yaml.constructor import ConstructorError

MERGE_TAG = "tag:yaml.org,2002:merge"


class KeyGivenTwice(ValueError):
    """A JSON object that gives one key twice."""


class UniqueKeyLoader(yaml.SafeLoader):
    """The safe loader, refusing a mapping that gives one key twice."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            self._check_unique_keys(node)
        return super().construct_mapping(node, deep=deep)

    def _check_unique_keys(self, node: yaml.MappingNode) -> None:
        lines: dict = {}
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                first = lines.get(key)
            except TypeError:  # an unhashable key: construct_mapping refuses it
                continue
            if first is not None:
                raise ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"the key {key!r} is given twice (first on line {first})",
                    key_node.start_mark,
                )
            lines[key] = line


def load_yaml(text: str):
    """The document of a YAML text; a ``ValueError`` says, in one line, what and where."""
    try:
        return yaml.load(text, Loader=UniqueKeyLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = "" if mark is None else f"line {mark.line + 1}: "
        raise ValueError(f"{where}{error.problem}") from None
    except yaml.YAMLError as error:
        raise ValueError(str(error)) from None


def load_json(text: str):
    """The document of a JSON text; ``ValueError`` says what (``KeyGivenTwice``)."""
    return json.loads(text, parse_float=Decimal, object_pairs_hook=_unique_keys)


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise KeyGivenTwice(f"the key {key!r} is given twice in one object")
            seen.add(key)
    return document
