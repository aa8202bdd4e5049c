"""The durable database: verdict history (and, later, corpora, keys, schedules) in SQLite or PostgreSQL.

SQLAlchemy Core on one engine per process (:func:`~truthgraph.db.engine.create_database_engine`); the schema is
kept by Alembic migrations (:mod:`truthgraph.db.migrate`).
"""
