"""`make bench`: the service on PostgreSQL with city data under load.

Starts a throwaway PostgreSQL 15 cluster, migrates, loads `flask seed city --scale SCALE`, starts
the app under gunicorn on 127.0.0.1 and drives it with wrk (Debian package) from a separate
process, bounded in time. Prints, for the bare /ping route (the floor) and each key request,
requests per second, p50 / p95 / p99 latency and the ratio to the floor; for each report its time
next to the time of its raw SQL (EXPLAIN ANALYZE); the peak memory of a worker. Writes the same
to bench/results.json (a list of {"name", "rps", "p50_ms", "p95_ms", "p99_ms", "ratio_to_floor"},
{"name": "report:…", "ms", "raw_sql_ms"}, {"name": "worker_rss_mb", "mb"}).

After the single URLs, the evening family mix (bench/family_mix.py: --families parents by
popularity over their pages and the diary API, teachers and a clerk beside them) and the targets
of issue 11 with «выполнено» / «не выполнено». Sessions live in a Redis started for the run
(redis-server on a free loopback port; --no-redis: in the database).

    .venv/bin/python bench/city_bench.py [--scale 0.05] [--seconds 10] [--workers 4] [--connections 16]
        [--only family_mix] [--families 2000] [--warmup SECONDS] [--no-redis]
"""
import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import family_mix  # noqa: E402
import targets  # noqa: E402

# The server parameters README recommends for one 2-core machine with 8 GB of memory (the rest
# left to the app and the page cache); JIT off: its compile time outweighs the gain on these queries.
PG_SETTINGS = {"shared_buffers": "1GB", "effective_cache_size": "4GB", "work_mem": "32MB",
               "maintenance_work_mem": "256MB", "max_wal_size": "4GB", "checkpoint_timeout": "30min",
               "jit": "off"}

# The last names of the children the benchmark's submits apply for begin with this (here and in
# bench/family_mix.lua); the seed never makes such a name. forget_bench_writes removes them.
BENCH_CHILD_PREFIX = "Тест"

LUA_REPORT = r"""
done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %f %f %f %f %d\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout))
end
"""
LUA_SUBMIT = r"""
local letters = {"а","б","в","г","д","е","ж","з","и","к","л","м","н","о","п","р","с","т","у","ф"}
local made = 0
setup = function(thread) made = made + 1; thread:set("tid", made) end
init = function(args) math.randomseed(os.time() + 7919 * tid) end  -- threads must not repeat names
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-CSRFToken"] = "CSRF"
request = function()
  local name = "BENCH_CHILD_PREFIX"
  for i = 1, 8 do name = name .. letters[math.random(#letters)] end
  local body = '{"school_id": SCHOOL, "child": {"last_name": "' .. name .. '", "first_name": "Иван", '
    .. '"middle_name": "", "birth_date": "2014-05-05"}}'
  return wrk.format(nil, nil, nil, body)
end
"""


def session_cookie(app, username):
    """A stored server-side session for this user, as the browser would hold after logging in:
    (cookie, CSRF token — JSON writes from a browser session carry it in X-CSRFToken)."""
    from app.extensions import db
    from app.models import User
    from sqlalchemy import select

    with app.app_context():
        user = db.session.execute(select(User).where(User.username == username)).scalar_one()
        return family_mix.mint_sessions(app, [user])[0]


@contextlib.contextmanager
def redis_server(wanted):
    """A throwaway redis-server on a free loopback port (no persistence): its URL, or None."""
    if not wanted:
        yield None
        return
    from scripts.pgcluster import free_port

    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        import redis

        for _ in range(100):
            try:
                if redis.Redis.from_url(url).ping():
                    break
            except redis.RedisError:
                time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(10)


@contextlib.contextmanager
def gunicorn(env, workers):
    """The app under gunicorn (scripts/gunicorn_conf.py) on a free loopback port with `env` over
    the process's own, rate limits off, once /ping answers: (base URL, the master process)."""
    import requests

    from scripts.pgcluster import free_port

    port = free_port()
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "scripts/gunicorn_conf.py",
                               "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                               "run:app"], cwd=ROOT, env={**os.environ, "RATELIMIT_ENABLED": "false", **env})
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if requests.get(f"{base}/ping", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        yield base, server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)


