"""Электронный дневник: application factory."""
import os

from flask import Flask
from flask_appbuilder import AppBuilder, Model

from .extensions import csrf, db


def create_app(config_object="config.Config", overrides=None):
    app = Flask(__name__, instance_relative_config=False)
    from .templating import DiaryEnvironment

    app.jinja_environment = DiaryEnvironment  # before the environment is first made
    app.config.from_object(config_object)
    if overrides:
        app.config.update(overrides)
    from .auth.session_keys import require_secret_key

    require_secret_key(app.config)  # no start without a real SECRET_KEY (RU/EN message naming it)
    if app.config.get("PREFERRED_URL_SCHEME") == "https" and "SESSION_COOKIE_SECURE" not in os.environ:
        app.config["SESSION_COOKIE_SECURE"] = True  # served over HTTPS: the cookie never goes in clear
    os.makedirs(os.path.join(os.path.dirname(app.root_path), "instance"), exist_ok=True)
    from . import ops

    ops.init_app(app)  # JSON log lines with the request id, /health, /ready, /metrics

    from . import http_security

    http_security.init_app(app)  # security headers, request size and JSON depth limits
    from . import static_assets

    static_assets.init_app(app)  # versioned, long-cached, gzipped static files; favicon, manifest
    db.init_app(app)
    from .auth import session_store

    session_store.init_app(app)  # server-side sessions: the database, or Redis (SESSION_REDIS_URL)
    # CSRFProtect before FAB: FAB exempts its REST blueprints only if it finds "csrf".
    csrf.init_app(app)
    if app.config.get("CLI_COMMANDS", True):
        _init_migrations(app)

    with app.app_context():
        appbuilder = AppBuilder(update_perms=False)
        appbuilder.init_app(app, db.session)
        from .initialization import register_all

        register_all(app, appbuilder)
    from . import replica

    replica.init_app(app)  # DATABASE_REPLICA_URL: reports and family reads from the replica

    from . import formats

    formats.init_app(app)  # the display formats' template filters (|date, |datetime, …)
    from . import names

    names.init_app(app)  # people's names: |genitive, |dative, |dear, |attendance, …
    if app.config.get("CLI_COMMANDS", True):
        from .cli import register_cli

        register_cli(app)
    if int(app.config.get("TRUSTED_PROXIES") or 0) > 0:  # client address from that many proxies only
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config["TRUSTED_PROXIES"]),
                                x_proto=int(app.config["TRUSTED_PROXIES"]))
    return app


def _init_migrations(app):
    """Flask-Migrate on FAB's metadata (`flask db …`, `flask init`). A web worker goes without
    (CLI_COMMANDS off, scripts/gunicorn_conf.py): it pulls in Alembic, Mako and Pygments, about
    9 MB a worker that no request uses."""
    from flask_migrate import Migrate

    Migrate().init_app(app, db, metadata=Model.metadata, directory=os.path.join(
        os.path.dirname(app.root_path), "migrations"))

