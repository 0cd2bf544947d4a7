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


MAX_GLOB_LENGTH = 1000  # characters (sandbox rule): a glob's cost grows with its length
GLOB_TOKEN = re.compile(r"\*\*|\*|\?|[^*?]")
DFA_LIMIT = 1024  # transitions a glob remembers; past that it computes them each time


class PathGlob:
    """A path glob: ``*`` and ``?`` stay within one segment, ``**`` spans segments;
    a trailing ``/`` on the path is ignored.

    Matching is linear in the path, whatever the glob: the glob is a chain of
    states (one per token; bit ``i`` set means "the first ``i`` tokens matched")
    and each character of the path moves the whole set of states at once, as
    bit operations. No backtracking, so ``/**a**a**a**b`` against a long path
    answers as fast as ``/v2/**``. Steps already taken are remembered (a lazily
    built DFA), which makes a repeated match a dictionary lookup per character.
    """

    __slots__ = ("_any_stars", "_final", "_literals", "_questions", "_stars", "_start", "_steps")

    def __init__(self, pattern: str):
        tokens: list[str] = []
        for token in GLOB_TOKEN.findall(pattern):
            if token in ("*", "**") and tokens and tokens[-1] in ("*", "**"):
                tokens[-1] = "**" if "**" in (token, tokens[-1]) else "*"  # ``***`` is ``**``
            else:
                tokens.append(token)
        self._literals: dict[str, int] = {}
        self._questions = self._stars = self._any_stars = 0
        for position, token in enumerate(tokens):
            bit = 1 << position
            if token == "?":
                self._questions |= bit
            elif token == "*":
                self._stars |= bit
            elif token == "**":
                self._any_stars |= bit
            else:
                self._literals[token] = self._literals.get(token, 0) | bit
        self._final = 1 << len(tokens)
        self._steps: dict[tuple[int, str], int] = {}
        self._start = self._closed(1)

    def match(self, path: str) -> bool:
        return self._accepts(path) or (path.endswith("/") and self._accepts(path[:-1]))

    def _accepts(self, path: str) -> bool:
        states, steps = self._start, self._steps
        for character in path:
            following = steps.get((states, character))
            if following is None:
                following = self._step(states, character)
                if len(steps) < DFA_LIMIT:
                    steps[states, character] = following
            if not following:
                return False
            states = following
        return bool(states & self._final)

    def _step(self, states: int, character: str) -> int:
        consumes = self._literals.get(character, 0)
        stays = self._any_stars
        if character != "/":
            consumes |= self._questions
            stays |= self._stars
        return self._closed(((states & consumes) << 1) | (states & stays))

    def _closed(self, states: int) -> int:
        """A star may match nothing: a state before a star also stands after it.

        Stars never stand side by side (``***`` is one ``**``), so one shift is enough.
        """
        return states | ((states & (self._stars | self._any_stars)) << 1)


@lru_cache(maxsize=64)
def compile_glob(pattern: str) -> PathGlob:
    return PathGlob(pattern)


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
