"""Reads from a PostgreSQL streaming replica (DATABASE_REPLICA_URL), writes to the primary.

- Which requests may read from the replica: GET/HEAD of the endpoints in app.replica.endpoints
  (reports, the family diary, the diary API). Everything before and after the view (the session,
  the login check, the account stamp) reads the primary, as do all other requests.
- Within such a view the session's SELECTs go to the replica; a flush, any other statement and,
  after a flush, everything until the commit go to the primary (app.replica.routing).
- The replica is used only while its lag (app.replica.lag, checked at most once a second per
  process) is at most REPLICA_MAX_LAG_SECONDS; a replica that cannot be reached counts as
  infinitely late. Either way the page is read from the primary.
- Read-your-writes: after a request other than GET/HEAD wrote something, the primary's WAL
  position goes into the (server-side) session; that browser reads from the primary until the
  replica has replayed up to it (a family that just sent a message sees it at once)."""
import functools
import logging

from flask import current_app, g, request, session
from prometheus_client import Counter

from .endpoints import REPLICA_ENDPOINTS
from . import lag

log = logging.getLogger(__name__)
READS = Counter("diary_replica_reads_total", "Replica-eligible requests by where they were read",
                ["target"])
WRITE_POSITION = "rw_lsn"


def configured(app=None):
    return bool((app or current_app).config.get("DATABASE_REPLICA_URL"))


def replica_allowed():
    """Read this view from the replica? (lag within the setting, this browser's writes replayed)"""
    state = lag.state()
    if state is None or state.lag is None or state.lag > float(current_app.config["REPLICA_MAX_LAG_SECONDS"]):
        return False
    wanted = session.get(WRITE_POSITION)
    if wanted is None:
        return True
    if state.replay_position >= int(wanted):
        session.pop(WRITE_POSITION, None)  # caught up: this browser may read the replica again
        return True
    return False


def _routed(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(*args, **kwargs)
        use = replica_allowed()
        READS.labels("replica" if use else "primary").inc()
        g.read_replica = use
        try:
            return view(*args, **kwargs)
        finally:
            g.read_replica = False

    return wrapper


def _remember_write(response):
    """A request that changed something: the primary's WAL position after its commit."""
    if g.pop("wrote_primary", False) and request.method not in ("GET", "HEAD"):
        try:
            position = lag.primary_position()
        except Exception as error:  # noqa: BLE001 - no position: this browser reads the primary a while
            log.warning("replica: primary WAL position unavailable: %s", type(error).__name__)
            position = None
        if position is not None:
            session[WRITE_POSITION] = str(position)
    return response


def init_app(app):
    """After all views are registered: wrap the replica-eligible ones."""
    if not configured(app):
        return
    from .routing import make_replica_engine

    app.extensions["replica_engine"] = make_replica_engine(app)
    for endpoint in REPLICA_ENDPOINTS:
        if endpoint in app.view_functions:
            app.view_functions[endpoint] = _routed(app.view_functions[endpoint])
    app.after_request(_remember_write)
