"""Pantau's data layer: models, engine/session factory, migrations, named queries and the report workflow."""
