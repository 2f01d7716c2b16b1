"""The /report-concern modal: build() the form, parse() a submission into a flows ConcernDraft,
and the view that replaces the form once the concern is stored."""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import Any, TypeVar

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot import ids
from bot.payload import state_values
from bot.views.state import checked, selected, selected_user, typed
from flows.concerns import DESCRIPTION_MAX, LINKS_TEXT_MAX, NAMES_MAX, ConcernDraft
from flows.platforms import OTHER_MAX, Platforms
from flows.taxonomy import AREA_MEANINGS, EXAMPLES, ILLEGAL_MATERIAL_RULE, Area, Kind, Role

E = TypeVar("E", bound=StrEnum)

_KIND_HINTS = {
    Kind.COMMERCIAL: "tracking, scams, hacking, spam, adverts",
    Kind.AGGRESSIVE: "bullying, harassment, stalking, hateful content",
    Kind.SEXUAL: "grooming, meeting strangers, sexual material",
    Kind.VALUES: "self-harm, misleading advice, bias or discrimination",
}


def _examples_hint() -> str:
    lines = []
    for area, kinds in EXAMPLES.items():
        lines.append(area.label + ": " + "; ".join(f"{kind.label.lower()}: {text}" for kind, text in kinds.items()))
    return "Section 7 of the policy. " + " | ".join(lines)


def _input(block_id: str, label: str, element: Any, *, hint: str | None = None, optional: bool = False) -> InputBlock:
    element.action_id = block_id + ids.INPUT
    return InputBlock(block_id=block_id, label=label, element=element, hint=hint, optional=optional)


@cache
def form(platforms: Platforms) -> dict[str, Any]:
    """The form as Slack takes it, built and validated once: /report-concern must answer fast."""
    return build(platforms).to_dict()


def platform_inputs(platforms: Platforms, label: str, optional: bool = False) -> list[Block]:
    """The platform, from the school's list, and which one when it is "Other" (the report and contact forms)."""
    return [
        _input(
            ids.PLATFORM,
            label,
            StaticSelectElement(
                placeholder="Choose a platform",
                options=[Option(value=p.key, label=p.label) for p in platforms.offered()],
            ),
            optional=optional,
        ),
        _input(
            ids.PLATFORM_OTHER,
            "If Other: which?",
            PlainTextInputElement(max_length=OTHER_MAX, placeholder="e.g. Mastodon, a class blog"),
            optional=True,
        ),
    ]


def build(platforms: Platforms) -> View:
    blocks: list[Block] = [
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Only the leadership team (and, where needed, the safeguarding lead) will see the details. "
                    "Nothing you write here is posted in any channel."
                )
            ]
        ),
        _input(
            ids.AREA,
            "Is it about contact, conduct or content?",
            RadioButtonsElement(
                options=[Option(value=a.value, label=a.label, description=AREA_MEANINGS[a]) for a in Area]
            ),
        ),
        _input(
            ids.KIND,
            "What kind of misuse?",
            RadioButtonsElement(
                options=[Option(value=k.value, label=k.label, description=_KIND_HINTS[k]) for k in Kind]
            ),
            hint=_examples_hint(),
        ),
        *platform_inputs(platforms, "Where did it happen?"),
        _input(
            ids.ROLES,
            "Who is involved?",
            CheckboxesElement(options=[Option(value=r.value, label=r.label) for r in Role]),
            hint="Tick every role that applies. Names are optional and go below.",
        ),
        _input(
            ids.NAMES,
            "Names",
            PlainTextInputElement(max_length=NAMES_MAX, placeholder="Only if you know them"),
            optional=True,
        ),
        _input(
            ids.INVOLVED_STAFF,
            "A member of staff involved",
            UserSelectElement(placeholder="Choose a person"),
            hint="If the concern is about a member of staff, choose them. If they would normally receive concerns, "
            "it goes to the headteacher (or the chair of governors) instead.",
            optional=True,
        ),
        _input(
            ids.DESCRIPTION,
            "What happened?",
            PlainTextInputElement(multiline=True, max_length=DESCRIPTION_MAX),
            hint="What you saw, when, and what you have done so far. Facts, not opinions.",
        ),
        _input(
            ids.LINKS,
            "Links",
            PlainTextInputElement(multiline=True, max_length=LINKS_TEXT_MAX, placeholder="https://... one per line"),
            hint="Where it is: full web addresses, one per line.",
            optional=True,
        ),
        _input(
            ids.KEPT_COPY,
            "Evidence",
            CheckboxesElement(options=[Option(value="yes", label="I have kept a copy (screenshot or saved page)")]),
            hint="Appendix A: keep a copy before anything is deleted, unless it may be illegal material (below).",
            optional=True,
        ),
        _input(
            ids.SAFEGUARDING,
            "Safeguarding",
            CheckboxesElement(
                options=[Option(value="yes", label="This may involve illegal material or a child at risk")]
            ),
            hint="Ticking this alerts the designated safeguarding lead at once.",
            optional=True,
        ),
        SectionBlock(text=MarkdownTextObject(text=":warning: " + ILLEGAL_MATERIAL_RULE)),
    ]
    return View(
        type="modal",
        callback_id=ids.REPORT_VIEW,
        title=PlainTextObject(text="Report a concern"),
        submit=PlainTextObject(text="Send to leadership"),
        close=PlainTextObject(text="Cancel"),
        blocks=blocks,
    )


def _member(enum: type[E], value: str | None) -> E | None:
    """The enum member a submitted value names; None for nothing or anything unexpected."""
    return enum(value) if value is not None and value in enum._value2member_map_ else None


def parse(view: dict[str, Any], reporter_id: str) -> ConcernDraft:
    values = state_values(view)
    area, kind, platform = (selected(values, b) for b in (ids.AREA, ids.KIND, ids.PLATFORM))
    return ConcernDraft(
        reporter_id=reporter_id,
        area=_member(Area, area),
        kind=_member(Kind, kind),
        platform=platform,
        platform_other=typed(values, ids.PLATFORM_OTHER),
        roles=frozenset(r for r in (_member(Role, v) for v in checked(values, ids.ROLES)) if r is not None),
        names=typed(values, ids.NAMES),
        description=typed(values, ids.DESCRIPTION),
        links_text=typed(values, ids.LINKS),
        kept_copy="yes" in checked(values, ids.KEPT_COPY),
        safeguarding="yes" in checked(values, ids.SAFEGUARDING),
        involved_staff_id=selected_user(values, ids.INVOLVED_STAFF),
    )


def stored(blocks: list[Block]) -> View:
    """What the reporter sees in place of the form once the concern is safely stored: the receipt
    (bot.views.notices.receipt)."""
    return View(
        type="modal",
        callback_id=ids.REPORT_VIEW + "_done",
        title=PlainTextObject(text="Concern received"),
        close=PlainTextObject(text="Done"),
        blocks=blocks,
    )
