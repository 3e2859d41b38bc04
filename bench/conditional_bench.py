"""The family's diary answered in full (200) and as «not modified» (304, If-None-Match) on city data:
the SQL statements of each in-process and wrk's figures under gunicorn (issue 11).

    .venv/bin/python bench/conditional_bench.py [--scale 0.05] [--seconds 10] [--workers 2] [--connections 8]
        [--database-url URL --no-seed] [--redis]

--redis: a throwaway redis-server on a free port as REDIS_URL (the week's read model,
app.diary.read_model), and the 200 path measured with it as well.

Without --database-url: a throwaway PostgreSQL cluster (scripts/pgcluster.py) seeded at --scale."""
import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from city_bench import PG_SETTINGS, gunicorn, redis_server, session_cookie, wrk  # noqa: E402

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
    with redis_server(args.redis) as redis_url:
        for suffix, read_model_url in [("", None)] + ([(" +redis", redis_url)] if redis_url else []):
            app.config["REDIS_URL"] = read_model_url or ""
            app.extensions.pop("read_model", None)
            measure(app, args, url, secret, cookie, student_id, suffix, read_model_url)


def measure(app, args, url, secret, cookie, student_id, suffix, redis_url):
    from app import clock

    with app.app_context():
        week = (clock.today() - timedelta(days=14)).isoformat()  # the service's day, not the server's
    pages = [("week", f"/my/students/{student_id}/diary?week={week}"),
             ("grades", f"/my/students/{student_id}/grades")]
    tags = {}
    for name, path in pages:
        status, sql, etag = statements_of(app, cookie, path, {})
        tags[name] = etag
        status_304, sql_304, _ = statements_of(app, cookie, path, {"If-None-Match": etag})
        print(f"  {name}{suffix}: HTTP {status} — SQL {sql}; HTTP {status_304} (If-None-Match) — SQL {sql_304}", flush=True)

    env = {"DATABASE_URL": url, "SECRET_KEY": secret, "REDIS_URL": redis_url or "",
           "SESSION_REDIS_URL": ""}  # the sessions stay in the database
    with gunicorn(env, args.workers) as (base, _server):
        for name, path in pages:
            for label, script in (("200", ""), ("304", LUA_ETAG.replace("ETAG", tags[name]))):
                figure = wrk(base + path, args.seconds, args.connections, cookie, script)
                print(f"  {name}{suffix} {label}: {figure['rps']:>8} rps  p50 {figure['p50_ms']:>7} ms  p95 {figure['p95_ms']:>7} ms"
                      f"  p99 {figure['p99_ms']:>7} ms" + (f"  errors {figure['errors']}" if figure["errors"] else ""),
                      flush=True)


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
