"""`make run`: everything a newcomer needs on 127.0.0.1, in one terminal; Ctrl-C stops it all.

- the app (PORT, default 5000);
- the development identity provider standing in for ESIA (IDP_PORT, default 5001):
  oidc-provider-mock with the demo parents pre-registered;
- the outbox worker (`flask outbox run`), e-mails go to .eml files under instance/mail/
  unless MAIL_SERVER is set (then to that SMTP server);
- the scheduler steps: `flask reports refresh` every 10 minutes, `flask applications expire` hourly.

All of them get SECRET_KEY: the exported one, else the development key of instance/dev-secret-key
(made once; `devserver.py --secret-key` prints it for the Makefile's init and demo steps).
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
BIN = os.path.join(ROOT, ".venv", "bin")
PORT = int(os.environ.get("PORT", "5000"))
IDP_PORT = int(os.environ.get("IDP_PORT", "5001"))


DEV_KEY_FILE = os.path.join(ROOT, "instance", "dev-secret-key")


def dev_secret_key():
    """make run's development SECRET_KEY: random, made once, kept in instance/dev-secret-key
    (mode 0600). Outside make run and the tests the app refuses to start without a key."""
    if not os.path.exists(DEV_KEY_FILE):
        import secrets

        os.makedirs(os.path.dirname(DEV_KEY_FILE), exist_ok=True)
        fd = os.open(DEV_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48) + "\n")
    with open(DEV_KEY_FILE) as fh:
        return fh.read().strip()


def child_env():
    env = dict(os.environ)
    env["SECRET_KEY"] = os.environ.get("SECRET_KEY") or dev_secret_key()
    env.setdefault("OIDC_ISSUER", f"http://localhost:{IDP_PORT}")
    env.setdefault("PUBLIC_URL", f"http://127.0.0.1:{PORT}")
    env["PORT"] = str(PORT)
    env["IDP_PORT"] = str(IDP_PORT)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def wait_for(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return True
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.3)
    return False


def main():
    from app.demo import PARENTS, STAFF

    env = child_env()
    flask = [os.path.join(BIN, "flask"), "--app", "run"]
    idp = [os.path.join(BIN, "python"), "-m", "oidc_provider_mock", "--host", "127.0.0.1",
           "--port", str(IDP_PORT)]
    for claims in PARENTS:
        idp += ["--user-claims", json.dumps(claims, ensure_ascii=False)]
    commands = {
        "idp": idp,
        "app": flask + ["run", "--host", "127.0.0.1", "--port", str(PORT), "--no-reload"],
        "worker": flask + ["outbox", "run"],
    }
    processes = {}
    for name, command in commands.items():
        processes[name] = subprocess.Popen(command, cwd=ROOT, env=env)

    stop = threading.Event()

    def scheduler():
        # what cron does in production: expiry hourly, the reports' figures every 10 minutes here
        minutes = 0
        while not stop.wait(600):
            minutes += 10
            subprocess.run(flask + ["reports", "refresh"], cwd=ROOT, env=env)
            if minutes % 60 == 0:
                subprocess.run(flask + ["applications", "expire"], cwd=ROOT, env=env)

    threading.Thread(target=scheduler, daemon=True).start()

    def shutdown(*_):
        stop.set()
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        print("\nОстановлено.")
        sys.exit(0)

    signal.signal(signal.SIGINT, shutdown)
    signal.signal(signal.SIGTERM, shutdown)

    ok = wait_for(f"http://127.0.0.1:{PORT}/health") and wait_for(
        f"http://127.0.0.1:{IDP_PORT}/.well-known/openid-configuration"
    )
    mail = os.environ.get("MAIL_SERVER") or os.path.join(ROOT, "instance", "mail") + " (файлы .eml)"
    staff = "\n".join(f"    {username:<11} пароль {password:<12} ({role})"
                      for username, role, password, *_ in STAFF)
    staff += "\n    teacher239  пароль teacher12345 (teacher: журнал 6 «А», сообщения родителей)"
    parents = "\n".join(f"    {p['sub']:<15} {p['name']}, {p['email']}" for p in PARENTS)
    print(f"""
==================================================================
 Электронный дневник запущен{'' if ok else ' (не все службы ответили — смотрите журнал выше)'}
   Портал для родителей:   http://127.0.0.1:{PORT}/
   Вход сотрудников:       http://127.0.0.1:{PORT}/login/
   API (OpenAPI):          http://127.0.0.1:{PORT}/api/v1/_openapi
   Поставщик входа (вместо ЕСИА): http://localhost:{IDP_PORT}/
   Почта:                  {mail}; также «Журнал → Исходящие сообщения» у администратора

 Родители: «Войти через Госуслуги», на странице поставщика введите идентификатор
 (sub) демо-родителя:
{parents}
   (открыты дневники: у parent-ivanova — дочери, Ивановой Софьи, 6 «А»; у parent-petrov —
    Петровой Алисы, 6 «А»; сына Ивановой можно
    подключить, подав заявление: Иванов Иван Иванович, 09.07.2014, лицей № 239)
 Сотрудники (форма входа /login/):
{staff}
 Ctrl-C останавливает всё.
==================================================================
""", flush=True)
    while True:
        for name, process in processes.items():
            if process.poll() is not None:
                print(f"Служба {name} завершилась с кодом {process.returncode}; останавливаю остальные.")
                shutdown()
        time.sleep(1)


if __name__ == "__main__":
    if sys.argv[1:] == ["--secret-key"]:  # the Makefile's init / demo steps
        print(dev_secret_key())
    else:
        main()
