"""marshmallow and PyYAML, loaded with their costliest patterns compiled when
first used rather than as the libraries load.

Each compiles one character class in a class body that costs more than the
rest of its loading (callgrind, spawn to the first v2 answer):

- ``marshmallow.validate``'s ``Email.DOMAIN_REGEX``: case-insensitive over
  U+00A1-U+FFFF, 0.32 G of 1.80 G. No schema of the sandbox checks an e-mail
  address.
- ``yaml.reader``'s ``Reader.NON_PRINTABLE``: over U+10000-U+10FFFF among
  others, 58 M of 1.41 G. Only reading a YAML document (a config, profile or
  fixtures file) checks its characters.

Code that uses either gets the same pattern, compiled then. Imported by
``mockserver.app`` before anything else loads them; where a library is loaded
already, importing this changes nothing for it.
"""

from __future__ import annotations

import importlib
import re
import sys
from functools import cached_property

_compile = re.compile
_MARSHMALLOW_LETTERS = "\u00a1-\uffff"  # marshmallow's _UNICODE_LETTERS
_ASTRAL_PLANES = "\U00010000-\U0010ffff"  # in PyYAML's NON_PRINTABLE


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


def _costly(pattern, flags: int) -> bool:
    if not isinstance(pattern, str):
        return False
    if flags & re.IGNORECASE and _MARSHMALLOW_LETTERS in pattern:
        return True
    return _ASTRAL_PLANES in pattern


def _compile_costly_later(pattern, flags=0):
    if _costly(pattern, flags):
        return CompiledWhenUsed(pattern, flags)
    return _compile(pattern, flags)


def _load(package: str, module: str) -> None:
    """Import ``module`` with ``re.compile`` deferring the costly classes, unless
    ``package`` is loaded already."""
    if package in sys.modules:
        return
    re.compile = _compile_costly_later
    try:
        importlib.import_module(module)
    finally:
        re.compile = _compile


_load("marshmallow", "marshmallow.validate")
_load("yaml", "yaml")
