"""The staff login: the /login/ page — the «Войти через Госуслуги» button (citizens,
app/auth/esia.py) and under it the staff form — and POST /api/v1/security/login (FAB's contract
otherwise unchanged). Failed attempts are limited per account (growing delays), per (address,
account) and per address (app/auth/attempts.py; 429 «Слишком много попыток входа…»); a new session
at every login; logout only by POST (app/auth/session_views.py). The security manager
(app/security.py) plugs the classes in as `authdbview` and `security_api`."""
from flask import flash, g, redirect, request, session
from flask_appbuilder._compat import as_unicode
from flask_appbuilder.security import api as fab_api
from flask_appbuilder.security import views as fab_views
from flask_appbuilder.security.decorators import no_cache
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.utils.base import get_safe_redirect
from flask_appbuilder.views import expose
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_user

from ..api import schemas
from ..api.base import openapi
from . import session_views
from .attempts import TooManyLogins


class AuthDBView(fab_views.AuthDBView):
    login_template = "appbuilder/general/security/login_db.html"
    title = _l("Log in")
    invalid_login_message = _l("Wrong user name or password.")

    @expose("/login/", methods=["GET", "POST"])
    @no_cache
    def login(self):
        if g.user is not None and g.user.is_authenticated:
            return redirect(self._get_safe_next_url())
        form = LoginForm_db()
        if form.validate_on_submit():
            next_url = get_safe_redirect(request.args.get("next", ""))
            try:
                user = self.appbuilder.sm.auth_user_db(form.username.data, form.password.data)
            except TooManyLogins as exc:
                form.password.data = ""
                return self.render_template(self.login_template, title=self.title, form=form,
                                            appbuilder=self.appbuilder, error=exc.description), 429, {
                    "Retry-After": str(exc.retry_after)}
            if not user:
                # The same words whether the account exists, is disabled, or holds no staff role.
                flash(as_unicode(self.invalid_login_message), "warning")
                return redirect(self.appbuilder.get_url_for_login_with(next_url))
            session.clear()  # a new session: nothing from before the login survives
            login_user(user, remember=False)  # app/auth/sessions.py adds a new sid and the stamp
            return redirect(next_url)
        return self.render_template(self.login_template, title=self.title, form=form,
                                    appbuilder=self.appbuilder)

    @expose("/logout/", methods=["GET", "POST"])
    @no_cache
    def logout(self):
        """GET: a confirmation page; POST with the CSRF token: the session ends on the server
        (app/auth/session_views.py)."""
        return session_views.logout()


class SecurityApi(fab_api.SecurityApi):
    """POST /api/v1/security/login: {"username", "password", "provider": "db"} → {"access_token"};
    401 on wrong credentials; 429 with a Russian message over the attempt limit. A body the schema
    refuses (400) and the attempt counters out of reach (503) are answered by the one error
    handler (app/errors.py), like every other refusal under /api/."""

    @expose("/login", methods=["POST"])
    @openapi("post", "Log in (staff)", "LoginOut", "The access token (and a refresh token when asked)",
             body="LoginInput", refusals=(400, 401, 429))
    def login(self):
        """Staff log in for a JSON Web Token (app.api.schemas.LoginInput checks the body first)."""
        schemas.load(schemas.LoginInput(), request.get_json(silent=True) if request.is_json else None)
        try:
            response = fab_api.SecurityApi.login.__wrapped__(self)
        except TooManyLogins as exc:  # its own message (how long to wait) and Retry-After
            response = self.response(429, message=exc.description)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        if response.status_code == 401:
            return self.response(401, message=gettext("Wrong user name or password."))
        return response
