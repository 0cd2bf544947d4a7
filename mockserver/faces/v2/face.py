"""The Quickstart API as one face: ``/v2``, its blueprint, its error table."""

from __future__ import annotations

from mockserver.faces.face import Face
from mockserver.faces.v2 import debit_memos
from mockserver.faces.v2.errors import QuickstartErrors


def face() -> Face:
    return Face("v2", (debit_memos.blp.url_prefix,), (debit_memos.blp,), QuickstartErrors())
