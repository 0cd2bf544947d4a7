"""Zuora's Quickstart API (v2): blueprint, request schemas, wire shapes, query syntax."""
