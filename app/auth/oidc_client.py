"""ESIA_MODE=oidc: standard OpenID Connect through Authlib (authorization code flow,
discovery, id_token checked by Authlib). Development and tests point it at
oidc-provider-mock on loopback; any conformant provider works."""
from authlib.integrations.flask_client import OAuth

from . import LoginError


class OidcClient:
    mode = "oidc"

    def __init__(self, app):
        oauth = OAuth(app)
        issuer = app.config["OIDC_ISSUER"].rstrip("/")
        oauth.register(
            "esia",
            client_id=app.config["OIDC_CLIENT_ID"],
            client_secret=app.config["OIDC_CLIENT_SECRET"],
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": app.config["OIDC_SCOPE"]},
        )
        self._oauth = oauth

    @property
    def _remote(self):
        return self._oauth.esia

    def authorize_redirect(self, redirect_uri):
        """The redirect to the provider's login page (state and nonce kept in the session)."""
        try:
            return self._remote.authorize_redirect(redirect_uri)
        except Exception as exc:  # noqa: BLE001 - provider unreachable, bad metadata...
            raise LoginError(f"OIDC authorize failed: {exc}") from exc

    def fetch_claims(self):
        """On the callback: exchange the code, check the id_token; the claims dict."""
        try:
            token = self._remote.authorize_access_token()
            claims = dict(token.get("userinfo") or {})
            if not claims.get("email"):
                claims.update(self._remote.userinfo(token=token))
        except Exception as exc:  # noqa: BLE001 - any protocol failure ends in a clear page
            raise LoginError(f"OIDC callback failed: {exc}") from exc
        if not claims.get("sub"):
            raise LoginError("OIDC claims carry no subject")
        return claims
