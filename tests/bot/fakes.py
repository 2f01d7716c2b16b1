"""A fake bot.deps.Deps, for calling the listeners' handlers as plain functions, and the records it answers with.

FakeDeps is a Deps, built through Deps' own constructor with test parts, so that it cannot drift from it: a field
Deps gains or renames is an error here (mypy, and a TypeError when the fake is built), and each method the fake
replaces must have Deps' signature (@override and tests/bot/test_fakes.py). Every collaborator is a Recorder of the
class Deps declares for it: a call that class has no method for, or with arguments its method would not take, fails
as it would in the bot. change() and look() answer with the results given, in order; what Deps would run in the
background runs at once, for the test to see."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from concurrent.futures import Executor, Future
from contextlib import AbstractContextManager, nullcontext
from datetime import date, timedelta
from typing import Any, get_type_hints

from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock
from typing_extensions import override

from bot.config import Settings
from bot.deps import Deps
from flows.contact import Channel, Person, Verdict, default_rules
from flows.contact_requests import DeclarationStatus, Relationship, RequestStatus
from flows.escalation import Status
from flows.permissions import Placement
from flows.taxonomy import Area, Kind
from storage.commands import Command, Result
from storage.models import Concern, ContactCheck, Declaration
from tests.conftest import NOW, PEOPLE

DUE = NOW + timedelta(hours=4)  # the first nudge of anything asked at NOW
RECEIPT = "Your concern has reached policybot."


class Recorder:
    """Any method call, recorded as (name, args, kwargs); answers from `answers` by name, else None. Given a class
    (`of`), only the calls its instances take: a method it has, with arguments that method's signature binds."""

    def __init__(self, of: type | None = None, /, **answers: Any) -> None:
        self.of = of
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.answers = answers

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("__"):
            raise AttributeError(name)
        signature = None if self.of is None else _method(self.of, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            if signature is not None:
                signature.bind(*args, **kwargs)  # a TypeError, as the real method would raise
            self.calls.append((name, args, kwargs))
            return self.answers.get(name)

        return call

    def named(self, name: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        return [(args, kwargs) for called, args, kwargs in self.calls if called == name]


def _method(of: type, name: str) -> inspect.Signature:
    """The signature of `of`'s method `name` as its instances are called (without self)."""
    found = inspect.getattr_static(of, name, None)
    if isinstance(found, staticmethod | classmethod):
        return inspect.signature(getattr(of, name))
    if not inspect.isfunction(found):
        raise AttributeError(f"{of.__name__} has no method {name!r}")
    signature = inspect.signature(found)
    return signature.replace(parameters=list(signature.parameters.values())[1:])


class AtOnce(Executor):
    """An executor that runs the work when it is submitted, in the caller's thread: its errors reach the test."""

    @override
    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        done: Future[Any] = Future()
        done.set_result(fn(*args, **kwargs))
        return done


class FakeDeps(Deps):
    """What the handlers use of Deps, with every collaborator recorded; change() and look() answer with the results
    given, in order."""

    # The collaborators are Recorders (of the classes Deps declares), read by the tests.
    engine: Any
    client: Any
    store: Any
    contact_checks: Any
    declarations: Any
    outbox: Any
    nudges: Any
    reviews: Any
    directory: Any
    delivery: Any
    telling: Any
    nudger: Any

    def __init__(self, *results: Result) -> None:
        self.outcomes = list(results)
        self.sent: list[tuple[str, Command, str | None]] = []  # ("change" | "look", command, audited_as)
        self.told: list[Any] = []  # what deps.tell() was given (messages that follow no change)
        self.logged: list[str] = []
        self.changes: list[tuple[Any, str]] = []  # (record, actor) whose App Homes follow (deps.with_homes)
        self.looked: list[tuple[Command, str]] = []  # what deps.shown() was told: details shown, recorded after
        self.redrawn: list[str] = []  # whose Homes deps.redraw_homes() was asked to redraw
        declared = get_type_hints(Deps)

        def recorder(name: str, **answers: Any) -> Any:
            return Recorder(declared[name], **answers)

        receipt = [SectionBlock(text=MarkdownTextObject(text=RECEIPT))]
        super().__init__(
            settings=Settings("xoxb-1", "secret", "CLEAD", frozenset({"UDSL"}), "UHEAD", "UCHAIR"),
            engine=recorder("engine"),
            client=recorder("client"),
            # The App Home's queues: nothing waits for anyone here.
            store=recorder("store", events=[], open_concerns=[], reported_by=[], naming_staff_since=[]),
            contact_checks=recorder("contact_checks", permissions_for=[], record_check=a_check("none"), asked_by=[]),
            declarations=recorder("declarations", declarations_for=[], declare=(a_declaration(), True)),
            outbox=recorder("outbox"),
            nudges=recorder("nudges"),
            reviews=recorder("reviews", past=[]),
            directory=recorder("directory", who=frozenset(), people=PEOPLE),  # the school's roles
            delivery=recorder("delivery"),
            rules=default_rules(),
            telling=recorder("telling", receipt=(RECEIPT, receipt)),
            nudger=recorder("nudger", first_due=DUE),
            clock=lambda: NOW,
            background=AtOnce(),
            trigger_lane=AtOnce(),
        )

    @override
    def change(self, command: Command) -> Result:
        self.sent.append(("change", command, None))
        return self.outcomes.pop(0)

    @override
    def look(self, command: Command, audited_as: str | None = None) -> Result:
        self.sent.append(("look", command, audited_as))
        return self.outcomes.pop(0)

    @override
    def tell(self, messages: Any) -> None:
        self.told.append(messages)

    @override
    def reading_together(self) -> AbstractContextManager[None]:
        return nullcontext()  # no database here: each store's answer is given

    @override
    def tell_later(self, user: str, text: str) -> None:
        self.told.append([(user, text)])

    @override
    def shown(self, command: Command, row: Any, action: str = "viewed_details") -> None:
        self.looked.append((command, action))

    @override
    def redraw_homes(self, *people: str) -> None:
        self.redrawn.extend(people)

    @override
    def with_homes(self, tell: Any, actor: str) -> Any:
        """As Deps.with_homes: the Homes' messages are Deps' own (bot.telling.homes); here, who they were for."""

        def told(row: Any, *added: Any) -> Any:
            self.changes.append((row, actor))
            return tell(row, *added)

        return told

    @override
    def rearm(self, at: Any = None) -> None:
        self.nudger.arm(*([at] if at is not None else []))

    def drawn(self, record: Any, added: tuple[Any, ...] = ()) -> list[tuple[str, tuple[Any, ...], dict[str, Any]]]:
        """What the one command's `tell` draws (as storage would call it inside the change): the telling calls."""
        tell = self.only_command.tell
        assert tell is not None, "the change tells nobody"
        tell(record, added)
        return self.telling.calls

    @property
    def only_command(self) -> Command:
        [(_, command, _)] = self.sent
        return command


def a_concern(status: str = "new", version: int = 3, last_actor: str | None = None) -> Concern:
    return Concern(
        id=7,
        reference="SMP-2026-0007",
        submission_key="VREPORT",
        reporter_id="USTAFF",
        area=Area.CONDUCT,
        kind=Kind.AGGRESSIVE,
        platform="whatsapp",
        roles="pupil",
        description="what happened",
        route_kind=Placement.CHANNEL,
        status=Status(status),
        version=version,
        created_at=NOW,
        updated_at=NOW,
        last_actor_id=last_actor,
    )


def a_check(status: str = "pending") -> ContactCheck:
    return ContactCheck(
        id=5,
        submission_key="VCHECK",
        asked_by="USTAFF",
        asked_at=NOW,
        person=Person.PUPIL_FAMILY,
        channel=Channel.SOCIAL_NETWORK,
        person_described="Ms Parent",
        verdict=Verdict.REFER,
        request_status=RequestStatus(status),
        version=2,
    )


def a_declaration(status: str = "declared") -> Declaration:
    return Declaration(
        id=4,
        submission_key="VDECL",
        staff_id="USTAFF",
        person=Person.PUPIL,
        relationship=Relationship.FAMILY,
        person_described="My niece",
        declared_at=NOW,
        confirm_by=date(2027, 11, 25),
        status=DeclarationStatus(status),
        version=2,
    )
