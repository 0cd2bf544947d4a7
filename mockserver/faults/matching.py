"""Which requests a rule applies to: an operation, a method, a path glob, a header.

A check returns ``(matched, reason)`` rather than a bare boolean, so "why
didn't my rule fire?" has an answer (``GET /__mock/faults`` shows it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class RequestView:
    """What a rule may look at: the request line, its operationId and its headers."""

    method: str
    path: str
    operation: str | None
    environ: dict

    def header(self, environ_key: str) -> str | None:
        return self.environ.get(environ_key)


@lru_cache(maxsize=256)
def compile_glob(pattern: str) -> re.Pattern:
    """A path glob: ``*`` and ``?`` stay within one segment, ``**`` spans segments."""
    parts = []
    for token in re.split(r"(\*\*|\*|\?)", pattern):
        if token == "**":
            parts.append(".*")
        elif token == "*":
            parts.append("[^/]*")
        elif token == "?":
            parts.append("[^/]")
        else:
            parts.append(re.escape(token))
    return re.compile("".join(parts) + r"/?\Z")


def header_environ_key(name: str) -> str:
    return "HTTP_" + name.upper().replace("-", "_")


@dataclass(frozen=True, slots=True)
class Match:
    operation: str | None = None
    method: str | None = None
    path: str | None = None
    header_name: str | None = None
    header_value: str | None = None

    def check(self, request: RequestView) -> tuple[bool, str]:
        if self.operation is not None and request.operation != self.operation:
            return False, f"operation is {request.operation or 'none'}, not {self.operation}"
        if self.method is not None and request.method != self.method:
            return False, f"method is {request.method}, not {self.method}"
        if self.path is not None and not compile_glob(self.path).match(request.path):
            return False, f"path {request.path} is not {self.path}"
        if self.header_name is not None:
            value = request.header(header_environ_key(self.header_name))
            if value is None:
                return False, f"no {self.header_name} header"
            if not fnmatchcase(value.strip(), self.header_value or ""):
                return False, f"{self.header_name} is {value!r}, not {self.header_value!r}"
        return True, "matched"
