"""An app for a test: make_app (migrated, roles set up) and reset_data (the demo data again).
The session-wide apps of the fixtures (tests/conftest.py) are made with the same functions."""
import os

from flask_appbuilder import Model
from sqlalchemy import text

KEEP_TABLES = {
    "ab_permission",
    "ab_view_menu",
    "ab_permission_view",
    "ab_role",
    "ab_permission_view_role",
    "alembic_version",
}


def make_app(database_url, smtp_server, idp, **overrides):
    from flask_migrate import upgrade

    from app import create_app
    from app.cli import setup_roles

    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": os.urandom(32).hex(),  # a random key per app (create_app refuses weak ones)
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server.port,
        "MAIL_TIMEOUT": 5,
        "OUTBOX_BACKOFF_SECONDS": 0,
        "MAX_ATTEMPTS": 3,
        "OIDC_ISSUER": idp.url,
        "PUBLIC_URL": "http://127.0.0.1:5000",
        "SERVER_NAME": None,
        # A real but cheap hash: every test re-creates the demo staff accounts.
        "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    config.update(overrides)
    app = create_app(overrides=config)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        setup_roles()
    return app


def reset_data(app):
    """Empty every table but roles and permissions, then load the demo data."""
    from app.demo import load_demo
    from app.extensions import db

    with app.app_context():
        tables = [t for t in Model.metadata.sorted_tables if t.name not in KEEP_TABLES]
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:  # SQLite reuses ids after DELETE (no AUTOINCREMENT tables)
            for table in reversed(tables):
                db.session.execute(table.delete())
        db.session.commit()
        load_demo()
        db.session.remove()


def sqlite_app_in(directory, smtp_server, idp, **overrides):
    """An app of its own on a new SQLite file in `directory`, with the demo data."""
    app = make_app(f"sqlite:///{directory}/diary.db", smtp_server, idp, **overrides)
    reset_data(app)
    return app


def drain_outbox(app):
    from app.workflow.outbox import drain

    with app.app_context():
        return drain()
