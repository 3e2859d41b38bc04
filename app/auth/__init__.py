"""Login methods, one module each (Redash's redash/authentication layout):
esia.py — citizens through ESIA: routes and account linking; the protocol client is chosen by
ESIA_MODE: oidc_client.py (standard OpenID Connect, oidc-provider-mock in development) or
esia_client.py (ESIA's own protocol, production) with signer.py (client_secret signatures).
Staff use FAB's password form."""


class LoginError(Exception):
    """A citizen's login failed. `str(exc)` is for the log; `user_message` (already
    translated) is what the citizen reads, or None for the general message."""

    def __init__(self, log_message, user_message=None):
        super().__init__(log_message)
        self.user_message = user_message
