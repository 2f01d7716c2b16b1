"""create_app(): the Bolt app with every listener registered and one error handler that never leaks text."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.campus import Campus
from bot.config import Settings
from bot.deps import Deps
from bot.installs import installation_store, state_store
from bot.listeners import contacts, declarations, home, leadership, report, retention, review, schools
from bot.listeners.guard import tell_if_waiting, where_raised
from bot.payload import kind
from bot.setup_check import REQUIRED_SCOPES

log = logging.getLogger(__name__)


class _TokenNotice(logging.Filter):
    """Bolt warns that the token is unused whenever SLACK_BOT_TOKEN is set and a client is given; we give the client
    (with our base URL and retry handlers) on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return "token` will be unused" not in message and "will be ignored" not in message


# Bolt gives each of its parts a logger with this one's level. At INFO it would log a whole request body whenever a
# signature check fails (what staff typed, if the request was a report): Bolt says only warnings and errors.
_bolt_log = logging.getLogger("slack_bolt.policybot")
_bolt_log.setLevel(logging.WARNING)
_bolt_log.addFilter(_TokenNotice())


NOT_INSTALLED = (
    "policybot is not installed in this Slack workspace (or was removed from it), so nothing was done or saved. "
    "Please ask whoever looks after policybot to install it again."
)


def create_app(deps: Deps | Campus, **bolt_options: Any) -> App:
    """`deps`: one school's, or a Campus of a trust's schools (each request then finds its school's)."""
    bolt_options.setdefault("logger", _bolt_log)
    # A request no listener takes (a link button, a view closed) reaches on_error below instead of Bolt's warning,
    # which would log the request's body.
    bolt_options.setdefault("raise_error_for_unhandled_request", True)
    # Each listener answers Slack on the request's thread; clicks, commands and events then do their work on the
    # bot's own threads (bot.listeners.guard.Wiring).
    bolt_options.setdefault("process_before_response", True)
    first = deps.first if isinstance(deps, Campus) else deps
    if first.settings.oauth:
        bolt_options.setdefault("oauth_settings", oauth_settings(first.settings, first.engine))
        bolt_options.setdefault("user_facing_authorize_error_message", NOT_INSTALLED)
    app = App(client=first.client, signing_secret=first.settings.slack_signing_secret, **bolt_options)
    if first.settings.oauth:
        app.enable_token_revocation_listeners()  # an uninstalled workspace's install is deleted
    report.register(app, deps)
    leadership.register(app, deps)
    contacts.register(app, deps)
    declarations.register(app, deps)
    review.register(app, deps)
    retention.register(app, deps)
    home.register(app, deps)
    schools.register(app, deps)
    app.error(on_error)
    return app


def oauth_settings(settings: Settings, engine: Engine) -> OAuthSettings:
    """Slack's OAuth flow, Bolt's own: /slack/install begins it, /slack/oauth_redirect stores the workspace's install
    (slack_sdk's SQLAlchemy stores, bot.installs); tokens that Slack rotates are renewed before they expire."""
    assert settings.slack_client_id and settings.slack_client_secret
    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=sorted(REQUIRED_SCOPES),
        installation_store=installation_store(engine, settings.slack_client_id),
        state_store=state_store(engine),
    )


def on_error(
    error: Exception, body: dict[str, Any], response: BoltResponse | None, client: WebClient
) -> BoltResponse | None:
    """What Bolt could not hand to a guarded listener: a request nobody listens for, or a body whose shape Bolt's own
    matching trips over. One line with the request's type (an exception's message can quote what staff typed), the
    person who is waiting told privately, and a 200: Slack would only retry a request that can never succeed."""
    if isinstance(error, BoltUnhandledRequestError):
        log.info("%s: no listener for it", kind(body))
    else:
        log.error("%s: unhandled %s at %s", kind(body), type(error).__name__, where_raised(error))
    tell_if_waiting(client, body)
    # Bolt passes no response when the listener had acknowledged already; then there is nothing to replace.
    return BoltResponse(status=200, body="") if response is not None else None
