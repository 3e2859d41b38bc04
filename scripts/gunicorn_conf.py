"""gunicorn settings for several workers with /metrics: `gunicorn -c scripts/gunicorn_conf.py 'run:app'`
with PROMETHEUS_MULTIPROC_DIR set to an empty directory (emptied before each start). A dead
worker's live gauges are dropped from the sum (prometheus_client's multiprocess mode)."""
import os

# Web workers need no operator commands nor their migration tool (config.CLI_COMMANDS): Alembic,
# Mako and Pygments stay out of every worker. Set before the workers load the app.
os.environ.setdefault("CLI_COMMANDS", "false")


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.remove(os.path.join(directory, name))


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
