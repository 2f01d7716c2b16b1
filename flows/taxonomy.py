"""The policy's vocabulary: areas and kinds of misuse (section 7), roles, outcomes and escalation targets, with the
policy's own examples as data, and Appendix A's rule for illegal material. The platforms, and Appendix A's advice
for each, are a school's own list (flows.platforms)."""

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


ILLEGAL_MATERIAL_RULE = (
    "If this may involve illegal images: do not view them again, and do not copy, screenshot, print, share, "
    "store or save them. Record only where they were (the link) and tell the designated safeguarding lead "
    "in person, now."
)
