"""The self-declaration register: connections staff declared ahead of time, and the notices that keep it current
(asked to re-confirm a month ahead, leadership told when one lapses). Acknowledging and re-confirming go through the
command path (storage.commands)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import CursorResult, Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from flows.contact import Person
from flows.contact_requests import RECONFIRM_NOTICE, DeclarationStatus, Relationship
from flows.permissions import RecordKind
from storage import audit, outbox_messages
from storage.db import reading, transaction
from storage.models import Declaration
from storage.outbox_messages import Message, Tell


class DeclarationStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def declare(
        self,
        staff_id: str,
        person: Person,
        relationship: Relationship,
        described: str,
        submission_key: str,
        now: datetime,
        confirm_by: date,
        tell: Tell | None = None,
    ) -> tuple[Declaration, bool]:
        """Store a declaration once per submission, with what `tell` draws of it put in the outbox. Returns the row
        and whether it is new."""
        try:
            with transaction(self.engine) as session:
                declaration = Declaration(
                    submission_key=submission_key,
                    staff_id=staff_id,
                    person=person,
                    relationship=relationship,
                    person_described=described.strip(),
                    declared_at=now,
                    confirm_by=confirm_by,
                    next_notice_on=confirm_by - RECONFIRM_NOTICE,
                )
                session.add(declaration)
                session.flush()
                session.add(
                    audit.entry(
                        RecordKind.DECLARATION,
                        declaration.id,
                        staff_id,
                        "declared",
                        now,
                        to_state=DeclarationStatus.DECLARED.value,
                        request_key=f"declare:{submission_key}",
                    )
                )
                if tell is not None:
                    outbox_messages.put(session, tell(declaration), now)
                return declaration, True
        except IntegrityError:
            with reading(self.engine) as session:
                stmt = select(Declaration).where(Declaration.submission_key == submission_key)
                return session.exec(stmt).one(), False

    def declaration(self, declaration_id: int) -> Declaration | None:
        with reading(self.engine) as session:
            return session.get(Declaration, declaration_id)

    def declarations_for(self, staff_id: str) -> list[Declaration]:
        with reading(self.engine) as session:
            stmt = select(Declaration).where(Declaration.staff_id == staff_id).order_by(col(Declaration.id))
            return list(session.exec(stmt))

    def due_notices(self, today: date) -> list[Declaration]:
        """Declarations with a notice due (asking to re-confirm, or telling leadership it lapsed), by index."""
        with reading(self.engine) as session:
            stmt = (
                select(Declaration)
                .where(col(Declaration.next_notice_on) <= today)
                .order_by(col(Declaration.next_notice_on))  # by the index, not by id: never a scan of them all
            )
            return list(session.exec(stmt))

    def move_notice(
        self, declaration_id: int, expected: date | None, to: date | None, messages: Sequence[Message], now: datetime
    ) -> bool:
        """Compare-and-set the next notice date, the notice itself put in the outbox with it: True for the one
        process that moved it."""
        with transaction(self.engine) as session:
            result = session.execute(
                update(Declaration)
                .where(col(Declaration.id) == declaration_id, col(Declaration.next_notice_on) == expected)
                .values(next_notice_on=to)
            )
            assert isinstance(result, CursorResult)
            if result.rowcount != 1:
                return False
            outbox_messages.put(session, messages, now)
            return True
