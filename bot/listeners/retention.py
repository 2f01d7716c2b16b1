"""A safeguarding lead's decision on a concern whose retention period has run (bot.retention asked them): redact it
now, or keep it longer. Through the one command path, so it is authorised by the permission table (nobody decides
about a concern that names them) and audited; each lead's message then says what was decided."""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import ids, payload
from bot.deps import Deps
from bot.listeners.common import reply_privately
from bot.listeners.guard import Wiring
from bot.telling import drawn
from bot.views.refusals import refusal
from bot.views.retention import KEEP_FOR, ask_text, kept_blocks
from flows.permissions import Act, RecordKind
from flows.retention import held_as, years_after
from storage import retention
from storage.commands import Changed, Overtaken, Repeated
from storage.models import Concern, Send
from storage.outbox_messages import Message
from storage.records import facts

log = logging.getLogger(__name__)


def _parsed(text: str) -> tuple[int, date, int | None]:
    """ "12:2032-03-01" (redact) or "12:2032-03-01:5" (keep five more years)."""
    parts = text.split(":")
    try:
        years = int(parts[2]) if len(parts) == 3 else None
        if len(parts) not in (2, 3) or (years is not None and years not in KEEP_FOR):
            raise ValueError
        return int(parts[0]), date.fromisoformat(parts[1]), years
    except ValueError:
        raise payload.Malformed("actions[0].value") from None


def decide(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    concern_id, due_on, years = _parsed(payload.value(body))
    lead, key = payload.user_id(body), payload.request_key(body)
    ack()
    if years is None:
        command = deps.command(RecordKind.CONCERN, concern_id, Act.REDACT, lead, key)
    else:
        until = years_after(due_on, years)
        told = lambda row, _added: _kept(deps, row, due_on, until, lead)  # noqa: E731
        command = deps.command(RecordKind.CONCERN, concern_id, Act.KEEP_LONGER, lead, key, until=until, tell=told)
    result = deps.change(command)
    if sentence := refusal(result, command):
        reply_privately(deps, client, body, sentence)
    elif isinstance(result, Overtaken):
        reply_privately(deps, client, body, result.reason or "Someone has decided already.")
    elif isinstance(result, Changed | Repeated) and years is None:
        deps.send_now()  # its messages, deleted
        log.info("concern %s redacted under retention, confirmed", concern_id)
        reply_privately(deps, client, body, "Redacted. policybot is deleting its messages about that concern.")


def _kept(deps: Deps, row: Any, due_on: date, until: date, lead: str) -> list[Message]:
    """Each lead's ask, redrawn to say who kept the concern and until when."""
    assert isinstance(row, Concern) and row.id is not None and row.resolved_at is not None
    held = held_as(safeguarding=row.safeguarding, names_staff=row.involved_staff_id is not None)
    resolved_on = row.resolved_at.astimezone(deps.timezone).date()
    text = ask_text(row.reference, held, resolved_on, due_on, deps.settings.retention_years[held])
    key = retention.ask_key(RecordKind.CONCERN.value, row.id, due_on)
    blocks = drawn(kept_blocks(text, until, lead))
    return [
        Message(f"{key}:{each}:kept", (RecordKind.CONCERN, row.id), each, text, blocks, Send.UPDATE, f"{key}:{each}")
        for each in sorted(deps.directory.who(facts(row), Act.KEEP_LONGER))
    ]


def register(app: App, deps: Any) -> None:
    wire = Wiring(deps)
    app.action(ids.RETENTION_REDACT)(wire.lazily(decide))
    app.action(re.compile(f"^{ids.RETENTION_KEEP}_\\d+$"))(wire.lazily(decide))
