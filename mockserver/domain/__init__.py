"""Zuora's billing rules: records, money, errors and operations. No HTTP, no wire format."""
