"""The feedback labels' migration on SQLite and PostgreSQL: the table and the region's consent column (off
for regions that existed before it), and back down and up again."""

from __future__ import annotations

from sqlalchemy import inspect, select

from config.catalog import load_catalog
from config.settings import CONFIG_DATA_DIR
from db.migrate import downgrade, upgrade
from db.models import Region
from db.session import make_engine, session_factory, transaction
from db.sync import sync_catalog

BEFORE = "c5f0a2d9e813"


def test_feedback_labels_migrate_up_and_down_with_consent_off(database_url: str) -> None:
    upgrade(database_url, BEFORE)
    engine = make_engine(database_url)
    try:
        catalog = load_catalog(CONFIG_DATA_DIR, CONFIG_DATA_DIR / "sources.yaml")
        with engine.begin() as connection:  # regions written before the migration, by the older schema
            connection.exec_driver_sql(
                "INSERT INTO region (code, name, timezone, deadlines, extra_holidays, brand, lapor, "
                "contacts, escalation) VALUES ('99.01', 'Lama', 'Asia/Jakarta', '{}', '[]', 'x', '{}', '{}', "
                "'[]')"
            )
        upgrade(database_url)
        columns = {c["name"] for c in inspect(engine).get_columns("feedback_label")}
        # fmt: off
        assert {"text_id", "document_id", "region_id", "label", "function", "agency_code", "place",
                "decision", "actor", "decided_at", "model_version", "superseded_by_id"} <= columns
        # fmt: on
        sessions = session_factory(engine)
        with transaction(sessions) as session:
            sync_catalog(session, catalog)
        with sessions() as session:
            consent = dict(session.execute(select(Region.code, Region.feedback_consent)).tuples().all())
        assert consent == {"99.01": False, "64.08": False, "63.72": False}
        downgrade(database_url, BEFORE)
        engine.dispose()
        assert "feedback_label" not in inspect(engine).get_table_names()
        assert "feedback_consent" not in {c["name"] for c in inspect(engine).get_columns("region")}
        upgrade(database_url)
        assert "feedback_label" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
