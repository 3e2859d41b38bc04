"""Login methods, one module each (Redash's redash/authentication layout):
esia.py — citizens through ESIA: routes and account linking; the protocol client is chosen by
ESIA_MODE: oidc_client.py (standard OpenID Connect, oidc-provider-mock in development) or
esia_client.py (ESIA's own protocol, production) with signer.py (client_secret signatures).
Staff use FAB's password form."""
from ..domain_error import DomainError


class LoginError(DomainError):
    """A citizen's login failed: a domain error (400) whose `str(exc)` is for the log and whose
    `message` (already translated) is what the citizen reads, or None for the general message
    (app/auth/esia.py flashes it on the landing page)."""

    def __init__(self, log_message, user_message=None):
        super().__init__(user_message)
        self.args = (log_message,)
