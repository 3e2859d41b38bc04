"""gunicorn settings for several workers with /metrics: `gunicorn -c scripts/gunicorn_conf.py 'run:app'`
with PROMETHEUS_MULTIPROC_DIR set to an empty directory (emptied before each start). A dead
worker's live gauges are dropped from the sum (prometheus_client's multiprocess mode)."""
import os


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
