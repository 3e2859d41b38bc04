"""The evening family mix (issue 11, «an honest benchmark»): many families at once, not one URL.

`run()` picks N distinct parents that hold a representative's grant (one pupil each: the grant's),
mints each one's server-side session with the app's own login machinery (app.auth.sessions.
store_login — the family pages and the diary API both authenticate parents by that session
cookie: API tokens are for staff, app/api/auth.py), writes them to a Lua data file and drives
gunicorn with wrk and bench/family_mix.lua: families by popularity (Zipf), pages by the evening
mix. At the same time a second process (bench/staff_load.py, paced: why not wrk there, see its
docstring) plays teachers writing grades and homework through the journal's JSON endpoints and a
clerk opening the queue (~12 rps).
Before the measured run the same mix runs --warmup seconds unmeasured (families only): the shared
caches (the families' accounts, the class weeks of the read model) are then as an evening holds
them, not empty as just after a restart; the browsers' ETags start afresh.
CPU time of the app (gunicorn's process tree) and of PostgreSQL (the postmaster's tree) is read
from /proc before and after and divided by the requests served.
"""
import json
import os
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
TICKS = os.sysconf("SC_CLK_TCK")
SAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=")


def mint_sessions(app, users):
    """[(cookie, csrf token)] for these User objects: each logged in as a login does, its session
    stored at once, its CSRF token made in that session; one request context for all."""
    from flask import g
    from flask.globals import request_ctx
    from flask_wtf.csrf import generate_csrf

    from app.auth.sessions import store_login

    name = app.config["SESSION_COOKIE_NAME"]
    field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    minted = []
    with app.test_request_context():
        ctx = request_ctx._get_current_object()  # noqa: SLF001
        for user in users:
            ctx._session = app.session_interface.open_session(app, ctx.request)  # noqa: SLF001 - a fresh browser
            g.pop(field, None)
            token = generate_csrf()
            minted.append((f"{name}={store_login(user)}", token))
    return minted


def _families(n, step=None):
    """[(user id, student id, a teacher of the class or None, school id)]: distinct parents with an
    unrevoked representative's grant, spread over the whole data set (every k-th grant; all of them
    when too few). The teacher to write to: the class teacher, else (the city seed names none) one
    who teaches the class. Classes as of the service's day (app.clock), not the server's."""
    from sqlalchemy import text

    from app import clock
    from app.extensions import db

    if step is None:
        total = db.session.execute(text("SELECT count(*) FROM access_grant")).scalar() or 0
        step = max(1, int(total / (n * 1.5)))
    rows = db.session.execute(text("""
        SELECT DISTINCT ON (g.user_id) g.user_id, g.student_id, COALESCE(c.class_teacher_id, (SELECT ta.teacher_id
               FROM teaching_assignment ta WHERE ta.class_id = c.id ORDER BY ta.id LIMIT 1)), s.school_id
        FROM access_grant g
        JOIN ab_user u ON u.id = g.user_id AND u.active
        JOIN student s ON s.id = g.student_id
        LEFT JOIN class_membership m ON m.student_id = g.student_id
             AND (m.since IS NULL OR m.since <= :today) AND (m.until IS NULL OR m.until >= :today)
        LEFT JOIN school_class c ON c.id = m.class_id
        WHERE g.revoked_at IS NULL AND g.relation = 'representative' AND g.id % :step = 0
        ORDER BY g.user_id, g.id"""), {"step": step, "today": clock.today()}).all()
    if len(rows) < n and step > 1:
        return _families(n, step=1)
    return [tuple(r) for r in rows[:n]]


