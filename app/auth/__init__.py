"""Login methods, one module each (Redash's redash/authentication layout):
esia.py — citizens through ESIA / OpenID Connect; staff use FAB's password form."""
