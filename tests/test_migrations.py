"""The Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine

from storefront import create_app
from storefront.db import db


def test_migrations_match_the_models(tmp_path, app_config):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    app = create_app({**app_config, "DATABASE_URL": url})
    with app.app_context():
        upgrade()
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    engine.dispose()
    assert diff == []
