"""Stored records, sessions and migrations: the only package that opens database sessions."""