def _teaching(n):
    """[(teacher id, assignment id, lesson id, pupil id)]: past lessons (up to two weeks back, not
    today: a grade needs a lesson that has taken place) of teaching assignments across the city,
    with a pupil of the class on that day."""
    from sqlalchemy import text

    from app import clock
    from app.extensions import db

    today = clock.today()  # the service's day, not the database server's CURRENT_DATE
    total = db.session.execute(text("SELECT count(*) FROM teaching_assignment")).scalar() or 0
    step = max(1, total // (n * 4))
    rows = db.session.execute(text("""
        SELECT ta.teacher_id, ta.id, l.id, m.student_id
        FROM teaching_assignment ta
        JOIN ab_user u ON u.id = ta.teacher_id AND u.active
        JOIN LATERAL (SELECT id, date FROM lesson WHERE class_id = ta.class_id AND subject_id = ta.subject_id
                      AND date < :yesterday AND date >= :first ORDER BY date DESC LIMIT 2) l ON true
        JOIN LATERAL (SELECT student_id FROM class_membership WHERE class_id = ta.class_id
                      AND (since IS NULL OR since <= l.date) AND (until IS NULL OR until >= l.date)
                      ORDER BY student_id LIMIT 3) m ON true
        WHERE ta.id % :step = 0
        ORDER BY ta.id LIMIT :limit"""), {"step": step, "limit": n * 6, "yesterday": today - timedelta(days=1),
                                          "first": today - timedelta(days=21)}).all()
    return [tuple(r) for r in rows]


def _lua(value):
    if value is None:
        return "nil"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if not set(text) <= SAFE:
        raise ValueError(f"unexpected characters in {text!r}")
    return f'"{text}"'


def _table(rows):
    return ",\n".join("{" + ", ".join(f"{k} = {_lua(v)}" for k, v in row.items() if v is not None) + "}"
                      for row in rows)


def prepare(app, n_families, n_teachers=20):
    """Mint the sessions and write the two Lua data files; returns their paths and the counts."""
    import random

    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from app.extensions import db
    from app.models import User

    with app.app_context():
        families = _families(n_families)
        teaching = _teaching(n_teachers)
        ids = {f[0] for f in families} | {t[0] for t in teaching}
        users = {u.id: u for u in db.session.execute(
            select(User).where(User.id.in_(ids)).options(selectinload(User.roles))).scalars()}
        people = sorted(ids)
        minted = dict(zip(people, mint_sessions(app, [users[i] for i in people])))
    random.Random(11).shuffle(families)  # popularity rank independent of ids (and of schools)
    family_rows = [{"c": minted[u][0], "k": minted[u][1], "s": s, "t": t, "h": h} for u, s, t, h in families]
    teacher_rows = [{"c": minted[u][0], "k": minted[u][1], "a": a, "l": l, "s": s} for u, a, l, s in teaching]
    return family_rows, teacher_rows


def _write(text, suffix):
    with tempfile.NamedTemporaryFile("w", suffix=suffix, delete=False, encoding="utf-8") as fh:
        fh.write(text)
        return fh.name


def tree_cpu_ticks(root):
    """utime + stime of `root` and every process below it, plus the reaped children's times
    (cutime + cstime): a worker or backend that ended meanwhile still counts."""
    stats = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2:].split()
        stats[int(entry.name)] = (int(fields[1]), sum(int(x) for x in fields[11:15]))  # ppid, times
    children = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            total += stats[pid][1]
            todo.extend(children.get(pid, ()))
    return total


