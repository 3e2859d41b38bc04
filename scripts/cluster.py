"""`make cluster`: the service as it runs when the city outgrows one process, on 127.0.0.1.

    nginx (balancer) ─┬─ gunicorn instance 1 ─┐            ┌─ PostgreSQL primary
                      └─ gunicorn instance 2 ─┴─ pgbouncer ┴─ PostgreSQL streaming replica
                         outbox worker 1, 2 ──┘  (transaction mode)
                         redis-server: sessions, rate limits, failed-attempt counters

Everything is a real engine from Debian (nginx, pgbouncer, PostgreSQL 15, redis-server) started
on free loopback ports in a temporary directory; mail goes to MAIL_DIR as .eml files. The tests
use the same `Cluster` (tests/test_cluster.py):

    with Cluster() as cluster:          # cluster.url is nginx
        ...
        cluster.kill_instance(0)        # SIGKILL one app instance (nginx passes its requests on)

    .venv/bin/python scripts/cluster.py [--instances 2] [--workers 2] [--max-lag 5]
"""
import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.pgcluster import free_port, temporary_postgres, temporary_replica  # noqa: E402

BIN = ROOT / ".venv" / "bin"
NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
PGBOUNCER = os.environ.get("PGBOUNCER", "/usr/sbin/pgbouncer")
REDIS = os.environ.get("REDIS_SERVER", "/usr/bin/redis-server")

