"""The policy's vocabulary: areas and kinds of misuse (section 7), platforms, roles, outcomes and
escalation targets, with the policy's own examples and Appendix A's advice as data."""

from __future__ import annotations

from enum import StrEnum


class Area(StrEnum):
    CONTACT = "contact"
    CONDUCT = "conduct"
    CONTENT = "content"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Kind(StrEnum):
    COMMERCIAL = "commercial"
    AGGRESSIVE = "aggressive"
    SEXUAL = "sexual"
    VALUES = "values"

    @property
    def label(self) -> str:
        return self.value.capitalize()


# Section 7, word for word where the policy is clear.
EXAMPLES: dict[Area, dict[Kind, str]] = {
    Area.CONTACT: {
        Kind.COMMERCIAL: "tracking, harvesting personal information",
        Kind.AGGRESSIVE: "being bullied, harassed or stalked",
        Kind.SEXUAL: "meeting strangers, being groomed",
        Kind.VALUES: "self-harm, unwelcome persuasions",
    },
    Area.CONDUCT: {
        Kind.COMMERCIAL: "illegal downloading, hacking, gambling, financial scams",
        Kind.AGGRESSIVE: "bullying or harassing another",
        Kind.SEXUAL: "creating and uploading inappropriate material",
        Kind.VALUES: "providing misleading information or advice",
    },
    Area.CONTENT: {
        Kind.COMMERCIAL: "adverts, spam, sponsorship, personal information",
        Kind.AGGRESSIVE: "violent/hateful content",
        Kind.SEXUAL: "pornographic or unwelcome sexual content",
        Kind.VALUES: "bias, any protected characteristic under the Equality Act 2010, misleading info",
    },
}

AREA_MEANINGS: dict[Area, str] = {
    Area.CONTACT: "someone was contacted (e.g. a pupil was groomed or harassed)",
    Area.CONDUCT: "how someone behaved online (e.g. bullying, hacking)",
    Area.CONTENT: "material that was posted or shared (e.g. hateful or sexual content)",
}


class Platform(StrEnum):
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    PINTEREST = "pinterest"
    VINE = "vine"
    X_TWITTER = "x_twitter"
    TIKTOK = "tiktok"
    SNAPCHAT = "snapchat"
    WHATSAPP = "whatsapp"
    YOUTUBE = "youtube"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _PLATFORM_LABELS[self]


_PLATFORM_LABELS = {
    Platform.FACEBOOK: "Facebook",
    Platform.INSTAGRAM: "Instagram",
    Platform.PINTEREST: "Pinterest",
    Platform.VINE: "Vine",
    Platform.X_TWITTER: "X/Twitter",
    Platform.TIKTOK: "TikTok",
    Platform.SNAPCHAT: "Snapchat",
    Platform.WHATSAPP: "WhatsApp",
    Platform.YOUTUBE: "YouTube",
    Platform.OTHER: "Other",
}


class Role(StrEnum):
    PUPIL = "pupil"
    EX_PUPIL = "ex_pupil"
    PARENT_CARER = "parent_carer"
    STAFF = "staff"
    GOVERNOR = "governor"
    PUBLIC = "public"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.PUPIL: "Pupil",
    Role.EX_PUPIL: "Ex-pupil",
    Role.PARENT_CARER: "Parent/carer",
    Role.STAFF: "Staff member",
    Role.GOVERNOR: "Governor",
    Role.PUBLIC: "Member of the public",
    Role.UNKNOWN: "Unknown",
}


class EscalationTarget(StrEnum):
    SAFEGUARDING_LEAD = "safeguarding_lead"
    HEADTEACHER = "headteacher"
    POLICE = "police"
    CEOP = "ceop"
    PLATFORM = "platform"
    LADO = "lado"  # offered only for a concern that names a member of staff (flows.escalation.targets)

    @property
    def label(self) -> str:
        return _TARGET_LABELS[self]


_TARGET_LABELS = {
    EscalationTarget.SAFEGUARDING_LEAD: "Designated safeguarding lead",
    EscalationTarget.HEADTEACHER: "Headteacher",
    EscalationTarget.POLICE: "Police",
    EscalationTarget.CEOP: "CEOP (Child Exploitation & Online Protection)",
    EscalationTarget.PLATFORM: "The platform's own report route",
    EscalationTarget.LADO: "Local authority designated officer (LADO)",
}


class Outcome(StrEnum):
    NO_ACTION = "no_action"
    ADVICE_GIVEN = "advice_given"
    CONTENT_REMOVED = "content_removed"
    DISCIPLINARY = "disciplinary"
    REFERRED = "referred_police_ceop"

    @property
    def label(self) -> str:
        return _OUTCOME_LABELS[self]


_OUTCOME_LABELS = {
    Outcome.NO_ACTION: "No action needed",
    Outcome.ADVICE_GIVEN: "Advice given",
    Outcome.CONTENT_REMOVED: "Content removed",
    Outcome.DISCIPLINARY: "Disciplinary procedure (section 8)",
    Outcome.REFERRED: "Referred to police / CEOP",
}


# Appendix A: what the reporter should do next, by platform. The policy writes its advice for Facebook and
# "Instagram, Pinterest, Vine or other similar channels"; the general lines apply to every platform.
_GENERAL_ADVICE = (
    "Keep a copy of the page or message (a screenshot or saved link) before anything is deleted.",
    "If you know who posted it, the school may ask them (or, for a child, their parents) to remove it: "
    "leave that contact to the leadership team.",
    "Use the platform's own report / block tools once a copy is kept.",
    "If all else fails, the person targeted can be supported to contact CEOP: https://www.ceop.police.uk/safety-centre/",
)

_PLATFORM_ADVICE: dict[Platform, tuple[str, ...]] = {
    Platform.FACEBOOK: (
        "On Facebook, 'delete and report / block user' for a message is in the 'Actions' menu of that page.",
        "Cite which Facebook terms or community standards were broken: https://www.facebook.com/communitystandards/",
        "If the page is run by someone under 13, report it: https://www.facebook.com/help/contact.php?show_form=underage",
    ),
}


def advice_for(platform: Platform) -> tuple[str, ...]:
    """Appendix A's advice for a platform: the general lines, then any the policy gives for that platform."""
    return _GENERAL_ADVICE + _PLATFORM_ADVICE.get(platform, ())


ILLEGAL_MATERIAL_RULE = (
    "If this may involve illegal images: do not view them again, and do not copy, screenshot, print, share, "
    "store or save them. Record only where they were (the link) and tell the designated safeguarding lead "
    "in person, now."
)
