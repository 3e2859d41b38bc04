"""The SQL statements a piece of work runs against the app's database (an SQLAlchemy
`before_cursor_execute` listener on the engine, removed afterwards)."""
from contextlib import contextmanager

from sqlalchemy import event

from app.extensions import db


@contextmanager
def statements(app):
    """with statements(app) as seen: … — `seen` lists the SQL of every statement run inside."""
    with app.app_context():
        engine = db.engine
    seen = []

    def note(_connection, _cursor, statement, *_rest):
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)
