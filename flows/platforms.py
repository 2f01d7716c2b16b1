"""The platforms staff choose from, as data a school can change (platforms.toml beside this file, or the school's own
PLATFORMS_FILE), and Appendix A's advice fitted to a concern: its area, its platform and whether children are
involved."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from flows.taxonomy import Area, Role

OTHER = "other"  # always offered, last, with a box to say which
OTHER_LABEL = "Other"
KEY_MAX = 20  # the stored column's width
OTHER_MAX = 60  # "Other: which?" as typed
_KEY = re.compile(r"^[a-z0-9_]{1,20}$")
CHILDREN = frozenset({Role.PUPIL, Role.EX_PUPIL})  # whose involvement makes advice about children apply


class PlatformsError(ValueError):
    """A platforms file that cannot be used, with a sentence saying why."""


@dataclass(frozen=True)
class Platform:
    key: str
    label: str
    advice: tuple[str, ...] = ()
    children: tuple[str, ...] = ()  # advice that applies only when a pupil or ex-pupil is involved
    offered: bool = True


@dataclass(frozen=True)
class Platforms:
    """The school's list, in its order; "Other" is always there, last."""

    known: tuple[Platform, ...]

    def offered(self) -> list[Platform]:
        return [p for p in self.known if p.offered]

    def find(self, key: str | None) -> Platform | None:
        return next((p for p in self.known if p.key == key), None)

    def label(self, key: str | None, other: str = "") -> str:
        """What people read: the label, "Other: what they typed" where it was typed, the key for one since removed."""
        if key == OTHER:
            return f"{OTHER_LABEL}: {other.strip()}" if other.strip() else OTHER_LABEL
        found = self.find(key)
        return found.label if found else (key or "not given").replace("_", " ").capitalize()

    def may_choose(self, key: str | None) -> bool:
        found = self.find(key)
        return found is not None and found.offered


def parse(text: str) -> Platforms:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PlatformsError(f"not valid TOML: {error}") from None
    found: list[Platform] = []
    for i, raw in enumerate(data.get("platform", [])):
        where = f"platform {i + 1} ({raw.get('key', '?')})"
        key, label = raw.get("key"), raw.get("label")
        if not isinstance(key, str) or not _KEY.match(key):
            raise PlatformsError(f"{where}: key must be 1 to {KEY_MAX} lower-case letters, digits or _")
        if key == OTHER or key in {p.key for p in found}:
            raise PlatformsError(f"{where}: the key {key!r} is taken")
        if not isinstance(label, str) or not label.strip():
            raise PlatformsError(f"{where}: a label is required")
        advice, children = raw.get("advice", []), raw.get("children", [])
        if not all(isinstance(line, str) for line in [*advice, *children]):
            raise PlatformsError(f"{where}: advice and children are lists of sentences")
        found.append(Platform(key, label.strip(), tuple(advice), tuple(children), bool(raw.get("offered", True))))
    if not any(p.offered for p in found):
        raise PlatformsError("offer at least one platform (Other is added by itself)")
    return Platforms((*found, Platform(OTHER, OTHER_LABEL)))


@cache
def default_platforms() -> Platforms:
    return parse(resources.files("flows").joinpath("platforms.toml").read_text(encoding="utf-8"))


def load_platforms(path: str | Path | None) -> Platforms:
    """The platforms in `path`, or the default list when None."""
    return default_platforms() if path is None else parse(Path(path).read_text(encoding="utf-8"))


def check_choice(platforms: Platforms, key: str | None, other: str) -> str | None:
    """A sentence for the person when the platform chosen cannot be stored; None when it can."""
    if not platforms.may_choose(key):
        return "Choose where it happened (or 'Other')."
    if key == OTHER and not other.strip():
        return "Say which platform or app (a word or two)."
    if len(other.strip()) > OTHER_MAX:
        return f"Please keep this under {OTHER_MAX} characters."
    return None


# --- Appendix A, fitted to the concern --------------------------------------------------------------------------

_KEEP_A_COPY = "Keep a copy of the page or message (a screenshot or saved link) before anything is deleted."
_WHO_POSTED = (
    "If you know who posted it, the school may ask them (or, for a child, their parents) to remove it: leave that "
    "contact to the leadership team."
)
_WHO_CONTACTED = (
    "If you know who made the contact, do not reply to them or contact them yourself: leave that to the leadership "
    "team."
)
_REPORT_TOOLS = "Use the platform's own report / block tools once a copy is kept."
_CEOP = (
    "If all else fails, the pupil targeted can be supported to contact CEOP (Child Exploitation & Online "
    "Protection): https://www.ceop.police.uk/safety-centre/"
)


def advice(platforms: Platforms, key: str, area: Area, roles: frozenset[Role]) -> list[str]:
    """What the reporter should do now (Appendix A): the general lines that fit the area, the platform's own, and
    what concerns children only where a pupil or ex-pupil is involved."""
    children = bool(roles & CHILDREN)
    lines = [_KEEP_A_COPY, _WHO_CONTACTED if area is Area.CONTACT else _WHO_POSTED, _REPORT_TOOLS]
    found = platforms.find(key)
    if found is not None:
        lines += [*found.advice, *(found.children if children else ())]
    if children:
        lines.append(_CEOP)
    return lines
