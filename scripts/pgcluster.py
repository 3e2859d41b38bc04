"""Throwaway PostgreSQL 15 clusters on temporary directories, on 127.0.0.1 (tests, benchmarks,
`make cluster`): a primary, and a streaming replica of it made with pg_basebackup.

    with temporary_postgres() as url:   # postgresql+psycopg2://postgres@127.0.0.1:PORT/diary_test
        with temporary_replica(url) as replica_url:
            ...
"""
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from urllib.parse import urlsplit

PG_BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as():
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _base():
    base = tempfile.mkdtemp(prefix="diary-pg-", dir="/tmp")
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    os.chmod(base, 0o700)
    return base


def _start(base, data, port, settings):
    subprocess.run(
        _run_as() + [f"{PG_BIN}/pg_ctl", "-D", data, "-l", os.path.join(base, "log"), "-w",
                     "-o", f"-k {base} -h 127.0.0.1 -p {port} -F"
                     + "".join(f" -c {key}={value}" for key, value in (settings or {}).items()), "start"],
        check=True, stdout=subprocess.DEVNULL,
    )


def _stop(base, data):
    if os.path.isdir(data):
        subprocess.run(_run_as() + [f"{PG_BIN}/pg_ctl", "-D", data, "-m", "immediate", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(base, ignore_errors=True)


@contextlib.contextmanager
def temporary_postgres(dbname="diary_test", settings=None, replication=False):
    """settings: extra server parameters, e.g. {"shared_buffers": "1GB"} (the benchmark).
    replication: WAL senders and hot-standby feedback for temporary_replica (initdb's pg_hba
    already lets 127.0.0.1 replicate)."""
    base = _base()
    data = os.path.join(base, "data")
    settings = dict(settings or {})
    if replication:
        settings = {"wal_level": "replica", "max_wal_senders": "5", "wal_keep_size": "256MB", **settings}
    try:
        subprocess.run(
            _run_as() + [f"{PG_BIN}/initdb", "-D", data, "-A", "trust", "-E", "UTF8",
                         "--locale=C.UTF-8", "--no-sync", "-U", "postgres"],
            check=True, stdout=subprocess.DEVNULL,
        )
        port = free_port()
        _start(base, data, port, settings)
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres")
        conn.autocommit = True
        conn.cursor().execute(f'CREATE DATABASE "{dbname}"')
        conn.close()
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/{dbname}"
    finally:
        _stop(base, data)


@contextlib.contextmanager
def temporary_replica(primary_url, settings=None):
    """A hot-standby streaming replica of the primary at primary_url (pg_basebackup -R -X stream):
    yields the same database's URL on the replica's port."""
    primary = urlsplit(primary_url)
    base = _base()
    data = os.path.join(base, "data")
    try:
        subprocess.run(
            _run_as() + [f"{PG_BIN}/pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                         "-D", data, "-R", "-X", "stream", "--no-sync", "--checkpoint=fast"],
            check=True, stdout=subprocess.DEVNULL,
        )
        port = free_port()
        _start(base, data, port, {"hot_standby": "on", "hot_standby_feedback": "on", **(settings or {})})
        yield primary_url.replace(f":{primary.port}/", f":{port}/", 1)
    finally:
        _stop(base, data)
