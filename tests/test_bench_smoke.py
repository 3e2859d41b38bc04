"""The city benchmark at a tiny scale, so `make bench` cannot rot: it seeds, serves under gunicorn,
drives every key request with wrk, times the reports against their raw SQL and writes the figures."""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # the city benchmark at a tiny scale (gunicorn and wrk)

ROOT = Path(__file__).resolve().parent.parent


def test_city_bench_runs_at_a_tiny_scale(tmp_path):
    if shutil.which("wrk") is None:
        pytest.fail("wrk is not installed: `make system-deps` installs it (Debian package wrk)")
    results = tmp_path / "results.json"
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "city_bench.py"), "--scale", "0.001",
                          "--seconds", "1", "--workers", "1", "--connections", "2", "--results", str(results)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    entries = {e["name"]: e for e in json.loads(results.read_text())}
    for name in ("floor: /ping", "parent: week page", "parent: grades page", "parent: application submit",
                 "clerk: queue first page", "clerk: search by code", "admin: report funnel",
                 "parent: week page, 1 соед.", "clerk: queue first page, 1 соед."):
        assert entries[name]["rps"] > 0 and entries[name]["errors"] == 0, entries[name]
        assert {"p50_ms", "p95_ms", "p99_ms", "ratio_to_floor"} <= set(entries[name])
    for report in ("funnel", "backlog", "approval-time", "coverage", "academic"):
        assert entries[f"report:{report}"]["raw_sql_ms"] >= 0
    assert 10 < entries["worker_rss_mb"]["mb"] < 1000
    # what the submits wrote is removed, so a second run (--no-seed) measures the city as seeded
    removed = re.search(r"Удалены заявления этого прогона: (\d+)", run.stdout)
    assert removed and int(removed.group(1)) > 0, run.stdout[-3000:]


def test_family_mix_runs_at_a_tiny_scale(tmp_path):
    """The evening mix with a few families and the staff beside them: requests served, no errors
    (a status >= 400 or a session sent to the login page counts as one), CPU per request measured."""
    if shutil.which("wrk") is None:
        pytest.fail("wrk is not installed: `make system-deps` installs it (Debian package wrk)")
    results = tmp_path / "results.json"
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "city_bench.py"), "--scale", "0.002",
                          "--only", "family_mix", "--families", "20", "--seconds", "2", "--workers", "2",
                          "--connections", "2", "--results", str(results)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    entries = {e["name"]: e for e in json.loads(results.read_text())}
    assert "parent: week page" not in entries and "report:funnel" not in entries  # --only
    mix = entries["family_mix"]
    assert mix["requests"] > 0 and mix["rps"] > 0 and mix["errors"] == 0, mix
    assert mix["families"] == 20 and mix["staff_rps"] > 0 and mix["staff_errors"] == 0, mix
    assert mix["app_cpu_ms_per_request"] > 0 and mix["db_cpu_ms_per_request"] > 0, mix
    assert "Цели:" in run.stdout and "семейная смесь" in run.stdout
