"""A stateful, breakable sandbox of Zuora's Quickstart API debit memo routes."""

__version__ = "0.1.0"
