"""marshmallow, loaded with its e-mail validator's domain pattern compiled when
an address is first validated rather than as the library loads.

``marshmallow.validate`` compiles ``Email.DOMAIN_REGEX`` in its class body: a
case-insensitive class over U+00A1-U+FFFF, 0.32 G of the 1.80 G instructions
from spawn to the first v2 answer (callgrind). No schema of the sandbox checks
an e-mail address; code that does gets the same pattern, compiled then.
Imported by ``mockserver.app`` before anything else loads marshmallow; where
marshmallow is loaded already, importing this changes nothing.
"""

from __future__ import annotations

import re
import sys
from functools import cached_property

_COSTLY_CLASS = "\u00a1-\uffff"  # marshmallow's _UNICODE_LETTERS
_compile = re.compile


class CompiledWhenUsed:
    """A pattern that compiles on its first use (``match``, ``search``, ...)."""

    def __init__(self, pattern: str, flags: int) -> None:
        self.pattern = pattern
        self.flags = flags

    @cached_property
    def compiled(self) -> re.Pattern:
        return _compile(self.pattern, self.flags)

    def __getattr__(self, name: str):
        if name.startswith("__"):  # what the class machinery asks of any attribute
            raise AttributeError(name)
        return getattr(self.compiled, name)


def _load_marshmallow() -> None:
    def compile_costly_later(pattern, flags=0):
        if isinstance(pattern, str) and flags & re.IGNORECASE and _COSTLY_CLASS in pattern:
            return CompiledWhenUsed(pattern, flags)
        return _compile(pattern, flags)

    re.compile = compile_costly_later
    try:
        import marshmallow.validate  # noqa: F401
    finally:
        re.compile = _compile


if "marshmallow" not in sys.modules:
    _load_marshmallow()
