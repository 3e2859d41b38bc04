"""One request, looked at closely: the SQL it runs and where its time goes.

    DATABASE_URL=postgresql+psycopg2://… .venv/bin/python bench/profile_request.py PATH [--user NAME]
        [--repeat 200] [--sql] [--profile]

Logs in as NAME (a staff username or a parent's account username), warms up, then prints the number
of SQL statements per request (--sql lists them; --revalidate: the repeated request of a browser's cache), the mean time in-process over --repeat requests,
and with --profile a pyinstrument call tree (pip install pyinstrument) of those requests. The
closing notes of the benchmark issue quote this output for targets a page does not meet."""
import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--sql", action="store_true", help="list the statements of one request")
    parser.add_argument("--profile", action="store_true", help="pyinstrument call tree")
    parser.add_argument("--revalidate", action="store_true",
                        help="repeat with If-None-Match of the first answer, as a browser's cache does (304)")
    args = parser.parse_args()

    from sqlalchemy import event, select

    from app import create_app
    from app.auth.sessions import store_login
    from app.extensions import db
    from app.models import User

    app = create_app(overrides={"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
                                "SECRET_KEY": os.environ.get("SECRET_KEY") or os.urandom(32).hex()})
    client = app.test_client()
    with app.test_request_context():
        user = db.session.execute(select(User).where(User.username == args.user)).scalar_one()
        client.set_cookie(app.config["SESSION_COOKIE_NAME"], store_login(user))

    statements = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: statements.append(statement))
    headers = {}
    for _ in range(6):  # the first answer may differ (a one-time notice): revalidate the last one
        response = client.get(args.path)
    if args.revalidate and response.headers.get("ETag"):
        headers["If-None-Match"] = response.headers["ETag"]
    for _ in range(5):
        client.get(args.path, headers=headers)
    statements.clear()
    response = client.get(args.path, headers=headers)
    print(f"{args.path}: HTTP {response.status_code}, {len(response.data)} байт, SQL-запросов: {len(statements)}")
    if args.sql:
        for statement in statements:
            print("  ", " ".join(statement.split())[:200])
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
        profiler.start()
    started = time.perf_counter()
    for _ in range(args.repeat):
        client.get(args.path, headers=headers)
    elapsed = (time.perf_counter() - started) / args.repeat * 1000
    if profiler:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    print(f"в среднем {elapsed:.2f} мс на запрос в процессе ({args.repeat} запросов)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
