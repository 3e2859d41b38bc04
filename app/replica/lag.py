"""How far behind the replica is: lag in seconds (None when it cannot be reached) and the WAL
position it has replayed, asked at most once a second per process (REPLICA_CHECK_SECONDS)."""
import logging
import threading
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import text

log = logging.getLogger(__name__)
_lock = threading.Lock()
_cache = {}

# 0 when everything received is replayed and the WAL receiver is streaming; otherwise the age of
# the last replayed transaction (NULL: nothing replayed yet — unknown, so late).
LAG_SQL = text("""
SELECT pg_last_wal_replay_lsn()::text,
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
                 AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')
            THEN 0
            ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()) END
""")


@dataclass(frozen=True)
class ReplicaState:
    lag: float | None  # seconds; None: down or unknown
    replay_position: int  # bytes of WAL replayed (0 when unknown)


def position(lsn):
    """'16/B374D848' -> an int that orders as the WAL does."""
    high, low = lsn.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def _ask(engine, timeout):
    try:
        with engine.connect() as connection:
            connection.execute(text(f"SET LOCAL statement_timeout = {int(timeout * 1000)}"))
            lsn, seconds = connection.execute(LAG_SQL).one()
    except Exception as error:  # noqa: BLE001 - a replica that cannot answer is infinitely late
        log.warning("replica: unavailable: %s", type(error).__name__)
        return ReplicaState(None, 0)
    if lsn is None:
        return ReplicaState(None, 0)
    return ReplicaState(None if seconds is None else max(0.0, float(seconds)), position(lsn))


def state():
    """The replica's state (cached per process), or None when no replica is configured."""
    engine = current_app.extensions.get("replica_engine")
    if engine is None:
        return None
    every = float(current_app.config.get("REPLICA_CHECK_SECONDS", 1))
    now = time.monotonic()
    cached = _cache.get(id(engine))
    if cached and now - cached[0] < every:
        return cached[1]
    with _lock:
        cached = _cache.get(id(engine))
        if cached and time.monotonic() - cached[0] < every:
            return cached[1]
        found = _ask(engine, float(current_app.config.get("READY_TIMEOUT_SECONDS", 2)))
        _cache[id(engine)] = (time.monotonic(), found)
        return found


def forget():
    """Ask again at the next state() (tests)."""
    _cache.clear()


def primary_position():
    """The primary's current WAL position (PostgreSQL), or None for other databases."""
    from ..extensions import db

    if db.engine.dialect.name != "postgresql":
        return None
    with db.engine.connect() as connection:
        return position(connection.execute(text("SELECT pg_current_wal_lsn()::text")).scalar())
