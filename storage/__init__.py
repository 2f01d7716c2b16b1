"""Stored records, sessions and migrations: the only package that opens database sessions."""

from storage import policy as _policy  # noqa: E402,F401 - every record is stamped with the policy in force (on import)
