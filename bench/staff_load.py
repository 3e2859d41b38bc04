"""Staff beside the family mix (bench/family_mix.py starts it with Popen, for the same seconds):
teachers writing grades and homework through the journal's JSON endpoints (~10 a second) and a
clerk opening the queue /applications/list/ (~2 a second), each on its own fixed clock.

Paced from here and not with wrk's delay(): wrk opens the next connection at once and waits
*before* sending, and a sync gunicorn worker that has accepted it sits idle that long — three
such staff connections held two of the workers and the families' latency grew tenfold. A
request here is sent as soon as its connection is open, as a browser (or nginx) does.

    python bench/staff_load.py DATA.json BASE_URL SECONDS   → prints
    BENCH requests duration p50 p95 p99 errors   and   STAFF writes=… queue=…
"""
import http.client
import json
import random
import sys
import threading
import time
from urllib.parse import urlsplit

WRITES_PER_SECOND = 10
QUEUE_PER_SECOND = 2


def _send(host, port, method, path, headers, body=None):
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return None
    finally:
        connection.close()


def _paced(rate, seconds, make, host, port, log):
    """Requests from make() on a fixed clock (no catching up beyond one late request)."""
    rng = random.Random()
    started = time.monotonic()
    due = started
    while True:
        now = time.monotonic()
        if now - started >= seconds:
            return
        if due > now:
            time.sleep(due - now)
        due = max(due + 1 / rate, time.monotonic() - 1 / rate)
        method, path, headers, body = make(rng)
        t0 = time.perf_counter()
        status = _send(host, port, method, path, headers, body)
        log.append((path, (time.perf_counter() - t0) * 1000, status))


def main(data_file, base, seconds):
    data = json.loads(open(data_file, encoding="utf-8").read())
    teachers, clerk = data["teachers"], data["clerk"]
    parts = urlsplit(base)
    host, port = parts.hostname, parts.port or 80

    def write(rng):
        t = rng.choice(teachers)
        headers = {"Cookie": t["c"], "X-CSRFToken": t["k"], "Content-Type": "application/json",
                   "Accept": "application/json"}
        if rng.random() < 0.25:
            body = {"lesson_id": t["l"], "topic": "Повторение", "homework": f"№ {rng.randint(100, 999)}"}
            return "POST", f"/journal/{t['a']}/lesson", headers, json.dumps(body, ensure_ascii=False).encode()
        body = {"student_id": t["s"], "lesson_id": t["l"], "value": str(rng.randint(2, 5))}
        return "POST", f"/journal/{t['a']}/cell", headers, json.dumps(body).encode()

    def queue(_rng):
        return "GET", "/applications/list/", {"Cookie": clerk["c"]}, None

    writes, reads = [], []
    threads = [threading.Thread(target=_paced, args=(WRITES_PER_SECOND, seconds, write, host, port, writes)),
               threading.Thread(target=_paced, args=(QUEUE_PER_SECOND, seconds, queue, host, port, reads))]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    duration = time.monotonic() - started
    log = writes + reads
    times = sorted(ms for _path, ms, _status in log) or [0.0]
    errors = sum(1 for _path, _ms, status in log if status is None or status >= 300)  # staff answers are 200

    def pct(p):
        return times[min(len(times) - 1, int(len(times) * p / 100))]

    print(f"BENCH {len(log)} {duration:f} {pct(50):f} {pct(95):f} {pct(99):f} {errors}")
    print(f"STAFF writes={len(writes)} queue={len(reads)} errors={errors}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
