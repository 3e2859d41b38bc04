"""Conditional GET of the family's diary pages and the diary API (issue 11): an ETag, and a 304
without rendering or a single diary query when the browser (or the app) already holds the answer.

The caller has done app.diary.family.open_section first — the access check and the access log
happen for a 304 too — and then calls `respond(student, grant, build)`. The ETag is a short
BLAKE2b of everything the answer depends on:
- the revisions of the pupil's classes (ClassRevision, app.diary.revisions: every change of a
  lesson, grade, mark, remark or membership bumps them in its own transaction) — one query;
- the pupil's own row as the page header shows it (name, school, class name);
- the grant (id, relation, scope, end date): what is shown; the person (id, account stamp);
- the request's path and query, the service's today (app.clock.today(): "today" is highlighted
  and the default dates depend on it), the locale, the release (RELEASE, or a stamp of the app's
  files) and the flash messages waiting in the session;
- `extra`: what a page shows besides (e.g. «Сегодня»: the visit, the applications).

An answer carries `ETag`, `Cache-Control: private, no-cache` (the browser keeps it, asks every
time) and `Vary: Cookie, Authorization`. A gzipped answer's ETag ends in "-gzip"
(app.static_assets): both forms match, weak ones too (a balancer may weaken them).
CONDITIONAL_GET = False switches all of it off."""
import hashlib
import os
from functools import lru_cache

from flask import current_app, make_response, request, session
from flask_babel import get_locale

from .. import clock
from ..access import current_account
from ..auth.sessions import account_stamp
from ..extensions import db
from . import revisions

CACHE_CONTROL = "private, no-cache"
VARY = ("Cookie", "Authorization")
GZIP_SUFFIX = "-gzip"  # app.static_assets._compress


@lru_cache(maxsize=1)
def _files_stamp(root):
    """A stamp of the app's code, templates, translations and static files (names, sizes, times):
    a new release makes new ETags. Computed once per process."""
    digest = hashlib.blake2b(digest_size=8)
    for folder, dirs, files in sorted(os.walk(root)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            try:
                stat = os.stat(os.path.join(folder, name))
            except OSError:
                continue
            digest.update(f"{os.path.relpath(os.path.join(folder, name), root)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()


def release():
    return current_app.config.get("RELEASE") or _files_stamp(current_app.root_path)


def enabled():
    return current_app.config.get("CONDITIONAL_GET", True) and request.method in ("GET", "HEAD")


def etag_of(student, grant, extra=()):
    """The ETag (hex) of this request's answer about the pupil under the grant."""
    user = current_account()
    parts = (
        revisions.of_pupil(db.session, student.id),
        (student.id, student.school_id, student.last_name, student.first_name, student.middle_name,
         student.class_name, student.sex),
        (grant.id, grant.relation, grant.scope, grant.valid_until),
        (user.id, account_stamp(user)) if user is not None else None,
        request.full_path, clock.today(), str(get_locale()), release(), bool(session.get("_flashes")),
        tuple(extra),
    )
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def _matched(etag):
    """The form of our ETag the request's If-None-Match holds (plain or gzipped), or None."""
    held = request.if_none_match
    if not held:
        return None
    return next((tag for tag in (etag, etag + GZIP_SUFFIX) if held.contains_weak(tag)), None)


def _headers(response):
    response.headers["Cache-Control"] = CACHE_CONTROL
    for header in VARY:
        response.vary.add(header)
    return response


def respond(student, grant, build, extra=()):
    """build() → the answer (anything a view may return), with its ETag; or a bodiless 304 when
    If-None-Match already holds it (build() is not called)."""
    if not enabled():
        return build()
    etag = etag_of(student, grant, extra)
    held = _matched(etag)
    if held is not None:
        response = current_app.response_class(status=304)
        response.set_etag(held)
        if held.endswith(GZIP_SUFFIX):
            response.vary.add("Accept-Encoding")
        return _headers(response)
    response = make_response(build())
    if response.status_code == 200:
        response.set_etag(etag)
        _headers(response)
    return response
