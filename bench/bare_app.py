"""The baseline for bench/latency.py: a minimal Bolt app doing the same Slack-visible work as policybot, no more.

/report-concern acks and opens a modal of the same shape as policybot's report form; the concern_acknowledge
button acks, then redraws the message (chat.update) and sends a DM (chat.postMessage); a submitted report acks, then
posts to the leadership channel and sends the receipt. Each inline, after ack(). No database, no checks.
It is served exactly as policybot serves HTTP (bot/server.py): gunicorn, 1 worker, gthread, 8 threads, Bolt's WSGI
adapter, Bolt's default settings. Run it with

    SLACK_BOT_TOKEN=xoxb-... SLACK_SIGNING_SECRET=... SLACK_API_URL=http://127.0.0.1:PORT/api/ \\
        python -m gunicorn -w 1 -k gthread --threads 8 --bind 127.0.0.1:3001 'bench.bare_app:build()'

GET /healthz answers "ok" (without a database) so that the benchmark can wait for it to start.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

BARE_VIEW = "bare_report"


def _text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _options(*labels: str, described: bool = False) -> list[dict[str, Any]]:
    return [
        {"value": label.lower(), "text": _text(label)}
        | ({"description": _text(f"What {label.lower()} means, in a line of the policy")} if described else {})
        for label in labels
    ]


def _input(
    block_id: str, label: str, element: dict[str, Any], hint: str | None = None, optional: bool = False
) -> dict[str, Any]:
    element["action_id"] = block_id + "_input"
    block = {"type": "input", "block_id": block_id, "label": _text(label), "element": element, "optional": optional}
    if hint:
        block["hint"] = _text(hint)
    return block


PLATFORMS = (
    "Facebook",
    "Instagram",
    "TikTok",
    "Snapchat",
    "X/Twitter",
    "YouTube",
    "WhatsApp",
    "Discord",
    "Twitch",
    "Reddit",
    "Roblox",
    "Vine",
    "Other",
)
EXAMPLES = "Section 7 of the policy. " + " | ".join(
    f"{area}: commercial: tracking, scams; aggressive: bullying, harassment; sexual: grooming; values: self-harm"
    for area in ("Contact", "Conduct", "Content")
)


def modal() -> dict[str, Any]:
    """Built afresh per request, of the shape of policybot's report form and near its size (6.5 KB of JSON
    against 8 KB): radio buttons with descriptions, a select, checkboxes, text and user inputs, hints."""
    return {
        "type": "modal",
        "callback_id": BARE_VIEW,
        "title": _text("Report a concern"),
        "submit": _text("Send to leadership"),
        "close": _text("Cancel"),
        "blocks": [
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "Only the leadership team will see this."}]},
            _input(
                "area",
                "Is it about contact, conduct or content?",
                {"type": "radio_buttons", "options": _options("Contact", "Conduct", "Content", described=True)},
            ),
            _input(
                "kind",
                "What kind of misuse?",
                {
                    "type": "radio_buttons",
                    "options": _options("Commercial", "Aggressive", "Sexual", "Values", described=True),
                },
                hint=EXAMPLES,
            ),
            _input(
                "platform",
                "Where did it happen?",
                {"type": "static_select", "placeholder": _text("Choose a platform"), "options": _options(*PLATFORMS)},
            ),
            _input(
                "roles",
                "Who is involved?",
                {"type": "checkboxes", "options": _options("Pupil", "Ex-pupil", "Parent/carer", "Staff", "Other")},
                hint="Tick every role that applies. Names are optional and go below.",
            ),
            _input("names", "Names (optional)", {"type": "plain_text_input", "max_length": 700}, optional=True),
            _input(
                "involved_staff",
                "A member of staff involved (optional)",
                {"type": "users_select", "placeholder": _text("Choose a person")},
                hint="If the concern is about a member of staff, choose them.",
                optional=True,
            ),
            _input(
                "description",
                "What happened?",
                {"type": "plain_text_input", "multiline": True},
                hint="What you saw, when, and what you have done so far. Facts, not opinions.",
            ),
            _input(
                "links",
                "Links (optional)",
                {"type": "plain_text_input", "multiline": True},
                hint="Where it is: full web addresses, one per line.",
                optional=True,
            ),
            _input(
                "kept_copy",
                "Evidence",
                {"type": "checkboxes", "options": _options("I have kept a copy")},
                hint="Keep a copy before anything is deleted, unless it may be illegal material.",
                optional=True,
            ),
            _input(
                "safeguarding",
                "Safeguarding",
                {"type": "checkboxes", "options": _options("This may involve illegal material or a child at risk")},
                hint="Ticking this alerts the designated safeguarding lead at once.",
                optional=True,
            ),
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": ":warning: Never copy, save or forward material "
                    "that may be illegal: tell the safeguarding lead at once.",
                },
            },
        ],
    }


def create_app(token: str, signing_secret: str, api_url: str | None) -> App:
    client = WebClient(token=token, base_url=api_url) if api_url else WebClient(token=token)
    app = App(client=client, signing_secret=signing_secret)

    @app.command("/report-concern")
    def open_form(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=modal())

    @app.action("concern_acknowledge")
    def acknowledge(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        channel = body["container"]["channel_id"]
        ts = body["container"]["message_ts"]
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": f"*Acknowledged* by <@{body['user']['id']}>"}}]
        client.chat_update(channel=channel, ts=ts, text="Concern acknowledged", blocks=blocks)
        client.chat_postMessage(channel=body["user"]["id"], text="Your concern has been acknowledged.")

    @app.view("report_concern")
    def submitted(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """The same Slack-visible work as policybot's submission: the form replaced, the post, the receipt."""
        view_id = body["view"]["id"]
        ack(response_action="update", view={"type": "modal", "title": _text("Concern received"), "blocks": []})
        client.chat_postMessage(channel=os.environ.get("BARE_CHANNEL", "CLEADERS1"), text=f"Concern {view_id}")
        client.chat_postMessage(channel=body["user"]["id"], text=f"Your concern {view_id} has reached us.")

    return app


def wsgi_app(app: App) -> Callable[..., Iterable[bytes]]:
    slack = SlackRequestHandler(app, path="/slack/events")

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok\n"]
        return slack(environ, start_response)

    return application


def build() -> Callable[..., Iterable[bytes]]:
    """The WSGI app, from SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_API_URL (gunicorn's app factory)."""
    return wsgi_app(
        create_app(os.environ["SLACK_BOT_TOKEN"], os.environ["SLACK_SIGNING_SECRET"], os.environ.get("SLACK_API_URL"))
    )
