"""Zuora's v1 REST face: debit memos, payments, the catalog and accounts under ``/v1``."""
