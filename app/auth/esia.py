"""Citizens' login through ESIA (Госуслуги): the routes and the account linking.

The protocol client is chosen by ESIA_MODE (docs/esia.md):
- `oidc` (default): standard OpenID Connect through Authlib (oidc_client.py); development and
  tests talk to oidc-provider-mock on loopback;
- `esia`: ESIA's own protocol with signed requests (esia_client.py, signer.py), production.

Both give the same claims dict (sub, email, given_name, family_name, middle_name, phone).
Accounts are keyed on (provider, subject): a changed e-mail at the provider updates the
contact, never the identity."""
import hashlib
import logging
import secrets

from flask import Blueprint, current_app, flash, redirect, session, url_for
from flask_babel import gettext
from flask_login import login_user
from sqlalchemy import select

from .. import roles
from ..extensions import db
from ..models import Identity, utcnow
from ..notify import phones
from . import LoginError

log = logging.getLogger(__name__)
bp = Blueprint("esia", __name__)

MODES = ("oidc", "esia")


def init_app(app):
    mode = (app.config.get("ESIA_MODE") or "oidc").strip().lower()
    if mode == "oidc":
        from .oidc_client import OidcClient

        client = OidcClient(app)
    elif mode == "esia":
        from .esia_client import EsiaClient

        client = EsiaClient(app)
    else:
        raise RuntimeError(f"ESIA_MODE must be one of {', '.join(MODES)}, not {mode!r}")
    app.extensions["esia_client"] = client
    app.register_blueprint(bp)


def _client():
    return current_app.extensions["esia_client"]


def _failed(exc):
    log.warning("ESIA login failed (%s mode): %s", _client().mode, exc)
    flash(exc.message or gettext("Login through Gosuslugi failed. Please try again."), "danger")
    return redirect(url_for("portal.landing"))


@bp.route("/login/esia")
def login():
    redirect_uri = url_for("esia.callback", _external=True)
    try:
        return _client().authorize_redirect(redirect_uri)
    except LoginError as exc:
        return _failed(exc)


@bp.route("/login/esia/callback")
def callback():
    try:
        claims = _client().fetch_claims()
    except LoginError as exc:
        return _failed(exc)
    user = user_for_claims(current_app.config["OIDC_PROVIDER"], claims)
    if not user.active:
        flash(gettext("Your account is disabled."), "danger")
        return redirect(url_for("portal.landing"))
    invite_token = session.get("invite_token")  # came through an invitation link: go back there
    session.clear()  # a new session at login
    if invite_token:
        session["invite_token"] = invite_token
    login_user(user, remember=False)
    return redirect(url_for("portal.today"))


def _username(provider, subject):
    name = f"{provider}:{subject}"
    if len(name) <= 64:
        return name
    return f"{provider}:" + hashlib.sha256(subject.encode()).hexdigest()[:40]


def user_for_claims(provider, claims):
    """Find the account of (provider, subject) or create it; refresh names and the contacts
    (e-mail, phone). Surname, first name and patronymic (отчество) are kept apart, as in the
    passport (app/names.py declines and orders them)."""
    subject = str(claims["sub"])
    sm = current_app.appbuilder.sm
    email = _checked_email(claims.get("email"))
    phone = phones.from_claims(claims) or ""  # only a number the provider verified
    last, first, middle = _names(claims)
    identity = db.session.execute(
        select(Identity).where(Identity.provider == provider, Identity.subject == subject)
    ).scalar_one_or_none()
    if identity is None:
        username = _username(provider, subject)
        user = sm.user_model(
            username=username,
            first_name=first or "—",
            last_name=last or "—",
            middle_name=middle or None,
            email=_free_email(email, username),
            active=True,
            password=None,
        )
        user.roles = [sm.find_role(roles.PARENT)]
        db.session.add(user)
        db.session.flush()
        identity = Identity(provider=provider, subject=subject, user_id=user.id, email=email,
                            phone=phone)
        db.session.add(identity)
    else:
        user = identity.user
        if email and email != identity.email:
            identity.email = email
            user.email = _free_email(email, user.username, user.id)
        if phone and phone != identity.phone:
            identity.phone = phone
        if first:
            user.first_name = first
            user.middle_name = middle or None  # the provider names the person anew: all three
        if last:
            user.last_name = last
    identity.last_login_at = utcnow()
    user.last_login = utcnow()
    user.login_count = (user.login_count or 0) + 1
    db.session.commit()
    return user


def _names(claims):
    """(surname, first name, patronymic) of the claims: `family_name`, `given_name`,
    `middle_name` (ESIA's lastName, firstName, middleName); a provider that sends only `name`
    («Иванова Мария Петровна», the document's order) is split by app.names. Cleaned of control
    characters (PostgreSQL refuses NUL) and cut to the columns' length."""
    from ..names import FullName

    def clean(key):
        value = claims.get(key)
        value = value if isinstance(value, str) else ""
        return "".join(ch for ch in value if ch.isprintable()).strip()

    name = FullName(clean("family_name"), clean("given_name"), clean("middle_name"))
    if not name.first and not name.last:
        name = FullName.parse(clean("name"))
    return name.last[:64], name.first[:64], name.middle[:64]


def _checked_email(value):
    """The provider's e-mail claim as a plain address (app.inputs.parse_email), or '' when it is
    not one: a hostile or broken claim is never stored as the account's address."""
    from ..inputs import InvalidInput, parse_email

    try:
        return parse_email(value, required=False)
    except InvalidInput:
        return ""


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
