"""Fixtures the unit tests of the shared stores share."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_store_url(request, tmp_path) -> str:
    """A new, empty database of each shared engine: a SQLite file, or a PostgreSQL
    database in the run's throwaway cluster."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    return request.getfixturevalue("postgres_cluster").new_database()


@pytest.fixture
def processes(shared_store_url):
    """Two ``SqlStores`` on one new database: two processes of one sandbox."""
    from mockserver.store.sql.backend import SqlStores  # SQLAlchemy only where used

    both = (SqlStores(shared_store_url), SqlStores(shared_store_url))
    yield both
    for stores in both:
        stores.engine.dispose()
