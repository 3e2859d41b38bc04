"""The test suite's own shape: shared helpers come from tests/helpers/ and fixtures from
tests/conftest.py and its plugins (tests/fixtures/), never from another test module or by importing
conftest (pytest loads it under another module name: a second copy); the markers of pytest.ini
follow the fixtures a test uses, so `make test-fast` and `-m "not postgres"` select what they say."""
import ast
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def collected(*args):
    """The test ids pytest collects with these arguments (no test runs)."""
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", *args], cwd=ROOT,  # -q: pytest.ini
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 5), done.stdout[-2000:] + done.stderr[-2000:]  # 5: nothing selected
    return [line for line in done.stdout.splitlines() if "::" in line]


def test_no_test_module_imports_another_or_conftest():
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                if name.startswith(("tests.test_", "test_")) or name in ("tests.conftest", "conftest"):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: imports {name}")
    assert not found, "\n".join(found)


def test_the_markers_follow_the_fixtures():
    # `app` runs on both databases: only its SQLite half is left without PostgreSQL
    without_postgres = collected("-m", "not postgres", "tests/test_workflow.py", "tests/test_concurrency_pg.py")
    assert without_postgres and all("[sqlite" in test for test in without_postgres)
    assert not [test for test in without_postgres if "test_concurrency_pg.py" in test]  # pg_app only
    browser = collected("-m", "browser")
    assert browser and all(test.startswith("tests/test_browser") for test in browser)
    fast = collected("-m", "not browser and not slow", "tests/test_workflow_stateful.py", "tests/test_browser.py",
                     "tests/test_staff_login.py")
    assert fast and all(test.startswith("tests/test_staff_login.py::") for test in fast)
