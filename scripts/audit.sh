#!/bin/sh
# `make audit`: pip-audit over the lock files (requirements.txt, requirements-dev.txt: every package
# pinned with hashes). --strict: a package the advisory database could not be asked about fails the
# audit instead of being skipped, so an unreachable database is never a silent pass.
set -u
cd "$(dirname "$0")/.."
BIN=.venv/bin
status=0
for lock in requirements.txt requirements-dev.txt; do
    echo "pip-audit: $lock"
    output=$($BIN/pip-audit -r "$lock" --require-hashes --disable-pip --strict --progress-spinner off 2>&1)
    code=$?
    echo "$output"
    if [ $code -ne 0 ]; then
        status=1
        if echo "$output" | grep -qiE "could not be audited|not found on PyPI|ConnectionError|Failed to resolve|Max retries|ServiceError|timed out|ProxyError"; then
            echo "АУДИТ НЕ ВЫПОЛНЕН: база уязвимостей недоступна ($lock), зависимости не проверены." >&2
            echo "AUDIT NOT DONE: the vulnerability database could not be reached ($lock); nothing was checked." >&2
        else
            echo "АУДИТ: найдены уязвимости или ошибки в $lock (см. выше)." >&2
            echo "AUDIT FAILED: vulnerabilities or errors in $lock (see above)." >&2
        fi
    fi
done
exit $status
