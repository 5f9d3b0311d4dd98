"""The database: one SQLAlchemy instance, typed models, migrations, and the request boundary.

Services flush; the request commits once at its end (or rolls back on an error).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    CompoundSelect,
    ForeignKey,
    MetaData,
    Row,
    Select,
    TextualSelect,
    column,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)

# Models subclass `Model`: Flask-SQLAlchemy's db.Model, which is Base plus a table name made from
# the class name. A type checker cannot take an attribute as a base class, so it is shown Base.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate(render_as_batch=True, compare_type=True)


def prepared(statement: Select | CompoundSelect) -> TextualSelect:
    """A select of the hot path compiled to SQL once, at import. Executing a Core select costs
    building its cache key every time (a third of a millisecond for a wide one, most of a cold
    storefront page's query time in a profile); executing this costs almost nothing. Parameters
    are `bindparam()`s passed by name; the result columns keep their types (dates and JSON come
    back as on any select). Written in the portable SQL that SQLite and PostgreSQL both read."""
    compiled = statement.compile()
    literal = [name for name, bind in compiled.binds.items() if bind.unique]
    if literal:  # a value written into the statement would be lost: name it, or literal_column()
        raise ValueError(f"prepared(): only named bindparam()s, not values ({literal})")
    sql = str(compiled)
    return text(sql).columns(*(column(str(c.key), c.type) for c in statement.selected_columns))


def read_committed(statement: TextualSelect, params: dict[str, Any]) -> list[Row]:
    """The rows of a `prepared` select, read on a pooled connection of its own rather than in the
    request's session: for what storefronts keep in their caches, which is built from committed
    data only. A storefront page that needs nothing else never begins (nor commits) a session."""
    with db.engine.connect() as connection:
        return list(connection.execute(statement, params))


def new_stamp() -> str:
    """A fresh random session stamp (see User.session_stamp)."""
    return secrets.token_hex(16)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class PartnerOwned:
    """Mixin for every table that belongs to one partner; tenancy scopes queries on it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partner.id", ondelete="CASCADE"), index=True
    )


def insert_once(model: type[Model], values: dict[str, Any], unique: list[str]) -> int | None:
    """Insert a row unless one with the same `unique` columns exists: the new row's id, or None
    when it existed. One `INSERT … ON CONFLICT DO NOTHING RETURNING id`, so of two transactions
    inserting the same row at once exactly one gets an id (PostgreSQL makes the second wait for
    the first to end; SQLite's writers take turns) — without a savepoint, which pysqlite would
    turn into a commit of the work before it."""
    from sqlalchemy.dialects import postgresql, sqlite

    connection = db.session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = (insert(model).values(**values)
                 .on_conflict_do_nothing(index_elements=unique)
                 .returning(model.__table__.c.id))
    found = db.session.execute(statement).scalar()
    return int(found) if found is not None else None
