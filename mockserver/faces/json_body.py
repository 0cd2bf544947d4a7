"""JSON request bodies, read strictly: numbers as ``Decimal`` (exact, as sent),
no NaN or infinities, no key given twice, and nothing but text (``text.py``)
in keys and strings. Each refusal is an ``InvalidParameter`` naming the key,
the path of the string (``items[0].name``), or ``body``.
"""

from __future__ import annotations

import json
from decimal import Decimal

from mockserver.domain.errors import InvalidParameter
from mockserver.faces.text import UNSAFE, check_text, safe_name


class _KeyGivenTwice(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def loads(body: bytes):
    """The JSON document of ``body`` (UTF-8)."""
    try:
        text = body.decode("utf-8")
        document = json.loads(
            text,
            parse_float=Decimal,
            parse_constant=_reject_constant,
            object_pairs_hook=_object,
        )
    except UnicodeDecodeError:
        raise InvalidParameter("body", "The body is not valid UTF-8") from None
    except RecursionError:
        raise InvalidParameter("body", "The body is nested too deeply") from None
    except _KeyGivenTwice as error:
        name = safe_name(error.key)
        raise InvalidParameter(name, f"'{name}' is given twice in one object") from None
    except ValueError as error:
        raise InvalidParameter("body", f"The body is not valid JSON: {error}") from None
    if "\\u" in text or UNSAFE.search(text):  # else no string can hold what text.py refuses
        _check_strings(document)
    return document


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _object(pairs: list[tuple[str, object]]) -> dict:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise _KeyGivenTwice(key)
            seen.add(key)
    return document


def _check_strings(document) -> None:
    """Every key and string of ``document``, depth first, without recursion."""
    pending = [("", document)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            check_text(value, path or "body")
        elif isinstance(value, dict):
            for key, item in value.items():
                check_text(key, f"{path}.{key}" if path else key)
                pending.append((f"{path}.{key}" if path else key, item))
        elif isinstance(value, list):
            pending.extend((f"{path}[{n}]", item) for n, item in enumerate(value))
