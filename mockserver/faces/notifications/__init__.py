"""Zuora's notification service: notification definitions and custom event triggers,
at ``/notifications/...`` and ``/events/...`` (and under ``/v1``), with its own
answers to errors (a real 400 or 404, not v1's ``success: false``)."""
