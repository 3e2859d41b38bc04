"""Log lines as JSON (one object a line) carrying the request id, and one line per request
(method, endpoint, status, duration) except for the operator's endpoints."""
import json
from datetime import datetime, timezone
import logging
import time

from flask import g, request

from .. import request_id
from . import ENDPOINTS

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.current(),
        }
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD and k not in line})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(level, fmt):
    root = logging.getLogger()
    root.setLevel(level)
    handler = next((h for h in root.handlers if getattr(h, "diary_handler", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler.diary_handler = True
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))


access = logging.getLogger("diary.access")


def _started():
    g.log_started = time.perf_counter()


def _log_request(response):
    started = g.pop("log_started", None)
    if started is not None and request.endpoint not in ENDPOINTS:
        access.info("%s %s %s", request.method, request.endpoint or "unmatched", response.status_code,
                    extra={"method": request.method, "endpoint": request.endpoint or "unmatched",
                           "status": response.status_code,
                           "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
    return response


def init_app(app):
    configure(app.config.get("LOG_LEVEL", logging.INFO), app.config.get("LOG_FORMAT", "json"))
    app.before_request_funcs.setdefault(None, []).insert(0, _started)
    app.after_request(_log_request)
