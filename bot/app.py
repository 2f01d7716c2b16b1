"""create_app(): the Bolt app with every listener registered and one error handler that never leaks text."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from slack_bolt import App

from bot.deps import Deps
from bot.listeners import contacts, declarations, leadership, report, review

log = logging.getLogger(__name__)


class _TokenNotice(logging.Filter):
    """Bolt warns that the token is unused whenever SLACK_BOT_TOKEN is set and a client is given; we give the client
    (with our base URL and retry handlers) on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "token` will be unused" not in record.getMessage()


# Bolt gives each of its parts a logger with this one's level. At INFO it would log a whole request body whenever a
# signature check fails (what staff typed, if the request was a report): Bolt says only warnings and errors.
_bolt_log = logging.getLogger("slack_bolt.policybot")
_bolt_log.setLevel(logging.WARNING)
_bolt_log.addFilter(_TokenNotice())


def create_app(deps: Deps, **bolt_options: Any) -> App:
    bolt_options.setdefault("logger", _bolt_log)
    app = App(client=deps.client, signing_secret=deps.settings.slack_signing_secret, **bolt_options)
    report.register(app, deps)
    leadership.register(app, deps)
    contacts.register(app, deps)
    declarations.register(app, deps)
    review.register(app, deps)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        # Exception messages can quote what staff typed (SQL parameters, payloads): log the type and place only.
        where = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
        place = f"{where.filename}:{where.lineno}" if where else "?"
        log.error("unhandled %s at %s (request type %s)", type(error).__name__, place, body.get("type"))

    return app
