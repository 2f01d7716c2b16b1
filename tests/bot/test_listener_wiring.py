"""register(): every button, form, command and event reaches the handler meant for it, with the deps and the choice
it is wired with (Escalate is not Resolve, Approve is not Decline); and the listeners that are not about who may act
(asking the policy, declaring a connection, the App Home) do what they say, as plain functions."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from slack_bolt import Ack, App
from sqlalchemy.exc import OperationalError

from bot import ids
from bot.deps import Deps
from bot.listeners import contacts, declarations, home, leadership, report, review
from bot.payload import Malformed
from bot.views import contact_form, report_form, review_form
from flows.contact import Verdict, assess, parse_rules
from flows.contact_requests import Decision, a_year_on
from flows.errors import InvalidTransition
from flows.permissions import Act, RecordKind, place
from flows.platforms import default_platforms
from storage.commands import Repeated
from storage.models import Concern, ContactPermission
from storage.records import DueReview
from tests.bot.calls import chosen, click, form_errors, run, submission, typed
from tests.bot.fakes import FakeDeps, Recorder, a_check, a_concern, a_declaration
from tests.conftest import NOW, TODAY

Listener = Callable[[Ack, dict[str, Any], Any], None]


class FakeApp:
    """Records what register() wires: (kind, id) -> the listener."""

    def __init__(self) -> None:
        self.listeners: dict[tuple[str, str], Listener] = {}

    def _on(self, kind: str, name: str) -> Callable[[Listener], Listener]:
        def wire(listener: Listener) -> Listener:
            assert (kind, name) not in self.listeners, f"{kind} {name} wired twice"
            self.listeners[(kind, name)] = listener
            return listener

        return wire

    def action(self, name: str) -> Callable[[Listener], Listener]:
        return self._on("action", name)

    def view(self, name: str) -> Callable[[Listener], Listener]:
        return self._on("view", name)

    def command(self, name: str) -> Callable[[Listener], Listener]:
        return self._on("command", name)

    def event(self, name: str) -> Callable[[Listener], Listener]:
        return self._on("event", name)


def wired(module: Any, deps: FakeDeps) -> dict[tuple[str, str], Listener]:
    app = FakeApp()
    module.register(cast(App, app), cast(Deps, deps))
    return app.listeners


def call(listener: Listener, body: dict[str, Any]) -> tuple[Ack, Recorder]:
    ack, client = Ack(), Recorder()
    listener(ack, body, client)
    return ack, client


CHECK_VALUES = (
    chosen(ids.PERSON, "PUPIL_FAMILY")
    | chosen(ids.CHANNEL, "SOCIAL_NETWORK")
    | chosen(ids.UNDER_18, "no")
    | chosen(ids.FAMILY, "unknown")
    | chosen(ids.FRIEND, "unknown")
    | typed(ids.DESCRIBED, "Ms Parent")
)
DECLARATION_VALUES = chosen(ids.PERSON, "PUPIL") | chosen(ids.RELATIONSHIP, "family") | typed(ids.DESCRIBED, "My niece")


def test_leadership_buttons_and_forms_reach_their_handlers_with_their_action() -> None:
    names = {key: listener.__name__ for key, listener in wired(leadership, FakeDeps()).items()}
    assert names == {
        ("action", ids.ACKNOWLEDGE): "acknowledge",
        ("action", ids.ESCALATE): "open_form",
        ("action", ids.RESOLVE): "open_form",
        ("view", ids.ESCALATE_VIEW): "submit_form",
        ("view", ids.RESOLVE_VIEW): "submit_form",
        ("action", ids.VIEW_DETAILS): "view_details",
    }
    for (kind, name), body, act in [
        (("action", ids.ACKNOWLEDGE), click("7:3"), Act.ACKNOWLEDGE),
        (("action", ids.ESCALATE), click("7:3"), Act.ESCALATE),
        (("action", ids.RESOLVE), click("7:3"), Act.RESOLVE),
        (("view", ids.ESCALATE_VIEW), submission("7:3", chosen(ids.TARGET, "police")), Act.ESCALATE),
        (("view", ids.RESOLVE_VIEW), submission("7:3", chosen(ids.OUTCOME, "no_action")), Act.RESOLVE),
        (("action", ids.VIEW_DETAILS), click("7"), Act.VIEW_DETAILS),
    ]:
        deps = FakeDeps(Repeated(a_concern()))
        call(wired(leadership, deps)[(kind, name)], body)
        assert deps.only_command.act is act, name


def test_contact_buttons_and_forms_reach_their_handlers_and_approve_is_not_decline() -> None:
    names = {key: listener.__name__ for key, listener in wired(contacts, FakeDeps()).items()}
    assert names == {
        ("command", ids.CHECK_COMMAND): "open_check",
        ("action", ids.HOME_CHECK): "open_check",
        ("view", ids.CHECK_VIEW): "submit_check",
        ("action", ids.ASK_LEADERSHIP): "ask_leadership",
        ("action", ids.APPROVE): "one_click",
        ("action", ids.DECLINE): "one_click",
        ("action", ids.DECIDE_WITH_NOTE): "open_decision",
        ("view", ids.DECIDE_VIEW): "submit_decision",
        ("action", ids.CONTACT_DETAILS): "view_details",
    }
    for (kind, name), body, act, detail in [
        (("action", ids.CONTACT_DETAILS), click("5"), Act.VIEW_DETAILS, None),
        (("action", ids.ASK_LEADERSHIP), click("5"), Act.ASK_LEADERSHIP, None),
        (("action", ids.APPROVE), click("5:2"), Act.DECIDE, Decision.APPROVE),
        (("action", ids.DECLINE), click("5:2"), Act.DECIDE, Decision.DECLINE),
        (("action", ids.DECIDE_WITH_NOTE), click("5:2"), Act.DECIDE, None),
        (("view", ids.DECIDE_VIEW), submission("5:2", chosen(ids.DECISION, "decline")), Act.DECIDE, Decision.DECLINE),
    ]:
        deps = FakeDeps(Repeated(a_check()))
        call(wired(contacts, deps)[(kind, name)], body)
        assert (deps.only_command.act, deps.only_command.detail) == (act, detail), name
    for kind, name in (("command", ids.CHECK_COMMAND), ("action", ids.HOME_CHECK)):
        _, client = call(wired(contacts, FakeDeps())[(kind, name)], click("x"))
        form = contact_form.check_form(default_platforms())
        assert client.calls == [("views_open", (), {"trigger_id": "T1", "view": form})]
    deps = FakeDeps()
    ack, _ = call(wired(contacts, deps)[("view", ids.CHECK_VIEW)], submission("", CHECK_VALUES, user="USTAFF"))
    assert deps.contact_checks.named("record_check") and json.loads(ack.response.body)["response_action"] == "update"  # type: ignore[union-attr]


def test_declaration_buttons_forms_and_the_app_home_reach_their_handlers() -> None:
    names = {key: listener.__name__ for key, listener in wired(declarations, FakeDeps()).items()}
    assert names == {
        ("action", ids.OPEN_DECLARE): "declare_instead",
        ("action", ids.HOME_DECLARE): "declare_from_home",
        ("view", ids.DECLARE_VIEW): "submit_declaration",
        ("action", ids.ACKNOWLEDGE_DECLARATION): "acknowledge",
        ("action", ids.RECONFIRM_DECLARATION): "reconfirm",
    }
    assert {key: listener.__name__ for key, listener in wired(home, FakeDeps()).items()} == {
        ("event", "app_home_opened"): "home_opened"
    }
    for name, act in ((ids.ACKNOWLEDGE_DECLARATION, Act.ACKNOWLEDGE), (ids.RECONFIRM_DECLARATION, Act.RECONFIRM)):
        deps = FakeDeps(Repeated(a_declaration()))
        call(wired(declarations, deps)[("action", name)], click("4:2", user="USTAFF"))
        assert deps.only_command.act is act, name
    deps = FakeDeps()
    call(wired(declarations, deps)[("view", ids.DECLARE_VIEW)], submission("", DECLARATION_VALUES, user="USTAFF"))
    assert deps.declarations.named("declare") and deps.delivery.calls == [("kick", (), {})]
    deps = FakeDeps()
    _, client = call(wired(home, deps)[("event", "app_home_opened")], home_opened("USTAFF"))
    assert deps.contact_checks.named("permissions_for") and client.named("views_publish")
    for name, method in ((ids.OPEN_DECLARE, "views_update"), (ids.HOME_DECLARE, "views_open")):
        _, client = call(wired(declarations, FakeDeps())[("action", name)], click("x"))
        assert [called for called, _, _ in client.calls] == [method], name


def test_the_review_button_and_form_reach_their_handlers() -> None:
    names = {key: listener.__name__ for key, listener in wired(review, FakeDeps()).items()}
    assert names == {
        ("action", ids.REVIEW_DONE): "open_form",
        ("view", ids.REVIEW_VIEW): "record",
        ("action", ids.SEND_PACK): "send_pack",
    }
    deps = FakeDeps(Repeated(DueReview(date(2027, 3, 1), None)))
    call(wired(review, deps)[("action", ids.REVIEW_DONE)], click("2027-03-01", user="UGOV"))
    assert deps.only_command.act is Act.MARK_REVIEW_DONE
    deps = FakeDeps(Repeated(DueReview(date(2027, 3, 1), None)))
    values = {ids.NEXT_REVIEW_ON: {ids.NEXT_REVIEW_ON + ids.INPUT: {"selected_date": "2028-02-20"}}}
    call(wired(review, deps)[("view", ids.REVIEW_VIEW)], submission("2027-03-01", values, user="UGOV"))
    assert deps.only_command.until == date(2028, 2, 20)


# --- the listeners that are not about who may act ------------------------------------------------------------------


def home_opened(user: Any, tab: str | None = "home") -> dict[str, Any]:
    event: dict[str, Any] = {"type": "app_home_opened", "user": user}
    if tab is not None:
        event["tab"] = tab
    return {"type": "event_callback", "event": event}


def test_a_contact_question_is_answered_by_the_policy_and_stored_once_per_submission() -> None:
    deps = FakeDeps()
    ack, _ = run(contacts.submit_check, deps, submission("", CHECK_VALUES, user="USTAFF", view_id="VQ"))
    [(args, _)] = deps.contact_checks.named("record_check")
    staff, question, described, answer, view_id, at, permission, where = args
    assert (staff, described, view_id, at, permission) == ("USTAFF", "Ms Parent", "VQ", NOW, None)
    assert answer == assess(question, deps.rules)
    assert deps.contact_checks.named("standing_permission") == [(("USTAFF", question, "Ms Parent", TODAY, None), {})]
    assert where == (None, "")
    assert ack.response is not None and ack.response.body
    sent = json.loads(ack.response.body)
    assert sent["response_action"] == "update"
    assert sent["view"] == contact_form.answer_view(answer, 5, None, "Ms Parent").to_dict()
    assert deps.logged == ["contact check 5: REFER"]  # the verdict, never who it is about


def test_a_question_about_someone_unnamed_is_answered_without_the_way_to_leadership() -> None:
    deps = FakeDeps()
    values = {k: v for k, v in CHECK_VALUES.items() if k != ids.DESCRIBED}
    ack, _ = run(contacts.submit_check, deps, submission("", values, user="USTAFF"))
    answer = deps.contact_checks.named("record_check")[0][0][3]
    assert ack.response is not None
    assert json.loads(ack.response.body)["view"] == contact_form.answer_view(answer, 5, None, "").to_dict()
    assert json.loads(ack.response.body)["view"] != contact_form.answer_view(answer, 5, None, "x").to_dict()


def test_a_schools_own_contact_rules_answer_the_question() -> None:
    deps = FakeDeps()
    deps.rules = parse_rules(
        '[fallback]\nid = "ours"\nsection = "6"\nverdict = "PERMITTED"\nquote = "q"\nreason = "r"\n'
    )
    run(contacts.submit_check, deps, submission("", CHECK_VALUES, user="USTAFF"))
    answer = deps.contact_checks.named("record_check")[0][0][3]
    assert answer.verdict is Verdict.PERMITTED and deps.contact_checks.named("standing_permission") == []


def test_a_standing_permission_answers_a_question_the_policy_leaves_to_leadership() -> None:
    deps = FakeDeps()
    permission = ContactPermission(
        staff_id="USTAFF",
        person="PUPIL_FAMILY",
        channel="SOCIAL_NETWORK",
        person_key="ms parent",
        person_described="Ms Parent",
        granted_by="UHEAD",
        granted_at=NOW,
        review_on=date(2027, 6, 30),
        check_id=3,
    )
    deps.contact_checks.answers["standing_permission"] = permission
    ack, _ = run(contacts.submit_check, deps, submission("", CHECK_VALUES, user="USTAFF"))
    [(args, _)] = deps.contact_checks.named("record_check")
    assert args[-2] is permission
    line = contacts.permission_line(permission)
    assert line == (
        ":white_check_mark: *Yes: leadership gave you a standing permission for this* (<@UHEAD>, until 30 June 2027)."
        " The policy's own answer, for reference:"
    )
    assert ack.response is not None and line in json.loads(ack.response.body)["view"]["blocks"][0]["text"]["text"]
    assert deps.logged == ["contact check 5: REFER (standing permission)"]


def test_a_question_the_policy_answers_outright_never_looks_for_a_permission() -> None:
    deps = FakeDeps()
    values = CHECK_VALUES | chosen(ids.CHANNEL, "ACADEMY_SYSTEMS")  # permitted outright
    run(contacts.submit_check, deps, submission("", values, user="USTAFF"))
    assert deps.contact_checks.named("standing_permission") == [] and deps.contact_checks.named("record_check")


def test_a_contact_question_that_is_incomplete_or_cannot_be_stored_is_said_on_the_form() -> None:
    deps = FakeDeps()
    ack, _ = run(contacts.submit_check, deps, submission("", typed(ids.DESCRIBED, "x"), user="USTAFF"))
    assert ids.PERSON in (form_errors(ack) or {}) and deps.contact_checks.calls == []

    class Down(Recorder):
        def record_check(self, *args: Any) -> Any:
            raise OperationalError("INSERT", (), Exception())

    deps = FakeDeps()
    deps.contact_checks = Down(standing_permission=None)
    ack, _ = run(contacts.submit_check, deps, submission("", CHECK_VALUES, user="USTAFF"))
    assert form_errors(ack) == {ids.DESCRIBED: contacts.SAVE_FAILED}
    assert deps.logged == ["contact check not stored: OperationalError"]


def test_a_declaration_is_stored_posted_to_leadership_once_and_due_for_re_confirmation_in_a_year() -> None:
    deps = FakeDeps()
    ack, _ = run(declarations.submit_declaration, deps, submission("", DECLARATION_VALUES, user="USTAFF", view_id="VD"))
    [(args, _)] = deps.declarations.named("declare")
    assert args[:5] == ("USTAFF", "PUPIL", "family", "My niece", "VD") and args[5:] == (NOW, a_year_on(TODAY))
    assert ack.response is not None
    sent = json.loads(ack.response.body)
    assert sent == {"response_action": "update", "view": contact_form.declared_view(date(2027, 11, 25)).to_dict()}
    [(_, kwargs)] = deps.declarations.named("declare")
    kwargs["tell"](a_declaration())  # as storage calls it, in the transaction that stores the declaration
    [(kind, record_id, _)] = [args for args, _ in deps.telling.named("posted")]
    assert (kind, record_id) == (RecordKind.DECLARATION, 4) and deps.delivery.calls == [("kick", (), {})]
    assert deps.logged == ["declaration 4 stored"] and [actor for _, actor in deps.changes] == ["USTAFF"]  # Homes
    again = FakeDeps()
    again.declarations.answers["declare"] = (a_declaration(), False)  # a resubmission: stored before, posted before
    run(declarations.submit_declaration, again, submission("", DECLARATION_VALUES, user="USTAFF", view_id="VD"))
    assert again.delivery.calls == [] and again.changes == []


def test_a_declaration_that_is_incomplete_or_cannot_be_stored_is_said_on_the_form() -> None:
    deps = FakeDeps()
    ack, _ = run(declarations.submit_declaration, deps, submission("", typed(ids.DESCRIBED, "x"), user="USTAFF"))
    assert ids.RELATIONSHIP in (form_errors(ack) or {}) and deps.declarations.calls == []

    class Down(Recorder):
        def declare(self, *args: Any, **kwargs: Any) -> Any:
            raise OperationalError("INSERT", (), Exception())

    deps = FakeDeps()
    deps.declarations = Down()
    ack, _ = run(declarations.submit_declaration, deps, submission("", DECLARATION_VALUES, user="USTAFF"))
    assert form_errors(ack) == {ids.DESCRIBED: contacts.SAVE_FAILED} and deps.delivery.calls == []
    assert deps.logged == ["declaration not stored: OperationalError"]


def test_the_app_home_shows_a_person_their_own_permissions_and_declarations_as_of_today() -> None:
    deps = FakeDeps()
    due = a_declaration("acknowledged")
    due.confirm_by = date(2026, 12, 1)  # within the notice: the home asks for it to be re-confirmed
    deps.declarations.answers["declarations_for"] = [due]
    _, client = run(home.home_opened, deps, home_opened("USTAFF", tab=None))
    assert deps.contact_checks.calls == [("permissions_for", ("USTAFF",), {}), ("asked_by", ("USTAFF", 50), {})]
    assert deps.declarations.calls == [("declarations_for", ("USTAFF",), {})]
    [(_, _, published)] = client.calls
    drawn = str(published["view"].to_dict())
    assert published["user_id"] == "USTAFF" and "Still true" in drawn and "Concerns you reported" in drawn
    _, client = run(home.home_opened, FakeDeps(), home_opened("USTAFF", tab="messages"))
    assert client.calls == []


@pytest.mark.parametrize("user", [None, "", 7])
def test_an_app_home_event_without_a_user_is_not_read(user: Any) -> None:
    with pytest.raises(Malformed) as raised:
        run(home.home_opened, FakeDeps(), home_opened(user))
    assert raised.value.what == "event.user"


def test_the_declare_form_opens_from_the_check_answer_or_the_app_home() -> None:
    _, client = run(declarations.declare_instead, FakeDeps(), click("x"))
    assert client.calls == [("views_update", (), {"view_id": "VMODAL", "view": contact_form.declare_form()})]
    _, client = run(declarations.declare_from_home, FakeDeps(), click("x"))
    assert client.calls == [("views_open", (), {"trigger_id": "T1", "view": contact_form.declare_form()})]
    _, client = run(contacts.open_check, FakeDeps(), click("x"))
    form = contact_form.check_form(default_platforms())
    assert client.calls == [("views_open", (), {"trigger_id": "T1", "view": form})]


def test_the_review_form_is_one_slack_will_open_asking_for_the_next_date() -> None:
    drawn = review_form.build(date(2027, 3, 1), date(2028, 3, 1)).to_dict()
    version = drawn["blocks"].pop()  # the new policy version, if the governors approved one: optional, checked
    assert (version["block_id"], version["optional"], version["element"]["max_length"]) == (
        ids.POLICY_VERSION,
        True,
        40,
    )
    assert drawn == {
        "type": "modal",
        "callback_id": ids.REVIEW_VIEW,
        "private_metadata": "2027-03-01",
        "title": {"type": "plain_text", "text": "Review done"},
        "submit": {"type": "plain_text", "text": "Record it"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "Record that the governors reviewed the Social Media Policy (review due 01 March 2027).",
                },
            },
            {
                "type": "input",
                "block_id": ids.NEXT_REVIEW_ON,
                "label": {"type": "plain_text", "text": "Next review", "emoji": True},
                "element": {
                    "type": "datepicker",
                    "action_id": ids.NEXT_REVIEW_ON + ids.INPUT,
                    "initial_date": "2028-03-01",
                },
            },
        ],
    }


# --- /report-concern -------------------------------------------------------------------------------------------------

LONDON = ZoneInfo("Europe/London")
REPORT_VALUES = (
    chosen(ids.AREA, "conduct")
    | chosen(ids.KIND, "aggressive")
    | chosen(ids.PLATFORM, "tiktok")
    | {ids.ROLES: {ids.ROLES + ids.INPUT: {"selected_options": [{"value": "pupil"}]}}}
    | typed(ids.DESCRIPTION, "what happened")
    | {ids.SAFEGUARDING: {ids.SAFEGUARDING + ids.INPUT: {"selected_options": [{"value": "yes"}]}}}
    | {ids.INVOLVED_STAFF: {ids.INVOLVED_STAFF + ids.INPUT: {"selected_user": "UL2"}}}
)


def reporting(created: bool = True) -> FakeDeps:
    deps = FakeDeps()
    deps.store.answers["create"] = (a_concern(), created)
    return deps


def test_the_report_form_opens_at_once_with_the_schools_platforms() -> None:
    ack, client = run(report.open_form, FakeDeps(), {"user_id": "USTAFF", "trigger_id": "T1"})
    assert ack.response is not None and ack.response.status == 200
    assert client.calls == [("views_open", (), {"trigger_id": "T1", "view": report_form.form(default_platforms())})]


def test_a_reported_concern_is_stored_where_it_belongs_and_the_receipt_replaces_the_form() -> None:
    deps = reporting()
    body = submission("", REPORT_VALUES, user="USTAFF", view_id="VR")
    ack, _ = run(report.submit, deps, body)
    [(args, kwargs)] = deps.store.named("create")
    draft = report_form.parse(body["view"], "USTAFF")
    assert draft.safeguarding and draft.involved_staff_id == "UL2" and draft.reporter_id == "USTAFF"
    people = deps.directory.answers["people"]
    where = place(people, safeguarding=True, involved="UL2")
    assert where != place(people, safeguarding=True, involved=None)  # the member of staff named decides where
    assert args == (draft, "VR", where, NOW, LONDON)
    assert deps.nudger.calls[0] == ("first_due", (NOW, True), {})  # a safeguarding concern's nudge
    assert kwargs["next_nudge_at"] == deps.nudger.answers["first_due"]
    kwargs["tell"](a_concern())  # as storage calls it, inside the transaction
    assert deps.telling.named("concern_stored") == [((a_concern(),), {})] and deps.changes == [(a_concern(), "USTAFF")]
    assert ack.response is not None
    receipt = deps.telling.answers["receipt"][1]
    assert deps.telling.named("receipt") == [((a_concern(),), {})]  # the receipt of the concern as stored
    assert json.loads(ack.response.body) == {"response_action": "update", "view": report_form.stored(receipt).to_dict()}
    assert deps.delivery.calls == [("kick", (), {})] and deps.nudger.named("arm") == [
        ((deps.nudger.answers["first_due"],), {})
    ]
    assert deps.logged == ["concern 7 stored (new=True, route=channel)"]


def test_a_resubmitted_report_shows_the_receipt_and_sends_nothing_again() -> None:
    deps = reporting(created=False)
    ack, _ = run(report.submit, deps, submission("", REPORT_VALUES, user="USTAFF", view_id="VR"))
    assert ack.response is not None and json.loads(ack.response.body)["response_action"] == "update"
    assert deps.delivery.calls == [] and deps.nudger.named("arm") == []
    assert deps.logged == ["concern 7 stored (new=False, route=channel)"]


def test_an_incomplete_report_is_sent_back_with_what_is_missing() -> None:
    deps = reporting()
    values = {k: v for k, v in REPORT_VALUES.items() if k not in (ids.AREA, ids.DESCRIPTION)}
    ack, _ = run(report.submit, deps, submission("", values, user="USTAFF"))
    assert set(form_errors(ack) or {}) == {"area", "description"} and deps.store.calls == []


@pytest.mark.parametrize("error", [OperationalError("INSERT", (), Exception()), InvalidTransition("no")])
def test_a_report_that_cannot_be_stored_keeps_the_form_and_says_so(error: Exception) -> None:
    class Down(Recorder):
        def create(self, *args: Any, **kwargs: Any) -> Any:
            raise error

    deps = reporting()
    deps.store = Down()
    ack, _ = run(report.submit, deps, submission("", REPORT_VALUES, user="USTAFF"))
    assert form_errors(ack) == {ids.DESCRIPTION: report.SAVE_FAILED} and deps.delivery.calls == []
    assert deps.logged == [f"concern not stored: {type(error).__name__}"]


def test_the_review_forms_policy_version_box_says_when_to_fill_it_in() -> None:
    version = review_form.build(date(2027, 3, 1), date(2028, 3, 1)).to_dict()["blocks"][-1]
    assert version == {
        "type": "input",
        "block_id": ids.POLICY_VERSION,
        "optional": True,
        "label": {"type": "plain_text", "text": "New policy version", "emoji": True},
        "hint": {
            "type": "plain_text",
            "text": "Only if the governors approved a new or revised policy at this review: it is in force from now, "
            "and what is reported from now on is recorded under it.",
            "emoji": True,
        },
        "element": {
            "type": "plain_text_input",
            "action_id": ids.POLICY_VERSION + ids.INPUT,
            "max_length": 40,
            "placeholder": {"type": "plain_text", "text": "e.g. 2026-12", "emoji": True},
        },
    }


def test_the_platform_a_contact_question_is_on_is_stored_and_asked_of_the_permissions() -> None:
    for chosen_platform, other, where in (
        ("whatsapp", " ", ("whatsapp", "")),
        ("other", " Mastodon ", ("other", "Mastodon")),
    ):
        deps = FakeDeps()
        values = CHECK_VALUES | chosen(ids.PLATFORM, chosen_platform) | typed(ids.PLATFORM_OTHER, other)
        run(contacts.submit_check, deps, submission("", values, user="USTAFF"))
        [(args, _)] = deps.contact_checks.named("record_check")
        assert args[-1] == where
        [(asked, _)] = deps.contact_checks.named("standing_permission")
        assert asked[-1] == chosen_platform


def test_a_new_declarations_post_is_drawn_from_it() -> None:
    deps = FakeDeps()
    run(declarations.submit_declaration, deps, submission("", DECLARATION_VALUES, user="USTAFF", view_id="VD"))
    [(_, kwargs)] = deps.declarations.named("declare")
    kwargs["tell"](a_declaration())
    assert deps.telling.calls == [
        ("declaration_drawing", (a_declaration(),), {}),
        ("posted", (RecordKind.DECLARATION, 4, None), {}),  # None: the drawing, as the fake telling drew it
    ]


def test_the_app_home_is_published_over_the_view_slack_showed() -> None:
    deps = FakeDeps()
    event = home_opened("USTAFF")
    event["event"]["view"] = {"id": "VHOME", "hash": "H0"}
    _, client = run(home.home_opened, deps, event)
    [(_, published)] = client.named("views_publish")
    assert published["hash"] == "H0" and deps.home_hashes == {"USTAFF": "H1"}
    for view in ({"id": "VHOME", "hash": 7}, "VHOME", None):  # no hash Slack sent: none this process knows either
        event["event"]["view"] = view
        _, client = run(home.home_opened, FakeDeps(), event)
        [(_, published)] = client.named("views_publish")
        assert "hash" not in published


# --- the App Home, role by role (the records as the store would give them) ---------------------------------------


def open_concern(concern_id: int, **facts: Any) -> Concern:
    concern = a_concern("acknowledged")
    concern.id, concern.reference = concern_id, f"SMP-2026-{concern_id:04d}"
    for name, value in facts.items():
        setattr(concern, name, value)
    return concern


def drawn_home(deps: FakeDeps, user: str) -> tuple[str, str]:
    first, after = home.roles(cast(Deps, deps), user)
    return json.dumps([b.to_dict() for b in first]), json.dumps([b.to_dict() for b in after])


def test_the_safeguarding_leads_home_shows_what_they_act_on_then_what_was_escalated_to_them() -> None:
    deps = FakeDeps()
    deps.store.answers["open_concerns"] = [
        open_concern(1),  # an ordinary concern: leadership's
        open_concern(2, safeguarding=True),  # theirs to act on
        open_concern(3, status="escalated", escalated_to="safeguarding_lead"),  # escalated to them: to see
        open_concern(4, status="escalated", escalated_to="safeguarding_lead", involved_staff_id="UDSL"),  # names them
    ]
    waiting, _ = drawn_home(deps, "UDSL")
    headers = [b["text"]["text"] for b in json.loads(waiting) if b["type"] == "header"]
    assert headers == ["Waiting for you", "Safeguarding concerns"]
    acting, escalated = waiting.split("Safeguarding concerns")
    assert "SMP-2026-0002" in acting and "SMP-2026-0003" not in acting
    assert "SMP-2026-0003" in escalated and "SMP-2026-0002" not in escalated  # never twice
    assert "SMP-2026-0001" not in waiting and "SMP-2026-0004" not in waiting


def test_a_member_of_staffs_home_reads_no_queue_and_shows_where_their_questions_are() -> None:
    deps = FakeDeps()
    check = a_check("approved")
    check.platform = "whatsapp"
    deps.contact_checks.answers["asked_by"] = [check]
    waiting, theirs = drawn_home(deps, "USTAFF")
    assert waiting == "[]" and "WhatsApp" in theirs
    assert deps.store.calls == [("reported_by", ("USTAFF", 50), {})]  # no queue, no patterns: not even read
    assert deps.contact_checks.calls == [("asked_by", ("USTAFF", 50), {})]


def test_the_headteachers_home_reads_a_years_concerns_naming_staff_for_the_patterns() -> None:
    deps = FakeDeps()
    deps.store.answers["naming_staff_since"] = [
        open_concern(5, involved_staff_id="UL2"),
        open_concern(6, involved_staff_id="UHEAD", route_kind="direct", route_recipient="UCHAIR"),  # the chair's
    ]
    waiting, _ = drawn_home(deps, "UHEAD")
    assert deps.store.named("naming_staff_since") == [((NOW - timedelta(days=365),), {})]
    assert deps.store.named("open_concerns") == [((), {})] and "<@UL2>: *1*" in waiting
    assert "<@UHEAD>" not in waiting  # never the pattern of concerns about herself


def test_the_app_home_names_the_platform_of_each_standing_permission() -> None:
    deps = FakeDeps()
    permission = ContactPermission(
        staff_id="USTAFF",
        person="PUPIL_FAMILY",
        channel="SOCIAL_NETWORK",
        platform="whatsapp",
        person_key="ms parent",
        person_described="Ms Parent",
        granted_by="UHEAD",
        granted_at=NOW,
        review_on=date(2027, 6, 30),
        check_id=3,
    )
    deps.contact_checks.answers["permissions_for"] = [permission]
    _, client = run(home.home_opened, deps, home_opened("USTAFF"))
    [(_, published)] = client.named("views_publish")
    assert "WhatsApp" in json.dumps(published["view"].to_dict())
