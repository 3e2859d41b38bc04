"""Sharing a pupil's diary: an official representative invites the pupil or an interested person
by e-mail; the invitee accepts after logging in through ESIA with that e-mail; the representative
sees who has access and revokes it. Who may see which section is decided in app.access
(grant_is_active, grant_allows) — the one place the diary asks."""
from .service import (  # noqa: F401
    CONSENT_TEXT, CONSENT_VERSION, InvitationError, accept, invite, invitation_for_token, people_of, revoke,
    revoke_grant,
)
