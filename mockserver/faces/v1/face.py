"""Zuora's v1 REST API as one face: ``/v1``, its blueprints, its error table."""

from __future__ import annotations

from mockserver.faces.face import Face
from mockserver.faces.v1 import catalog, debit_memos, payments
from mockserver.faces.v1.errors import RestErrors


def face() -> Face:
    return Face("v1", ("/v1",), (debit_memos.blp, payments.blp, catalog.blp), RestErrors())
