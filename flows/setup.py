"""Prepare a database: migrations to head, then regions, agencies, routes and sources from configuration."""

from __future__ import annotations

from db.migrate import upgrade
from db.session import check_connection, transaction
from db.sync import SyncCounts, sync_catalog
from flows.runtime import Runtime


def initialise(runtime: Runtime) -> SyncCounts:
    """Migrate and sync; fails with DatabaseUnavailable or ConfigError before changing anything."""
    catalog = runtime.catalog  # validate configuration first: a bad file stops start-up here
    check_connection(runtime.engine)
    upgrade(runtime.settings.resolved_database_url)
    with transaction(runtime.sessions) as session:
        return sync_catalog(session, catalog)
