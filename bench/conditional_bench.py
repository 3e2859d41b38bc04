"""The family's diary answered in full (200) and as «not modified» (304, If-None-Match) on city data:
the SQL statements of each in-process and wrk's figures under gunicorn (issue 11).

    .venv/bin/python bench/conditional_bench.py [--scale 0.05] [--seconds 10] [--workers 2] [--connections 8]
        [--database-url URL --no-seed] [--redis]

--redis: a throwaway redis-server on a free port as REDIS_URL (the week's read model,
app.diary.read_model), and the 200 path measured with it as well.

Without --database-url: a throwaway PostgreSQL cluster (scripts/pgcluster.py) seeded at --scale."""
import argparse
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from city_bench import PG_SETTINGS, session_cookie, wrk  # noqa: E402

LUA_ETAG = 'wrk.headers["If-None-Match"] = \'ETAG\'\n'


def statements_of(app, cookie, path, headers):
    """(status, SQL statements, ETag) of one request in-process, after a warm-up."""
    from sqlalchemy import event

    from app.extensions import db

    client = app.test_client()
    name, value = cookie[0].split("=", 1)
    client.set_cookie(name, value)
    for _ in range(3):
        client.get(path, headers=headers)
    statements = []
    with app.app_context():
        engine = db.engine

    def count(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return response.status_code, len(statements), response.headers.get("ETag")


def start_redis():
    """A redis-server (Debian package) on a free loopback port, without persistence: (process, url)."""
    import redis

    from scripts.pgcluster import free_port

    port = free_port()
    process = subprocess.Popen(["/usr/bin/redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            redis.Redis.from_url(url).ping()
            return process, url
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start")


def run(url, args):
    os.environ["DATABASE_URL"] = url
    import secrets

    from flask_migrate import upgrade
    from sqlalchemy import select

    from app import create_app
    from app.cli import setup_roles
    from app.demo import load_demo
    from app.extensions import db
    from app.models import AccessGrant, User
    from app.seed.city import seed_city

    secret = secrets.token_urlsafe(48)
    app = create_app(overrides={"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        if not args.no_seed:
            setup_roles()
            load_demo()
            started = time.perf_counter()
            figures = seed_city(seed=1, scale=args.scale)
            print(f"seed {args.scale}: {time.perf_counter() - started:.0f} s {figures}", flush=True)
        grant = db.session.execute(select(AccessGrant).order_by(AccessGrant.id.desc()).limit(1)).scalar_one()
        parent, student_id = db.session.get(User, grant.user_id).username, grant.student_id
    cookie = session_cookie(app, parent)
    runs = [("", None)]
    redis_process = None
    if args.redis:
        redis_process, redis_url = start_redis()
        runs.append((" +redis", redis_url))
    try:
        for suffix, redis_url in runs:
            app.config["REDIS_URL"] = redis_url or ""
            app.extensions.pop("read_model", None)
            measure(app, args, url, secret, cookie, student_id, suffix, redis_url)
    finally:
        if redis_process is not None:
            redis_process.terminate()
            redis_process.wait(10)


def measure(app, args, url, secret, cookie, student_id, suffix, redis_url):
    week = (date.today() - timedelta(days=14)).isoformat()
    pages = [("week", f"/my/students/{student_id}/diary?week={week}"),
             ("grades", f"/my/students/{student_id}/grades")]
    tags = {}
    for name, path in pages:
        status, sql, etag = statements_of(app, cookie, path, {})
        tags[name] = etag
        status_304, sql_304, _ = statements_of(app, cookie, path, {"If-None-Match": etag})
        print(f"  {name}{suffix}: HTTP {status} — SQL {sql}; HTTP {status_304} (If-None-Match) — SQL {sql_304}", flush=True)

    port = 5000 + os.getpid() % 1000 + 300 + len(suffix)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secret, "RATELIMIT_ENABLED": "false",
           "REDIS_URL": redis_url or "", "SESSION_REDIS_URL": ""}  # the sessions stay in the database
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", str(args.workers), "-b",
                               f"127.0.0.1:{port}", "--log-level", "warning", "run:app"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        import requests

        for _ in range(100):
            try:
                if requests.get(f"{base}/ping", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        for name, path in pages:
            for label, script in (("200", ""), ("304", LUA_ETAG.replace("ETAG", tags[name]))):
                figure = wrk(base + path, args.seconds, args.connections, cookie, script)
                print(f"  {name}{suffix} {label}: {figure['rps']:>8} rps  p50 {figure['p50_ms']:>7} ms  p95 {figure['p95_ms']:>7} ms"
                      f"  p99 {figure['p99_ms']:>7} ms" + (f"  errors {figure['errors']}" if figure["errors"] else ""),
                      flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--database-url")
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--redis", action="store_true", help="also with the read model on a throwaway Redis")
    args = parser.parse_args()
    if args.database_url:
        return run(args.database_url, args)
    from scripts.pgcluster import temporary_postgres

    with temporary_postgres("diary_etag", settings=PG_SETTINGS) as url:
        run(url, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
