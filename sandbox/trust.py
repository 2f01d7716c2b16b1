"""The sandbox's trust (`policybot sandbox --trust`): two schools sharing one workspace, North Academy and South
Primary, each with its own private leadership channel and people, a peripatetic teacher named at both, and the
trust's safeguarding lead. The bot is started with their schools file (SCHOOLS_FILE), not the one school's settings."""

from __future__ import annotations

from pathlib import Path

from sandbox.school import Group, Person, Seed
from sandbox.workspace import BOT, Workspace

TEAM = "T0SANDBOX"  # the workspace both schools are in
SCHOOLS_FILE = "sandbox-trust-schools.toml"  # written into the sandbox's folder at every start


class School:
    """A school of the trust: its key, name, leadership channel and people by role."""

    def __init__(self, key: str, name: str, channel: str, people: dict[str, Person]) -> None:
        self.key, self.name, self.channel, self.people = key, name, channel, people

    @property
    def channel_name(self) -> str:
        return f"{self.key}-leadership"

    def in_channel(self) -> list[str]:
        """Its leadership channel's members: the leaders, the safeguarding lead, the headteacher (and the bot)."""
        return [self.people[role].id for role in ("leader", "dsl", "head")]


def _people(initial: str, names: tuple[str, ...]) -> dict[str, Person]:
    titles = ("Teacher", "Deputy headteacher", "Designated safeguarding lead", "Headteacher", "Chair of governors")
    roles = ("staff", "leader", "dsl", "head", "chair", "governor")
    ids = ("TEACH1", "LEAD1", "DSL1", "HEAD1", "CHAIR1", "GOV1")
    return {
        role: Person(f"U{initial}{suffix}", name, title)
        for role, suffix, name, title in zip(roles, ids, names, (*titles, "Governor"), strict=True)
    }


NORTH = School(
    "north",
    "North Academy",
    "GNORTHLEAD",
    _people("N", ("Ravi Patel", "Grace Okafor", "Ben Walsh", "Fiona Reid", "David Lloyd", "Mei Chen")),
)
SOUTH = School(
    "south",
    "South Primary",
    "GSOUTHLEAD",
    _people("S", ("Ellie Brooks", "Owen Jones", "Nadia Hussain", "Peter Grant", "Ruth Bennett", "Kwame Mensah")),
)
SCHOOLS = (NORTH, SOUTH)
PERIPATETIC = Person("UPERI1", "Lucy Ward", "Peripatetic music teacher (at both schools)")
TRUST_DSL = Person("UTRUSTDSL1", "Sarah Collins", "The trust's safeguarding lead")
GROUPS = (
    *(Group(s.key, s.name, (*s.people.values(), PERIPATETIC)) for s in SCHOOLS),
    Group("trust", "The trust", (TRUST_DSL,), school=False),
)


def workspace() -> Workspace:
    """The trust's one Slack workspace: everyone, and each school's private leadership channel."""
    people = {p.id: {"name": p.name, "title": p.title} for group in GROUPS for p in group.people}
    people[BOT] = {"name": "policybot", "title": "App"}
    return Workspace(
        channels={s.channel: {"is_private": True, "is_member": True, "name": s.channel_name} for s in SCHOOLS},
        members={s.channel: [*s.in_channel(), BOT] for s in SCHOOLS},
        people=people,
        strict_triggers=True,
        team_id=TEAM,
    )


def schools_file() -> str:
    """The trust's schools file (flows/schools.py reads it), as its IT lead would write it."""
    lines = ["[trust]", 'name = "Sandbox Learning Trust"', f'safeguarding_leads = ["{TRUST_DSL.id}"]']
    for school in SCHOOLS:
        who = {role: person.id for role, person in school.people.items()}
        lines += [
            "",
            "[[school]]",
            f'key = "{school.key}"',
            f'name = "{school.name}"',
            f'team_id = "{TEAM}"',
            f'leadership_channel = "{school.channel}"',
            f'staff = ["{who["staff"]}", "{PERIPATETIC.id}"]',
            f'leaders = ["{who["leader"]}"]',
            f'safeguarding_leads = ["{who["dsl"]}"]',
            f'headteacher = "{who["head"]}"',
            f'chair = "{who["chair"]}"',
            f'governors = ["{who["chair"]}", "{who["governor"]}"]',
        ]
    return "\n".join(lines) + "\n"


def settings(folder: Path) -> dict[str, str]:
    """The schools file, written into the sandbox's folder, for the bot to import as it starts."""
    path = folder / SCHOOLS_FILE
    path.write_text(schools_file())
    return {"SCHOOLS_FILE": str(path.resolve())}


SEED = Seed("sandbox-trust", GROUPS, workspace, settings)
