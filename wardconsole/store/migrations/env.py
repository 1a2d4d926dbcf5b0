"""Alembic environment: runs on the engine handed in by ``store.engine.upgrade``."""

from alembic import context

from wardconsole.store.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # the same scripts work on SQLite and PostgreSQL
        compare_type=True,
    )
    context.run_migrations()
