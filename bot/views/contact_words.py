"""How the contact facts read to a person: labels for the form, phrases for the answer and the leadership card."""

from __future__ import annotations

from flows.contact import Channel, Person

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

_CHANNEL_PHRASES = {
    Channel.SOCIAL_NETWORK: "be friends with or follow on social media",
    Channel.PERSONAL_PHONE: "call or text from their own phone",
    Channel.PERSONAL_EMAIL: "email from their personal address",
    Channel.PERSONAL_MESSAGING: "message on a personal messaging app",
    Channel.ACADEMY_SYSTEMS: "contact through the school's systems",
}


def question_phrase(person: Person, channel: Channel) -> str:
    """'email from their personal address: a former pupil'"""
    return f"{_CHANNEL_PHRASES[channel]}: {PERSON_LABELS[person].lower()}"


def tri_state(value: bool | None) -> str:
    return "not known" if value is None else ("yes" if value else "no")
