"""What belongs to one tenant besides its store: auth, idempotency keys, limits, journal."""
