"""What counts as text wherever the sandbox reads it: Unicode scalar values
(no lone UTF-16 surrogates, which can't be written back as UTF-8) without
control characters (C0, DEL, C1) but tab, line feed and carriage return.

One rule for every face and the control plane: JSON bodies, query
parameters, and the text fields of request schemas and snapshots.
"""

from __future__ import annotations

import re

from mockserver.domain.errors import InvalidParameter

UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def unsafe_character(text: str) -> str | None:
    """What is wrong with ``text`` (``U+D800, a lone UTF-16 surrogate``), or None."""
    found = UNSAFE.search(text)
    if found is None:
        return None
    code = ord(found.group())
    kind = "a lone UTF-16 surrogate" if 0xD800 <= code <= 0xDFFF else "a control character"
    return f"U+{code:04X}, {kind}"


def check_text(text: str, parameter: str) -> str:
    """``text``, or an ``InvalidParameter`` naming ``parameter`` and the character."""
    problem = unsafe_character(text)
    if problem is not None:
        name = safe_name(parameter)
        raise InvalidParameter(name, f"'{name}' holds {problem}")
    return text


def safe_name(name: str) -> str:
    """A name fit to quote in an answer, whatever characters it holds."""
    return name if UNSAFE.search(name) is None else name.encode("unicode_escape").decode()
