"""A column type that keeps the database's plain text while the code sees the domain's type: an enum, stored as its
value (so the schema and every existing row stay as they are)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import String
from sqlalchemy.types import TypeDecorator


class EnumText(TypeDecorator[Any]):
    """A StrEnum stored as its value in a VARCHAR; read back as the member. Writing accepts a member or its value,
    and refuses anything else (a typo never reaches the database)."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Any) -> StrEnum | None:
        return None if value is None else self.enum(value)
