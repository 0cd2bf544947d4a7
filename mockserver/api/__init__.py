"""The HTTP layer of Zuora's API: blueprints, schemas and protocol."""
