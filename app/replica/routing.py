"""db.session's choice of engine: the replica for plain SELECTs inside a replica-eligible view
(g.read_replica, set by app.replica), the primary for everything else."""
from flask import current_app, g, has_app_context, has_request_context
from flask_sqlalchemy.session import Session
from sqlalchemy import create_engine, event
from sqlalchemy.sql import Select


def make_replica_engine(app):
    """The replica's engine: same pool settings as the primary's, a short connect timeout (a replica
    that is down must not hold a page for long: app.replica.lag counts it as late)."""
    url = app.config["DATABASE_REPLICA_URL"]
    options = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": int(app.config.get("REPLICA_CONNECT_TIMEOUT", 2))}
    return create_engine(url, **options)


class RoutingSession(Session):
    def __init__(self, db, **kwargs):
        super().__init__(db, **kwargs)
        self.info["wrote"] = False

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if (bind is None and not self._flushing and not self.info.get("wrote")
                and isinstance(clause, Select) and clause._for_update_arg is None
                and has_app_context() and g.get("read_replica")):
            engine = current_app.extensions.get("replica_engine")
            if engine is not None:
                return engine
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def _mark_written(session, context):
    session.info["wrote"] = True  # until the commit: read what was just written, from the primary
    if has_request_context():
        g.wrote_primary = True  # app.replica: this browser reads its own writes from the primary


def _clear_written(session):
    session.info["wrote"] = False


# Listeners of the class, not of each session: a session is made per request, and listening per
# instance cost every request three event registrations.
event.listen(RoutingSession, "after_flush", _mark_written)
event.listen(RoutingSession, "after_commit", _clear_written)
event.listen(RoutingSession, "after_rollback", _clear_written)
