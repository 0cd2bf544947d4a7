"""Zuora's notification service as one face: its paths, blueprints and error table.

It owns ``/v1/notifications`` and ``/v1/events`` too, so it is registered before
the v1 face; ``--latency`` slows its root paths only (v1's rule already covers
the ``/v1`` ones).
"""

from __future__ import annotations

from mockserver.faces.face import Face
from mockserver.faces.notifications import definitions, triggers
from mockserver.faces.notifications.errors import NotificationErrors
from mockserver.faces.notifications.protocol import ALIAS

ROOTS = ("/notifications", "/events")


def face() -> Face:
    return Face(
        "notifications",
        (*ROOTS, *(ALIAS + root for root in ROOTS)),
        (definitions.blp, triggers.blp),
        NotificationErrors(),
        latency_prefixes=ROOTS,
    )
