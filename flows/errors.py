"""Domain errors: each carries a sentence fit to show the person who caused it."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal with a message for a person, never a crash."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidTransition(DomainError):
    """The move is not allowed from the concern's current status."""
