"""How the contact facts read to a person: labels for the form, phrases for the answer and the leadership card."""

from __future__ import annotations

from flows.contact import Channel, Person, Verdict

PERSON_LABELS = {
    Person.PUPIL: "A pupil at the school",
    Person.FORMER_PUPIL: "A former pupil",
    Person.PUPIL_FAMILY: "A pupil's parent, carer or relative",
    Person.YOUNG_PERSON: "Another young person under 18",
    Person.COLLEAGUE: "A colleague",
    Person.OTHER_ADULT: "Another adult",
}

CHANNEL_LABELS = {
    Channel.SOCIAL_NETWORK: "Friend or follow them on social media",
    Channel.PERSONAL_PHONE: "Call or text them from my own phone",
    Channel.PERSONAL_EMAIL: "Email them from my personal address",
    Channel.PERSONAL_MESSAGING: "Message them on WhatsApp, Snapchat or similar",
    Channel.ACADEMY_SYSTEMS: "Contact them through the school's own systems",
}

_CHANNEL_PHRASES = {  # {on}: the platform named, or the channel's own words when none was
    Channel.SOCIAL_NETWORK: ("be friends with or follow on {on}", "social media"),
    Channel.PERSONAL_PHONE: ("call or text from their own phone{on}", ""),
    Channel.PERSONAL_EMAIL: ("email from their personal address{on}", ""),
    Channel.PERSONAL_MESSAGING: ("message on {on}", "a personal messaging app"),
    Channel.ACADEMY_SYSTEMS: ("contact through the school's systems{on}", ""),
}


def question_phrase(person: Person, channel: Channel, platform: str = "") -> str:
    """'be friends with or follow on LinkedIn: a pupil's parent, carer or relative'; `platform`: its name, if given
    ('' when none was)."""
    template, unnamed = _CHANNEL_PHRASES[channel]
    on = (platform if unnamed else f" (on {platform})") if platform else unnamed
    return f"{template.format(on=on)}: {PERSON_LABELS[person].lower()}"


def tri_state(value: bool | None) -> str:
    return "not known" if value is None else ("yes" if value else "no")


VERDICT_WORDS = {
    Verdict.PERMITTED: "the policy permits it",
    Verdict.NOT_PERMITTED: "the policy does not permit it",
    Verdict.REFER: "the policy leaves it to leadership (not asked)",
}