NGINX_CONF = """
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {dir}/nginx-access.log;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    client_max_body_size 52m;
    # the client's request id if it sent one (the app checks it), else nginx's own
    map $http_x_request_id $diary_request_id {{ default $http_x_request_id; "" $request_id; }}
    upstream diary {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://diary;
            proxy_set_header Host $http_host;
            # the app believes one proxy (TRUSTED_PROXIES=1): the address nginx saw, never the client's claim
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-ID $diary_request_id;
            # an instance that is down or answers 502/503: GET/HEAD go to the other one
            # (never a POST: non_idempotent is not listed)
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 2;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""

PGBOUNCER_CONF = """
[databases]
diary = host=127.0.0.1 port={primary_port} dbname={dbname}
diary_replica = host=127.0.0.1 port={replica_port} dbname={dbname}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {dir}/userlist.txt
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 20
ignore_startup_parameters = extra_float_digits,options
logfile = {dir}/pgbouncer.log
pidfile = {dir}/pgbouncer.pid
"""


def _as_postgres():
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _wait(check, what, timeout=60, process=None, log=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.2)
    tail = Path(log).read_text(errors="replace")[-3000:] if log and Path(log).exists() else ""
    raise RuntimeError(f"{what} did not start\n{tail}")


def _http_ok(url):
    import requests

    return requests.get(url, timeout=2).status_code == 200


class Cluster:
    def __init__(self, instances=2, workers=2, max_lag=5.0, env=None, demo=True):
        self.instances, self.workers, self.max_lag = instances, workers, max_lag
        self.extra_env, self.demo = dict(env or {}), demo
        self.secret = secrets.token_urlsafe(48)
        self.apps, self.outbox = [], []

    # ------------------------------------------------------------------ start
    def __enter__(self):
        self._stack = ExitStack()
        try:
            self._start()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def _start(self):
        self.dir = Path(tempfile.mkdtemp(prefix="diary-cluster-", dir="/tmp"))
        self._stack.callback(shutil.rmtree, self.dir, True)
        self.dir.chmod(0o711)  # nginx and pgbouncer (as postgres) reach run/, nothing else
        self.run_dir = self.dir / "run"  # nginx and pgbouncer run as postgres when we are root
        self.run_dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.run_dir, "postgres", "postgres")
        self.mail_dir = self.dir / "mail"
        self.mail_dir.mkdir()
        self.primary_direct = self._stack.enter_context(temporary_postgres("diary_cluster", replication=True))
        self.replica_direct = self._stack.enter_context(temporary_replica(self.primary_direct))
        self._redis()
        self._pgbouncer()
        self.env = self._app_env()
        self._migrate()
        self.apps = [None] * self.instances
        for index in range(self.instances):
            self.start_instance(index)
        self._nginx()
        for index in range(self.instances):
            self.outbox.append(self._spawn(
                [str(BIN / "flask"), "--app", "run", "outbox", "run"], f"outbox-{index + 1}",
                {**self.env, "PROMETHEUS_MULTIPROC_DIR": ""}))

    def _spawn(self, command, name, env, as_postgres=False):
        log = open(self.dir / f"{name}.log", "w")
        process = subprocess.Popen((_as_postgres() if as_postgres else []) + command, cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        process.log_path = log.name
        self._stack.callback(self._stop, process)
        return process

    @staticmethod
    def _stop(process):
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait()

    def _redis(self):
        port = free_port()
        self.redis_url = f"redis://127.0.0.1:{port}/0"
        process = self._spawn([REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(self.dir)], "redis", os.environ.copy())

        def up():
            import redis

            return redis.Redis.from_url(self.redis_url, socket_timeout=1).ping()

        _wait(up, "redis-server", process=process, log=process.log_path)

    def _pgbouncer(self):
        from urllib.parse import urlsplit

        primary, replica = urlsplit(self.primary_direct), urlsplit(self.replica_direct)
        port = free_port()
        (self.run_dir / "userlist.txt").write_text('"postgres" ""\n')
        conf = self.run_dir / "pgbouncer.ini"
        conf.write_text(PGBOUNCER_CONF.format(primary_port=primary.port, replica_port=replica.port,
                                              dbname=primary.path[1:], port=port, dir=self.run_dir))
        for path in (conf, self.run_dir / "userlist.txt"):
            path.chmod(0o644)
        process = self._spawn([PGBOUNCER, str(conf)], "pgbouncer", os.environ.copy(), as_postgres=True)
        self.database_url = f"postgresql+psycopg2://postgres@127.0.0.1:{port}/diary"
        self.replica_url = f"postgresql+psycopg2://postgres@127.0.0.1:{port}/diary_replica"

        def up():
            import psycopg2

            psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="diary",
                             connect_timeout=1).close()
            return True

        _wait(up, "pgbouncer", process=process, log=process.log_path)

    def _app_env(self):
        env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "REDIS_"))}
        env.update({
            "DATABASE_URL": self.database_url,
            "DATABASE_REPLICA_URL": self.replica_url,
            "REPLICA_MAX_LAG_SECONDS": str(self.max_lag),
            "REDIS_URL": self.redis_url,
            "SESSION_REDIS_URL": self.redis_url,
            "SECRET_KEY": self.secret,
            "TRUSTED_PROXIES": "1",
            "MAIL_SERVER": "",
            "MAIL_DIR": str(self.mail_dir),
            "OUTBOX_POLL_SECONDS": "0.5",
            "PYTHONUNBUFFERED": "1",
            "LOG_FORMAT": "json",
        })
        env.update(self.extra_env)
        return env

    def _migrate(self):
        env = {**self.env, "DATABASE_URL": self.primary_direct}  # DDL on the primary itself
        for step in (["init"], ["demo"]) if self.demo else (["init"],):
            subprocess.run([str(BIN / "flask"), "--app", "run", *step], cwd=ROOT, env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start_instance(self, index):
        """(Re)start app instance `index`: gunicorn with its own Prometheus directory."""
        port = free_port()
        metrics = self.dir / f"metrics-{index + 1}"
        metrics.mkdir(exist_ok=True)
        env = {**self.env, "PROMETHEUS_MULTIPROC_DIR": str(metrics)}
        process = self._spawn([str(BIN / "gunicorn"), "-c", str(ROOT / "scripts" / "gunicorn_conf.py"),
                               "-w", str(self.workers), "-b", f"127.0.0.1:{port}", "--timeout", "60",
                               "run:app"], f"app-{index + 1}", env)
        process.port = port
        _wait(lambda: _http_ok(f"http://127.0.0.1:{port}/health"), f"app instance {index + 1}",
              process=process, log=process.log_path)
        previous = self.apps[index]
        self.apps[index] = process
        if previous is not None and hasattr(self, "nginx_port"):
            self._write_nginx_conf()
            subprocess.run(_as_postgres() + [NGINX, "-p", str(self.run_dir), "-e", str(self.run_dir / "nginx-error.log"),
                                             "-c", str(self.run_dir / "nginx.conf"), "-s", "reload"], check=True, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
        return process

    def kill_instance(self, index, sig=signal.SIGKILL):
        """Stop app instance `index` at once (all its processes), as a crash would."""
        process = self.apps[index]
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        process.wait(15)

    def _write_nginx_conf(self):
        servers = "\n".join(f"        server 127.0.0.1:{app.port} max_fails=1 fail_timeout=10s;" for app in self.apps)
        conf = self.run_dir / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=self.run_dir, port=self.nginx_port, servers=servers))
        conf.chmod(0o644)

    def _nginx(self):
        self.nginx_port = free_port()
        self._write_nginx_conf()
        process = self._spawn([NGINX, "-p", str(self.run_dir), "-e", str(self.run_dir / "nginx-error.log"),
                               "-c", str(self.run_dir / "nginx.conf"), "-g", "daemon off;"], "nginx", os.environ.copy(), as_postgres=True)
        self.url = f"http://127.0.0.1:{self.nginx_port}"
        _wait(lambda: _http_ok(f"{self.url}/health"), "nginx", process=process,
              log=self.run_dir / "nginx-error.log")

    # ------------------------------------------------------------------ stop
    def __exit__(self, *exc):
        self._stack.close()
        return False

    def describe(self):
        return "\n".join([
            f"Кластер запущен: {self.url}",
            f"  балансировщик nginx → экземпляры приложения: "
            + ", ".join(f"127.0.0.1:{app.port}" for app in self.apps),
            f"  pgbouncer (режим transaction): {self.database_url} (реплика: {self.replica_url})",
            f"  PostgreSQL: основной {self.primary_direct}, реплика {self.replica_direct}",
            f"  Redis: {self.redis_url}; обработчики исходящих сообщений: {len(self.outbox)}",
            f"  письма: {self.mail_dir}; журналы: {self.dir}",
            "Вход для сотрудников: admin / admin12345, clerk239 / clerk12345 (демонстрационные данные).",
            "Остановить: Ctrl+C.",
        ])


def main():
    parser = argparse.ArgumentParser(description="The service on nginx, two app instances, pgbouncer, "
                                                 "a primary and a replica, Redis (127.0.0.1)")
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-lag", type=float, default=5.0, help="REPLICA_MAX_LAG_SECONDS")
    args = parser.parse_args()
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    with Cluster(args.instances, args.workers, args.max_lag) as cluster:
        print(cluster.describe(), flush=True)
        try:
            while not stop["now"]:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        print("Останавливаю кластер…", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
