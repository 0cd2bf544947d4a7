"""The WSGI edge in front of every face: tenant, request ids, limits, faults, journal, log."""
