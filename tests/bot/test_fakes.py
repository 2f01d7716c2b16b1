"""The fake Deps the handlers' tests use cannot drift from bot.deps.Deps: it is one, built through Deps' constructor;
each method it replaces has Deps' signature; each collaborator is a Recorder of the class Deps declares for it, which
takes only the calls that class would. (mypy checks the same of tests/bot/fakes.py, but `make test` runs mypy on
the packages only.)"""

from __future__ import annotations

import inspect
from dataclasses import fields
from typing import Any, get_type_hints

import pytest

from bot.deps import Deps
from bot.directory import Directory
from bot.telling import Telling
from tests.bot.fakes import FakeDeps, Recorder

TEST_PARTS = {"drawn", "only_command"}  # what the fake adds for the tests to read, beside what Deps has


def parameters(method: Any) -> list[tuple[str, Any, Any]]:
    """A method's parameters as a caller meets them: names, kinds and defaults (annotations differ: the fake's
    take Any where Deps' take what the bot passes)."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(method).parameters.values()]


def test_the_fake_is_a_deps_with_every_field_set() -> None:
    fake = FakeDeps()
    assert isinstance(fake, Deps)
    assert all(hasattr(fake, field.name) for field in fields(Deps))


def test_every_method_the_fake_replaces_is_one_of_deps_with_its_signature() -> None:
    replaced = {name for name, value in vars(FakeDeps).items() if inspect.isfunction(value) and name != "__init__"}
    added = {name for name, value in vars(FakeDeps).items() if isinstance(value, property)}
    assert (replaced | added) - TEST_PARTS <= set(dir(Deps)), "the fake replaces what Deps no longer has"
    for name in replaced - TEST_PARTS:
        assert parameters(getattr(FakeDeps, name)) == parameters(getattr(Deps, name)), name


def test_each_collaborator_is_a_recorder_of_the_class_deps_declares() -> None:
    fake, declared = FakeDeps(), get_type_hints(Deps)
    recorders = {field.name: getattr(fake, field.name) for field in fields(Deps)}
    recorders = {name: value for name, value in recorders.items() if isinstance(value, Recorder)}
    assert {"store", "telling", "delivery", "nudger", "directory", "client"} <= set(recorders)
    for name, recorder in recorders.items():
        assert recorder.of is declared[name], name


def test_a_recorder_takes_only_the_calls_its_class_would() -> None:
    telling, directory = Recorder(Telling), Recorder(Directory, people="the school")
    with pytest.raises(AttributeError, match="Telling has no method 'concern_told'"):
        telling.concern_told("a concern")
    with pytest.raises(TypeError):
        directory.people("an argument people() does not take")
    assert directory.people() == "the school" and directory.calls == [("people", (), {})]
    assert Recorder().anything(1, two=2) is None  # without a class: any call
