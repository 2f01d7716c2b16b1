"""The App Home's sections for each role, drawn from what bot.listeners.home chose with the permission table: the
concerns and questions a member of staff raised (status only), the concerns waiting for the viewer (with the
channel post's buttons), the safeguarding queue, the headteacher's patterns, and the governors' review."""

from __future__ import annotations

from datetime import date, datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot import ids
from bot.text import escape, when
from bot.views import concern_card
from bot.views.concern_words import plural, waited
from bot.views.contact_words import VERDICT_WORDS, question_phrase
from flows.contact import Channel, Person, Verdict
from flows.contact_requests import RequestStatus
from flows.escalation import Status
from flows.platforms import Platforms
from storage.models import Concern, ContactCheck, OutboxMessage, PolicyReview, State

MAX_ITEMS = 12  # per list: a Home holds 100 blocks, and a queue item takes up to three


def _more(shown: int, total: int) -> list[Block]:
    if total <= shown:
        return []
    return [ContextBlock(elements=[MarkdownTextObject(text=f"…and {total - shown} more.")])]


def mine(reported: list[Concern], asked: list[ContactCheck], platforms: Platforms) -> list[Block]:
    """A member of staff's own concerns and questions: where each stands, never leadership's notes."""
    blocks: list[Block] = [DividerBlock(), HeaderBlock(text="Concerns you reported")]
    if not reported:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="None.")]))
    for concern in reported[:MAX_ITEMS]:
        status = Status(concern.status).label.lower()
        text = f"*{concern.reference}* ({concern.created_at:%d %b %Y}): {status}"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
    blocks += _more(min(len(reported), MAX_ITEMS), len(reported))
    blocks += [HeaderBlock(text="Your contact questions")]
    if not asked:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="None.")]))
    for check in asked[:MAX_ITEMS]:
        where = platforms.label(check.platform, check.platform_other) if check.platform else ""
        phrase = question_phrase(Person(check.person), Channel(check.channel), escape(where))
        answer = {
            RequestStatus.PENDING: "with leadership",
            RequestStatus.APPROVED: "approved by leadership",
            RequestStatus.DECLINED: "declined by leadership",
        }.get(RequestStatus(check.request_status), VERDICT_WORDS[Verdict(check.verdict)])
        text = f"CQ-{check.id:04d} ({check.asked_at:%d %b %Y}): {phrase}: *{answer}*"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
    return blocks + _more(min(len(asked), MAX_ITEMS), len(asked))


def queue(title: str, concerns: list[Concern], now: datetime) -> list[Block]:
    """Concerns waiting for the viewer, oldest first, with age, nudges sent and the channel post's buttons."""
    if not concerns:
        return []
    blocks: list[Block] = [DividerBlock(), HeaderBlock(text=title)]
    for concern in concerns[:MAX_ITEMS]:
        nudges = f" · {plural(concern.nudges_sent, 'nudge')} sent" if concern.nudges_sent else ""
        text = f"*{concern_card.fallback(concern)}*\nWaiting {waited(now - concern.created_at)}{nudges}"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
        blocks.append(concern_card.buttons(concern))  # as on the post
    return blocks + _more(min(len(concerns), MAX_ITEMS), len(concerns))


def trust_queue(concerns: list[Concern], now: datetime) -> list[Block]:
    """One school's safeguarding queue as the trust's safeguarding lead sees it: each open safeguarding concern,
    oldest first, how long it has waited and where it stands. No buttons: the school's own leads act on it."""
    if not concerns:
        return [ContextBlock(elements=[MarkdownTextObject(text="No open safeguarding concerns.")])]
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text="*Open safeguarding concerns*"))]
    for concern in concerns[:MAX_ITEMS]:
        nudges = f" · {plural(concern.nudges_sent, 'nudge')} sent" if concern.nudges_sent else ""
        text = f"*{concern_card.fallback(concern)}*\nWaiting {waited(now - concern.created_at)}{nudges}"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
    return blocks + _more(min(len(concerns), MAX_ITEMS), len(concerns))


def patterns(by_person: dict[str, list[Concern]]) -> list[Block]:
    """The headteacher's view: concerns naming each member of staff over the last twelve months (KCSIE Part 4)."""
    if not by_person:
        return []
    blocks: list[Block] = [
        DividerBlock(),
        HeaderBlock(text="Concerns naming staff, last 12 months"),
        ContextBlock(elements=[MarkdownTextObject(text="Grouped by person, so that patterns can be seen.")]),
    ]
    ranked = sorted(by_person.items(), key=lambda item: (-len(item[1]), item[0]))
    for person, concerns in ranked[:MAX_ITEMS]:
        references = ", ".join(c.reference for c in concerns[-5:])
        text = f"<@{person}>: *{len(concerns)}* ({references})"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
    return blocks + _more(min(len(ranked), MAX_ITEMS), len(ranked))


def pack_state(last: OutboxMessage | None) -> str:
    """Where the governor's last requested pack is (the outbox's answer, so the button's press is confirmed)."""
    if last is None:
        return (
            "The pack (charts and tables, anonymised) comes to your direct messages with policybot as a file that "
            "opens in any browser."
        )
    if last.state is State.SENT and last.sent_at is not None:
        return f":white_check_mark: Your pack was sent to your direct messages with policybot {when(last.sent_at)}."
    if last.state is State.PENDING:
        asked = when(last.created_at)
        return f":hourglass_flowing_sand: Your pack is on its way to your direct messages (asked for {asked})."
    return "Your last pack could not be sent. Press the button to try again."


def governors(
    next_review: date | None, past: list[PolicyReview], year: list[str], pack: OutboxMessage | None = None
) -> list[Block]:
    """The governors' review: when the next is due, the last twelve months in numbers (anonymised, small numbers
    suppressed, as in the pack), where the pack they asked for is, and the reviews recorded (who, when, which
    policy version)."""
    due = f"The next review of the policy is due on *{next_review:%d %B %Y}*." if next_review else "No review is set."
    bullets = "\n".join(f"• {line}" for line in year)
    blocks: list[Block] = [
        DividerBlock(),
        HeaderBlock(text="The policy review"),
        SectionBlock(text=MarkdownTextObject(text=due)),
        SectionBlock(text=MarkdownTextObject(text=("*The last twelve months*\n" + bullets)[:2900])),
        ActionsBlock(
            elements=[ButtonElement(action_id=ids.SEND_PACK, text="Send me the governors' pack", value="pack")]
        ),
        ContextBlock(elements=[MarkdownTextObject(text=pack_state(pack))]),
    ]
    for review in past[:MAX_ITEMS]:
        version = f", policy {review.policy_version}" if review.policy_version else ""
        adopted = f"; adopted {review.adopted_version}" if review.adopted_version else ""
        text = f"Review due {review.review_on:%d %b %Y}: done {review.reviewed_at:%d %b %Y} by <@{review.reviewed_by}>"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=text + version + adopted)]))
    return blocks
