"""A primary and its streaming replica seen from a test: wait until the replica has replayed
everything, pause and resume its replay (pg_wal_replay_pause), so that it is visibly late."""
import time
from urllib.parse import urlsplit

import psycopg2


def connect(url):
    parts = urlsplit(url.replace("+psycopg2", ""))
    connection = psycopg2.connect(host=parts.hostname, port=parts.port, user="postgres", dbname=parts.path[1:])
    connection.autocommit = True
    return connection


class Replication:
    def __init__(self, primary_url, replica_url):
        self.primary, self.replica = connect(primary_url), connect(replica_url)

    @staticmethod
    def _one(connection, statement):
        with connection.cursor() as cursor:
            cursor.execute(statement)
            return cursor.fetchone() if cursor.description else None

    def caught_up(self, seconds=20):
        """Wait until the replica has replayed everything the primary wrote so far."""
        from app.replica import lag

        (target,) = self._one(self.primary, "SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            (done,) = self._one(self.replica, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")
            if done:
                lag.forget()
                return
            time.sleep(0.05)
        raise AssertionError("the replica did not catch up")

    def pause(self):
        """A fresh commit replayed, then replay paused: the lag counts from now."""
        self._one(self.primary, "CREATE TABLE IF NOT EXISTS replication_tick (at timestamptz)")
        self._one(self.primary, "INSERT INTO replication_tick VALUES (now())")
        self.caught_up()
        self._one(self.replica, "SELECT pg_wal_replay_pause()")

    def resume(self):
        self._one(self.replica, "SELECT pg_wal_replay_resume()")
        self.caught_up()

    def close(self):
        self.primary.close()
        self.replica.close()
