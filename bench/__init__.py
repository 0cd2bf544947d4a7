"""Benchmarks of the sandbox: ``python -m bench`` (or ``make bench``).

Not part of ``make test``: nothing here asserts a time, and pytest only
collects ``tests/``.
"""