def wrk(url, seconds, connections, cookie=None, script_body=""):
    cookie, token = cookie if cookie else (None, None)
    script_body = script_body.replace("CSRF", token or "")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script_body + LUA_REPORT)
        script = fh.name
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", script, url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30).stdout
    os.unlink(script)
    line = next((l for l in out.splitlines() if l.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no figures for {url}:\n{out}")
    requests, duration, p50, p95, p99, errors = line.split()[1:]
    return {"rps": round(int(requests) / float(duration), 1), "p50_ms": round(float(p50), 2),
            "p95_ms": round(float(p95), 2), "p99_ms": round(float(p99), 2), "errors": int(errors)}


def raw_sql_ms(app, build):
    """The report in-process (best of 3 after a warm-up) and its SQL alone: every statement it ran
    under EXPLAIN ANALYZE, planning + execution (best of 3)."""
    from sqlalchemy import event

    from app.extensions import db

    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    with app.app_context():
        engine = db.engine
        build()  # warm: compiled statements and caches, as in a running worker
        times = []
        for attempt in range(3):
            if attempt == 2:
                event.listen(engine, "before_cursor_execute", capture)
            started = time.perf_counter()
            try:
                build()
            finally:
                if attempt == 2:
                    event.remove(engine, "before_cursor_execute", capture)
            times.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
        report_ms = min(times)
        raw = []
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            for _ in range(3):
                total = 0.0
                for statement, parameters in statements:
                    cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
                    plan = cursor.fetchone()[0][0]
                    total += plan["Planning Time"] + plan["Execution Time"]
                raw.append(total)
        finally:
            connection.close()
        raw = min(raw)
        return round(report_ms, 1), round(raw, 1)


def worker_peak_mb(master_pid):
    peaks = []
    for child in Path("/proc").glob("[0-9]*"):
        try:
            status = (child / "status").read_text()
        except OSError:
            continue
        if f"PPid:\t{master_pid}\n" in status:
            match = re.search(r"VmHWM:\s+(\d+) kB", status)
            if match:
                peaks.append(int(match.group(1)) / 1024)
    return round(max(peaks), 1) if peaks else None


def forget_bench_writes(app):
    """Remove the applications the benchmark's submits made (with their audit events and letters),
    so that a second run on the same database (--no-seed) measures the city as seeded: without
    it each run left some thousands of applications at school 239 and with the bench parent,
    until that school became the «busiest» whose clerk's queue is measured (22,000 waiting
    instead of a real school's ~1,700 a year) and the parent's «Сегодня» listed thousands open."""
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        ids = "SELECT id FROM application WHERE child_last_name LIKE :prefix"
        prefix = {"prefix": BENCH_CHILD_PREFIX + "%"}
        db.session.execute(text(f"DELETE FROM outbox_message WHERE application_id IN ({ids})"), prefix)
        db.session.execute(text(f"DELETE FROM audit_event WHERE object_type = 'application' AND object_id IN ({ids})"),
                           prefix)
        gone = db.session.execute(text("DELETE FROM application WHERE child_last_name LIKE :prefix"), prefix).rowcount
        db.session.commit()
        if gone and db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE application"))
    return gone


def run(url, args):
    with redis_server(args.redis) as redis_url:
        return _run(url, redis_url, args)


def _run(url, redis_url, args):
    os.environ["DATABASE_URL"] = url
    from datetime import timedelta

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from app import clock, create_app
    from app.cli import create_staff, setup_roles
    from app.demo import load_demo
    from app.extensions import db
    from app.models import AccessGrant, Application, School, User
    from app.reports import queries
    from app.seed.city import seed_city

    import secrets

    secret = secrets.token_urlsafe(48)  # the app refuses keys under 32 bytes
    overrides = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret, "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    if redis_url:  # sessions in Redis: minted into the same Redis the workers read
        overrides.update(REDIS_URL=redis_url, SESSION_REDIS_URL=redis_url)
    app = create_app(overrides=overrides)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        setup_roles()
        load_demo()
        started = time.perf_counter()
        figures = seed_city(seed=1, scale=args.scale) if not args.no_seed else "уже в базе (--no-seed)"
        seed_s = time.perf_counter() - started
        left = forget_bench_writes(app)  # by an earlier run that stopped before its own clean-up
        if left:
            print(f"Удалены заявления прошлых прогонов: {left}", flush=True)
        grant = db.session.execute(select(AccessGrant).order_by(AccessGrant.id.desc()).limit(1)).scalar_one()
        parent = db.session.get(User, grant.user_id).username
        # the clerk of the busiest school of the data set (at scale 1: ~1,700 applications a year)
        busiest = db.session.execute(select(Application.school_id).group_by(Application.school_id)
                                     .order_by(func.count().desc(), Application.school_id).limit(1)).scalar_one()
        create_staff("bench-clerk", "clerk", "bench-clerk-password", school_id=busiest)
        code = db.session.execute(select(Application.code).where(Application.school_id == busiest)
                                  .order_by(Application.id.desc()).limit(1)).scalar_one()
        school_id = db.session.execute(select(School.id).where(School.number == "239")).scalar_one()
        student_id = grant.student_id
    print(f"Данные: масштаб {args.scale}, загружены за {seed_s:.0f} с: {figures}", flush=True)
    cookies = {who: session_cookie(app, who) for who in (parent, "bench-clerk", "admin")}
    cookies["parent"] = cookies[parent]

    env = {"DATABASE_URL": url, "SECRET_KEY": secret}
    if redis_url:
        env.update(REDIS_URL=redis_url, SESSION_REDIS_URL=redis_url)
    with app.app_context():
        today = clock.today()  # the service's day (TIMEZONE), not the server's
    with tempfile.TemporaryDirectory(prefix="diary-bench-metrics-", ignore_cleanup_errors=True) as metrics, \
            gunicorn({**env, "PROMETHEUS_MULTIPROC_DIR": metrics}, args.workers) as (base, server):
        week = (today - timedelta(days=14)).isoformat()
        # (name, path, who, lua script, connections): the pages families and clerks open, first
        # at saturation (--connections) for throughput, then at as many connections as workers
        # (no queue in front of the workers) for latency; reports — a few readers at a time.
        key = [
            ("parent: week page", f"/my/students/{student_id}/diary?week={week}", "parent", ""),
            ("parent: grades page", f"/my/students/{student_id}/grades", "parent", ""),
            ("parent: application submit", "/api/v1/applications/", "parent",
             LUA_SUBMIT.replace("SCHOOL", str(school_id)).replace("BENCH_CHILD_PREFIX", BENCH_CHILD_PREFIX)),
            ("clerk: queue first page", "/applications/list/", "bench-clerk", ""),
            ("clerk: search by code", f"/applications/find?q={code}", "bench-clerk", ""),
        ]
        cases = [("floor: /ping", "/ping", None, "", args.connections)]
        if args.only != "family_mix":
            cases += [(*case, args.connections) for case in key]
            cases += [(f"{name}, {args.workers} соед.", path, who, script, args.workers)
                      for name, path, who, script in key]
            for name in queries.REPORTS:
                cases.append((f"admin: report {name}", f"/reports/{name}", "admin", "", 2))
                cases.append((f"admin: export {name}", f"/reports/{name}?format=xlsx", "admin", "", 2))
        results, floor = [], None
        for name, path, who, script, connections in cases:
            figure = wrk(base + path, args.seconds, connections, cookies.get(who), script)
            if floor is None:
                floor = figure["rps"]
            figure = {"name": name, **figure, "connections": connections,
                      "ratio_to_floor": round(figure["rps"] / floor, 3) if floor else None}
            results.append(figure)
            print(f"  {name:<40} {figure['rps']:>8} rps  p50 {figure['p50_ms']:>7} ms  p95 {figure['p95_ms']:>7} ms"
                  f"  p99 {figure['p99_ms']:>7} ms  ×{figure['ratio_to_floor']} floor"
                  + (f"  ошибок: {figure['errors']}" if figure["errors"] else ""), flush=True)
        mix = family_mix.run(app, base, url, server.pid, cookies["bench-clerk"], args, floor)
        results.append(mix)
        print(family_mix.describe(mix), flush=True)
        rss = worker_peak_mb(server.pid)
    print(f"Удалены заявления этого прогона: {forget_bench_writes(app)}", flush=True)
    if args.only == "family_mix":
        return results
    date_from, date_to = today - timedelta(days=365), today
    builders = {
        "funnel": lambda: queries.funnel(None, date_from, date_to),
        "backlog": lambda: queries.backlog(None, 14),
        "approval-time": lambda: queries.time_to_approval(None, date_from, date_to),
        "coverage": lambda: (queries.coverage(None), queries.unconnected_pupils(None)),
        "academic": lambda: queries.academic(None, date_from, date_to),
    }
    for name, build in builders.items():
        ms, raw = raw_sql_ms(app, build)
        results.append({"name": f"report:{name}", "ms": ms, "raw_sql_ms": raw})
        print(f"  отчёт {name:<16} {ms:>8} ms, его SQL (EXPLAIN ANALYZE) {raw:>8} ms, ×{round(ms / raw, 2) if raw else '—'}")
    results.append({"name": "worker_rss_mb", "mb": rss})
    print(f"  пиковая память воркера: {rss} МБ")
    return results


def main():
    parser = argparse.ArgumentParser(description="City-scale benchmark")
    parser.add_argument("--scale", type=float, default=float(os.environ.get("SCALE", 1.0)))
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--no-seed", action="store_true",
                        help="the database of --database-url already holds the city (a second run)")
    parser.add_argument("--results", default=str(ROOT / "bench" / "results.json"))
    parser.add_argument("--only", choices=["family_mix"],
                        help="the floor and the family mix only (no single-URL cases, no reports)")
    parser.add_argument("--families", type=int, default=2000, help="distinct families in the mix")
    parser.add_argument("--warmup", type=int, default=None,
                        help="seconds of the family mix before it is measured (default: --seconds; 0: from cold caches)")
    parser.add_argument("--redis", action=argparse.BooleanOptionalAction, default=True,
                        help="sessions in a throwaway redis-server (default), or in the database")
    args = parser.parse_args()
    if args.warmup is None:
        args.warmup = args.seconds
    if args.database_url:
        results = run(args.database_url, args)
    else:
        from scripts.pgcluster import temporary_postgres

        with temporary_postgres("diary_city", settings=PG_SETTINGS) as url:
            results = run(url, args)
    path = Path(args.results)
    try:
        stored = json.loads(path.read_text())
    except (OSError, ValueError):
        stored = []
    stored = stored if isinstance(stored, list) else []
    if args.only:  # a partial run replaces its own entries and keeps the rest
        fresh = {e["name"] for e in results}
        stored = [e for e in stored if e.get("name") not in fresh]
    else:
        stored = [e for e in stored if str(e.get("name", "")).startswith("import:")]
    path.write_text(json.dumps(stored + results, ensure_ascii=False, indent=2))
    targets.print_table(results, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
