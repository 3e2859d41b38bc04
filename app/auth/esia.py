"""Citizens' login through ESIA (Госуслуги). In development and tests the same client talks
standard OpenID Connect to oidc-provider-mock on loopback.

Accounts are keyed on (provider, subject): a changed e-mail at the provider updates the
contact, never the identity."""
import hashlib
import logging
import secrets

from authlib.integrations.flask_client import OAuth
from flask import Blueprint, current_app, flash, redirect, session, url_for
from flask_babel import gettext
from flask_login import login_user
from sqlalchemy import select

from .. import roles
from ..extensions import db
from ..models import Identity, utcnow

log = logging.getLogger(__name__)
bp = Blueprint("esia", __name__)


def init_app(app):
    oauth = OAuth(app)
    issuer = app.config["OIDC_ISSUER"].rstrip("/")
    oauth.register(
        "esia",
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": app.config["OIDC_SCOPE"]},
    )
    app.extensions["esia_oauth"] = oauth
    app.register_blueprint(bp)


def _client():
    return current_app.extensions["esia_oauth"].esia


@bp.route("/login/esia")
def login():
    redirect_uri = url_for("esia.callback", _external=True)
    return _client().authorize_redirect(redirect_uri)


@bp.route("/login/esia/callback")
def callback():
    try:
        client = _client()
        token = client.authorize_access_token()
        claims = dict(token.get("userinfo") or {})
        if not claims.get("email"):
            claims.update(client.userinfo(token=token))
    except Exception as exc:  # noqa: BLE001 - any protocol failure ends in a clear page
        log.warning("ESIA login failed: %s", exc)
        flash(gettext("Login through Gosuslugi failed. Please try again."), "danger")
        return redirect(url_for("portal.landing"))
    user = user_for_claims(current_app.config["OIDC_PROVIDER"], claims)
    if not user.active:
        flash(gettext("Your account is disabled."), "danger")
        return redirect(url_for("portal.landing"))
    session.clear()  # a new session at login
    login_user(user, remember=False)
    return redirect(url_for("portal.applications"))


def _username(provider, subject):
    name = f"{provider}:{subject}"
    if len(name) <= 64:
        return name
    return f"{provider}:" + hashlib.sha256(subject.encode()).hexdigest()[:40]


def user_for_claims(provider, claims):
    """Find the account of (provider, subject) or create it; refresh names and contact e-mail."""
    subject = str(claims["sub"])
    sm = current_app.appbuilder.sm
    email = (claims.get("email") or "").strip()
    first = (claims.get("given_name") or claims.get("name") or "").strip()[:64]
    last = (claims.get("family_name") or "").strip()[:64]
    identity = db.session.execute(
        select(Identity).where(Identity.provider == provider, Identity.subject == subject)
    ).scalar_one_or_none()
    if identity is None:
        username = _username(provider, subject)
        user = sm.user_model(
            username=username,
            first_name=first or "—",
            last_name=last or "—",
            email=_free_email(email, username),
            active=True,
            password=None,
        )
        user.roles = [sm.find_role(roles.PARENT)]
        db.session.add(user)
        db.session.flush()
        identity = Identity(provider=provider, subject=subject, user_id=user.id, email=email)
        db.session.add(identity)
    else:
        user = identity.user
        if email and email != identity.email:
            identity.email = email
            user.email = _free_email(email, user.username, user.id)
        if first:
            user.first_name = first
        if last:
            user.last_name = last
    identity.last_login_at = utcnow()
    user.last_login = utcnow()
    user.login_count = (user.login_count or 0) + 1
    db.session.commit()
    return user


def _free_email(email, username, user_id=None):
    """FAB's user e-mail is unique: keep the provider's e-mail there when nobody else has it."""
    sm = current_app.appbuilder.sm
    if email:
        holder = db.session.execute(
            select(sm.user_model.id).where(sm.user_model.email == email)
        ).scalar()
        if holder is None or holder == user_id:
            return email
    return f"{username.replace(':', '.')}.{secrets.token_hex(4)}@email.notfound"
