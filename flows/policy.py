"""The policy in force: how its version is named (POLICY_VERSION, or the version governors record at a review).
A version is short text such as 2015-03 or 2026-v2: letters, digits, dots, hyphens and underscores."""

from __future__ import annotations

import re

from flows.errors import DomainError

DEFAULT_VERSION = "2015-03"  # the model policy: "Approved by Governors March 2015"
VERSION_MAX = 40
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def check_version(text: str | None) -> str | None:
    """The version as typed, trimmed; None when empty; DomainError with a sentence when it is not a version name."""
    version = (text or "").strip()
    if not version:
        return None
    if len(version) > VERSION_MAX or not _VERSION.fullmatch(version):
        raise DomainError(
            f"A policy version is up to {VERSION_MAX} letters, digits, dots, hyphens or underscores, such as 2026-09."
        )
    return version