def postmaster_pid(url):
    """The postmaster of the server behind this URL: a backend's parent."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            backend = connection.execute(text("SELECT pg_backend_pid()")).scalar()
            status = Path(f"/proc/{backend}/status").read_text()
            return int(status.split("PPid:")[1].split()[0])
    except (OSError, IndexError, ValueError):
        return None
    finally:
        engine.dispose()


def parse(out, name):
    line = next((l for l in out.splitlines() if l.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no figures for {name}:\n{out}")
    requests, duration, p50, p95, p99, errors = line.split()[1:]
    return {"requests": int(requests), "duration": float(duration), "p50_ms": round(float(p50), 2),
            "p95_ms": round(float(p95), 2), "p99_ms": round(float(p99), 2), "errors": int(errors)}


def _wrk_command(connections, seconds, base, family_file):
    """wrk with the mix's script: one connection per thread (a thread's families are its own)."""
    return ["wrk", f"-t{connections}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s",
            "-s", str(HERE / "family_mix.lua"), base, "--", family_file, str(connections)]


def run(app, base, url, server_pid, clerk_cookie, args, floor=None):
    """The mix: families at --connections for --seconds, staff beside them; one result entry."""
    families, teachers = prepare(app, args.families)
    if not families or not teachers:
        raise RuntimeError(f"no families ({len(families)}) or no teachers ({len(teachers)}) in the data set")
    family_file = _write("return {families = {\n" + _table(families) + "\n}}\n", ".lua")
    staff_file = _write(json.dumps({"teachers": teachers, "clerk": {"c": clerk_cookie[0]}}), ".json")
    seconds = args.seconds
    warmup = getattr(args, "warmup", 0)
    if warmup > 0:  # the same mix, not measured: caches as an evening holds them, not as after a restart
        subprocess.run(_wrk_command(args.connections, warmup, base, family_file),
                       capture_output=True, text=True, timeout=warmup + 60)
    postmaster = postmaster_pid(url)
    app_before, db_before = tree_cpu_ticks(server_pid), tree_cpu_ticks(postmaster) if postmaster else None
    try:
        staff = subprocess.Popen([sys.executable, str(HERE / "staff_load.py"), staff_file, base, str(seconds)],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        family = subprocess.run(_wrk_command(args.connections, seconds, base, family_file),
                                capture_output=True, text=True, timeout=seconds + 60)
        staff_out = staff.communicate(timeout=seconds + 60)[0]
    finally:
        for path in (family_file, staff_file):
            os.unlink(path)
    app_ticks = tree_cpu_ticks(server_pid) - app_before
    db_ticks = tree_cpu_ticks(postmaster) - db_before if postmaster else None
    mix, crew = parse(family.stdout + family.stderr, "family_mix"), parse(staff_out, "staff")
    served = mix["requests"] + crew["requests"]
    rps = round(mix["requests"] / mix["duration"], 1)
    entry = {"name": "family_mix", "rps": rps, "p50_ms": mix["p50_ms"], "p95_ms": mix["p95_ms"],
             "p99_ms": mix["p99_ms"], "errors": mix["errors"], "requests": mix["requests"],
             "families": len(families), "teachers": len(teachers), "warmup_s": warmup,
             "ratio_to_floor": round(rps / floor, 3) if floor else None, "connections": args.connections,
             "staff_rps": round(crew["requests"] / crew["duration"], 1), "staff_p95_ms": crew["p95_ms"],
             "staff_errors": crew["errors"],
             "app_cpu_ms_per_request": round(app_ticks * 1000 / TICKS / served, 2) if served else None,
             "db_cpu_ms_per_request": round(db_ticks * 1000 / TICKS / served, 2) if served and db_ticks is not None
             else None}
    for line in (family.stdout + staff_out).splitlines():
        if line.startswith(("MIX ", "STAFF ")):
            print("   ", line)
        if line.startswith("MIX ") and "not_modified=" in line:  # answered 304 (the client's cache held)
            entry["not_modified"] = int(line.split("not_modified=")[1].split()[0])
    return entry


def describe(entry):
    return (f"  {'family mix (' + str(entry['families']) + ' семей)':<40} {entry['rps']:>8} rps  p50 {entry['p50_ms']:>7} ms"
            f"  p95 {entry['p95_ms']:>7} ms  p99 {entry['p99_ms']:>7} ms  ×{entry['ratio_to_floor']} floor"
            f"  ошибок: {entry['errors']}; персонал {entry['staff_rps']} rps, ошибок: {entry['staff_errors']};"
            f" CPU на запрос: приложение {entry['app_cpu_ms_per_request']} мс, БД {entry['db_cpu_ms_per_request']} мс")
