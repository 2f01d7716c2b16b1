"""A concern as a member of staff reports it, and the rules a report must meet before it is stored."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flows.platforms import Platforms, check_choice
from flows.taxonomy import Area, Kind, Role

DESCRIPTION_MAX = 2500
NAMES_MAX = 300
LINKS_MAX = 10
LINK_MAX = 400
LINKS_TEXT_MAX = 3000  # the links box as a whole (Slack's own limit for a text box)
NOTE_MAX = 1000

_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$")


@dataclass(frozen=True)
class ConcernDraft:
    """What the report form gathered; every field as the reporter gave it."""

    reporter_id: str
    area: Area | None
    kind: Kind | None
    platform: str | None  # a key of the school's platforms (flows.platforms)
    roles: frozenset[Role] = field(default_factory=frozenset)
    names: str = ""
    description: str = ""
    links_text: str = ""
    kept_copy: bool = False
    safeguarding: bool = False
    involved_staff_id: str | None = None
    platform_other: str = ""  # which, when the platform is "Other"

    @property
    def links(self) -> list[str]:
        return split_links(self.links_text)


def split_links(text: str) -> list[str]:
    """Links are given one per line (or separated by spaces)."""
    return [part for part in text.split() if part]


def is_web_link(text: str) -> bool:
    """An http(s) address with a host and nothing that Slack could read as markup."""
    if any(ch in text for ch in "<>|\"'`"):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    host = parts.netloc.rsplit("@", 1)[-1]
    return parts.scheme in ("http", "https") and "." in host and bool(_HOST.match(host))


def validate(draft: ConcernDraft, platforms: Platforms) -> dict[str, str]:
    """Field name -> a message for the reporter. Empty when the draft may be stored."""
    errors: dict[str, str] = {}
    if draft.area is None:
        errors["area"] = "Choose whether this is about contact, conduct or content."
    if draft.kind is None:
        errors["kind"] = "Choose the kind of misuse (commercial, aggressive, sexual or values)."
    problem = check_choice(platforms, draft.platform, draft.platform_other)
    if problem:
        errors["platform_other" if platforms.may_choose(draft.platform) else "platform"] = problem
    if not draft.roles:
        errors["roles"] = "Tick at least one: who is involved ('Unknown' is fine)."
    description = draft.description.strip()
    if not description:
        errors["description"] = "Say what happened: a sentence or two is enough."
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = (
            f"Please keep this under {DESCRIPTION_MAX} characters (it is {len(description)}); "
            "leadership can ask you for more."
        )
    if len(draft.names.strip()) > NAMES_MAX:  # the boxes' own limits: a form never accepts what this refuses
        errors["names"] = f"Please keep names under {NAMES_MAX} characters."
    links = draft.links
    if len(draft.links_text) > LINKS_TEXT_MAX:
        errors["links"] = f"Please keep the links under {LINKS_TEXT_MAX} characters in all."
        return errors
    bad = [link for link in links if not is_web_link(link)]
    if bad:  # first: a sentence typed here is not "too many links"
        errors["links"] = f"'{bad[0][:60]}' is not a web link. Give full addresses starting https://, one per line."
    elif len(links) > LINKS_MAX:
        errors["links"] = f"Give at most {LINKS_MAX} links, one per line."
    else:
        too_long = [link for link in links if len(link) > LINK_MAX]
        if too_long:
            errors["links"] = f"One link is over {LINK_MAX} characters: shorten it, or say where it is instead."
    return errors


def check_note(note: str) -> str | None:
    """A leader's note on an action: optional, bounded."""
    if len(note.strip()) > NOTE_MAX:
        return f"Please keep the note under {NOTE_MAX} characters."
    return None


def format_reference(year: int, number: int, school: str | None = None) -> str:
    """The reference staff and leadership quote: SMP-2026-0007 is the seventh concern of 2026; at a trust's school
    its key is in it (SMP-NORTH-2026-0007), so that references stay unique across the trust."""
    return f"SMP-{school.upper() + '-' if school else ''}{year}-{number:04d}"
