"""guarded(): how every listener ends when it cannot finish. One log line (the request's type and what went wrong,
never a message or a value), and the person who is waiting is told in plain words: a field error while the form is
still open, otherwise a private message. Errors are handled here, where they happen, because Bolt drops an ack
that a listener made before raising (the request then stalls for 3 s and ends in a 404).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.listeners.common import tell_privately
from bot.payload import Malformed, kind
from bot.slack_api import SLACK_FAILURES, slack_reason
from bot.stamps import SchoolAck
from flows.errors import DomainError
from flows.which_school import Choose

log = logging.getLogger(__name__)

Handler = Callable[[Ack, dict[str, Any], WebClient], None]

CANNOT_READ = (
    "policybot could not read that request, so nothing was done. Please try again; if it happens again, "
    "tell whoever looks after policybot."
)
DATABASE_DOWN = (
    "policybot cannot reach its records just now, so this may not have been done. Please try again in a minute."
)
SLACK_FAILED = "Slack did not let policybot finish this just now. Please try again in a minute."
SOMETHING_WRONG = (
    "Something went wrong in policybot, and this may not have been finished. Please check, and try again in a "
    "minute; if it happens again, tell whoever looks after policybot."
)


class Wiring:
    """How register() hands a module-level handler (deps, ack, body, client) to Bolt, guarded: `now` for a form
    submission, whose answer carries field errors; `lazily` for a click, command or event, acknowledged at once on
    the request's thread (App(process_before_response=True)) and its work then done on the bot's own threads
    (Deps.in_background), so no request waits in Bolt's loop that polls for ack(). Bolt's own lazy listeners do the
    same, but deep-copy the whole request first: half of an acknowledgement's time (docs/architecture.md, "What we
    wrote ourselves and why")."""

    def __init__(self, deps: Any) -> None:
        """`deps`: a Campus (a trust's schools, bot.campus), or one school's Deps."""
        from bot.campus import Campus  # the campus is built of Deps, which the listeners' modules import

        self.campus = Campus.of(deps)
        # A press in the App Home that changes a record redraws that Home through the change (Telling.homes); one
        # that changes nothing redraws it only where it shows something new (Deps.redraw_homes).

    def now(self, handler: Callable[..., None], *first: Any) -> Handler:
        if self.campus.from_settings:
            return guarded(partial(handler, *first, self.campus.first), self.campus.tell_later)
        return guarded(self._school_of_request(handler, first), self.campus.tell_later)

    def _school_of_request(self, handler: Callable[..., None], first: tuple[Any, ...]) -> Handler:
        """The handler, given the Deps of the school the request belongs to (bot.campus), its client and ack
        stamping what it draws with that school's key; a person in several schools asked which."""
        campus = self.campus

        def for_school(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            found = campus.where(body)
            if isinstance(found, Choose):
                campus.ask_which(found, ack, body, client)
                return
            if found.key is None:
                handler(*first, found, ack, body, client)
            else:
                handler(*first, found, SchoolAck(ack, found.key), body, found.client)

        for_school.__name__ = for_school.__qualname__ = getattr(handler, "__name__", "listener")
        return for_school

    def lazily(self, handler: Callable[..., None], *first: Any) -> Handler:
        return self._after_ack(handler, first, self.campus.in_background)

    def for_trigger(self, handler: Callable[..., None], *first: Any) -> Handler:
        """As lazily, for a handler that opens a form: on the trigger lane (Deps.in_trigger_lane), which nothing that
        can wait queues on."""
        return self._after_ack(handler, first, self.campus.in_trigger_lane)

    def _after_ack(self, handler: Callable[..., None], first: tuple[Any, ...], run: Callable[..., None]) -> Handler:
        work = self.now(handler, *first)

        def listener(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack()
            run(work, ack, body, client)

        listener.__name__ = listener.__qualname__ = work.__name__
        return listener


def where_raised(error: BaseException) -> str:
    """Where an error was raised (file and line), for a log line that never carries the error's message."""
    frames = traceback.extract_tb(error.__traceback__) if error.__traceback__ else []
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"


def guarded(handler: Handler, later: Callable[[str, str], None] | None = None) -> Handler:
    """`later`: where a private answer Slack would not take now goes instead (the person's DM, by the outbox)."""

    def answer(ack: Ack, body: dict[str, Any], client: WebClient, text: str) -> None:
        reply(ack, body, client, text, later)

    def listener(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        try:
            handler(ack, body, client)
        except Malformed as error:
            log.warning("%s: not what Slack sends (%s)", kind(body), error.what)
            answer(ack, body, client, CANNOT_READ)
        except DomainError as error:  # a refusal with a sentence written for the person
            log.info("%s: refused (%s)", kind(body), type(error).__name__)
            answer(ack, body, client, error.message)
        except SQLAlchemyError as error:
            log.error("%s: database unavailable (%s)", kind(body), type(error).__name__)
            answer(ack, body, client, DATABASE_DOWN)
        except SLACK_FAILURES as error:
            log.warning("%s: a Slack call failed (%s)", kind(body), slack_reason(error))
            answer(ack, body, client, SLACK_FAILED)
        except Exception as error:  # noqa: BLE001 - the last line of defence: one line, never a traceback
            log.error("%s: unexpected %s at %s", kind(body), type(error).__name__, where_raised(error))
            answer(ack, body, client, SOMETHING_WRONG)

    named = getattr(handler, "func", handler)  # a handler is often a partial of a module-level function
    listener.__name__ = listener.__qualname__ = getattr(named, "__name__", "listener")
    return listener


def reply(
    ack: Ack, body: dict[str, Any], client: WebClient, text: str, later: Callable[[str, str], None] | None = None
) -> None:
    """A field error on a form that is still open; otherwise acknowledge and tell the person privately."""
    if ack.response is None:
        field = _first_field(body)
        if field is not None:
            ack(response_action="errors", errors={field: text})
            return
        ack()
    tell_privately(client, body, text, later)


def tell_if_waiting(client: WebClient, body: object) -> None:
    """For a request no listener could take: whoever typed a command, clicked or submitted a form is waiting, and
    is told that it could not be read (policybot has no link buttons: every click it draws has a listener)."""
    if isinstance(body, dict) and ("command" in body or body.get("type") in ("block_actions", "view_submission")):
        tell_privately(client, body, CANNOT_READ)


def _first_field(body: dict[str, Any]) -> str | None:
    """The first input block of a submitted form, to show the message on."""
    if body.get("type") != "view_submission":
        return None
    view = body.get("view")
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    blocks = [key for key in values if isinstance(key, str) and key] if isinstance(values, dict) else []
    return blocks[0] if blocks else None
