"""Static files, served fast: every url_for() of a static endpoint (ours, the portal's and
Flask-AppBuilder's) carries ?v=<content hash>, and such a versioned URL is cached by the browser for a
year (`Cache-Control: public, max-age=31536000, immutable`) — a changed file gets a new URL; text
answers (pages, CSS, JS, JSON) go gzipped to a browser that accepts it; /favicon.ico and the web app
manifest (/manifest.webmanifest, icons 192 and 512 px) let the portal sit on a phone's home screen."""
import gzip
import hashlib
import os
from functools import lru_cache

from flask import current_app, jsonify, request, send_from_directory, url_for
from flask_babel import gettext as _

STATIC_ENDPOINTS = {"static", "portal.static", "appbuilder.static"}
IMMUTABLE = "public, max-age=31536000, immutable"
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/manifest+json",
                "image/svg+xml", "image/x-icon", "image/vnd.microsoft.icon")
MIN_GZIP_BYTES = 1024
THEME_COLOR = "#0b5cad"


@lru_cache(maxsize=2048)
def _file_hash(path, mtime_ns, size):  # noqa: ARG001 - the key: a changed file is hashed anew
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


def _static_folder(app, endpoint):
    if endpoint == "static":
        return app.static_folder
    blueprint = app.blueprints.get(endpoint.rsplit(".", 1)[0])
    return blueprint.static_folder if blueprint is not None else None


@lru_cache(maxsize=1024)
def _inside(folder, filename):
    """The file's real path when it lies inside the folder, else None. Remembered per process: a
    page names a handful of static files, and resolving them took two realpath walks each time
    (the file's own version still follows its size and time, content_version)."""
    path = os.path.realpath(os.path.join(folder, filename))
    return path if path.startswith(os.path.realpath(folder) + os.sep) else None


def content_version(app, endpoint, filename):
    """The first 12 hex digits of the file's SHA-256, or None when there is no such file."""
    folder = _static_folder(app, endpoint)
    if not folder or not filename:
        return None
    path = _inside(folder, filename)
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return _file_hash(path, stat.st_mtime_ns, stat.st_size)


def _add_version(endpoint, values):
    if endpoint in STATIC_ENDPOINTS and "v" not in values:
        version = content_version(current_app, endpoint, values.get("filename"))
        if version:
            values["v"] = version


@lru_cache(maxsize=512)
def _gzipped(key, data):  # noqa: ARG001 - key: path and ETag of a static file
    return gzip.compress(data, compresslevel=6, mtime=0)


def _compress(response):
    streamed = response.is_streamed and not response.direct_passthrough
    if (response.status_code != 200 or streamed
            or "gzip" not in request.headers.get("Accept-Encoding", "").lower()
            or response.headers.get("Content-Encoding") or "Range" in request.headers):
        return response
    mimetype = response.mimetype or ""
    if not mimetype.startswith(COMPRESSIBLE):
        return response
    static = request.endpoint in STATIC_ENDPOINTS
    if response.direct_passthrough:
        if not static:
            return response  # a streamed download (exports): left alone
        response.direct_passthrough = False
    data = response.get_data()
    if len(data) < MIN_GZIP_BYTES:
        return response
    etag = response.get_etag()[0]
    body = _gzipped((request.path, etag), data) if static and etag else gzip.compress(data, 6, mtime=0)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    if etag:
        response.set_etag(f"{etag}-gzip")
    response.vary.add("Accept-Encoding")
    return response


def _cache_and_compress(response):
    if request.endpoint in STATIC_ENDPOINTS and request.args.get("v") and response.status_code in (200, 304):
        response.headers["Cache-Control"] = IMMUTABLE
        response.expires = None
    return _compress(response)


def favicon():
    response = send_from_directory(os.path.join(current_app.static_folder, "icons"), "favicon.ico",
                                   mimetype="image/x-icon", max_age=86400)
    return response


def manifest():
    icons = [{"src": url_for("static", filename=f"icons/icon-{size}.png"), "sizes": f"{size}x{size}",
              "type": "image/png", "purpose": "any"} for size in (192, 512)]
    response = jsonify(
        name=_("E-diary") + " · " + _("St. Petersburg Education"), short_name=_("E-diary"),
        lang="ru", start_url="/", scope="/", display="standalone",
        background_color="#f5f7fa", theme_color=THEME_COLOR, icons=icons)
    response.mimetype = "application/manifest+json"
    response.cache_control.max_age = 86400
    response.cache_control.public = True
    return response


def init_app(app):
    app.url_defaults(_add_version)
    # the last of the after_request hooks (they run in reverse order): the others see the plain body
    app.after_request_funcs.setdefault(None, []).insert(0, _cache_and_compress)
    app.add_url_rule("/favicon.ico", "favicon", favicon)
    app.add_url_rule("/manifest.webmanifest", "web_manifest", manifest)
    app.jinja_env.globals["theme_color"] = THEME_COLOR
