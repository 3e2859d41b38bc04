"""A throwaway PostgreSQL 15 cluster on a temporary directory, on 127.0.0.1 (tests, benchmarks).

    with temporary_postgres() as url:   # postgresql+psycopg2://postgres@127.0.0.1:PORT/diary_test
        ...
"""
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile

PG_BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def temporary_postgres(dbname="diary_test", settings=None):
    """settings: extra server parameters, e.g. {"shared_buffers": "1GB"} (the benchmark)."""
    base = tempfile.mkdtemp(prefix="diary-pg-", dir="/tmp")
    data = os.path.join(base, "data")
    as_root = os.geteuid() == 0
    run_as = ["runuser", "-u", "postgres", "--"] if as_root else []
    if as_root:
        shutil.chown(base, "postgres", "postgres")
    os.chmod(base, 0o700)
    try:
        subprocess.run(
            run_as + [f"{PG_BIN}/initdb", "-D", data, "-A", "trust", "-E", "UTF8",
                      "--locale=C.UTF-8", "--no-sync", "-U", "postgres"],
            check=True, stdout=subprocess.DEVNULL,
        )
        port = free_port()
        subprocess.run(
            run_as + [f"{PG_BIN}/pg_ctl", "-D", data, "-l", os.path.join(base, "log"), "-w",
                      "-o", f"-k {base} -h 127.0.0.1 -p {port} -F"
                      + "".join(f" -c {key}={value}" for key, value in (settings or {}).items()), "start"],
            check=True, stdout=subprocess.DEVNULL,
        )
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres")
        conn.autocommit = True
        conn.cursor().execute(f'CREATE DATABASE "{dbname}"')
        conn.close()
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/{dbname}"
    finally:
        if os.path.isdir(data):
            subprocess.run(run_as + [f"{PG_BIN}/pg_ctl", "-D", data, "-m", "immediate", "stop"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(base, ignore_errors=True)
