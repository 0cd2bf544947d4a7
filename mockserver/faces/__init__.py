"""Zuora's APIs as a client sees them: what the faces share, and one package per face."""
