"""JSON API for the mobile app and integrations (documented at /api/v1/_openapi)."""
