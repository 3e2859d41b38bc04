"""Dependencies (issue 8): every installed package is pinned with hashes in the lock files, and
`make audit` never passes silently when the advisory database cannot be asked."""
import os
import re
import subprocess
import sys
from importlib.metadata import distributions

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _normal(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _lock(path):
    """{name: (version, number of hashes)} of a pip-compile lock file."""
    pins, current = {}, None
    for line in open(os.path.join(ROOT, path), encoding="utf-8"):
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)", line)
        if match:
            current = _normal(match.group(1))
            pins[current] = [match.group(2), 0]
        elif current and "--hash=sha256:" in line:
            pins[current][1] += 1
    return pins


def test_every_installed_package_is_pinned_with_hashes():
    lock = _lock("requirements-dev.txt")
    assert lock, "requirements-dev.txt holds no pins"
    unhashed = sorted(name for name, (_, hashes) in lock.items() if hashes == 0)
    assert not unhashed, f"pinned without a hash: {unhashed}"
    installed = {_normal(d.metadata["Name"]): d.version for d in distributions()}
    unpinned = sorted(f"{name}=={version}" for name, version in installed.items()
                      if name not in lock or lock[name][0] != version)
    assert not unpinned, f"installed but not pinned (or another version) in the lock: {unpinned}"


def test_runtime_lock_is_a_subset_of_the_development_lock():
    runtime, dev = _lock("requirements.txt"), _lock("requirements-dev.txt")
    differing = sorted(name for name, (version, _) in runtime.items()
                       if name not in dev or dev[name][0] != version)
    assert not differing, differing


def test_audit_says_so_and_fails_when_the_advisory_database_is_unreachable():
    env = dict(os.environ, HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9",
               https_proxy="http://127.0.0.1:9", http_proxy="http://127.0.0.1:9", NO_PROXY="")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    result = subprocess.run(["sh", "scripts/audit.sh"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode != 0, result.stdout[-2000:]
    assert "база уязвимостей недоступна" in result.stderr
    assert "could not be reached" in result.stderr
