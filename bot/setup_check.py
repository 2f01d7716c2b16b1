"""policybot check: what is wrong with the set-up, one line each (empty when all is well). `problems` is what
`serve` checks before it starts (the token, the private leadership channel); `everything` is `check`: those, and
the database (reached, its schema), the scopes the installed app was granted against manifest.yml's, and that
every configured person is in the workspace."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from flows.schools import School
from flows.slack_ids import USERGROUP_ID

SCOPE_HINT = "add the scopes in manifest.yml and reinstall the app"
# The bot scopes manifest.yml asks for (tests/bot/test_setup_check.py keeps the two the same).
REQUIRED_SCOPES = frozenset(
    {
        "commands",
        "chat:write",
        "groups:read",
        "channels:read",
        "usergroups:read",
        "files:write",
        "users:read",
        "groups:history",
        "im:history",
        "im:write",
    }
)
UNREACHABLE = "Slack could not be reached ({}); check the network or SLACK_API_URL"


def database_problem(error: SQLAlchemyError) -> str:
    """One line: the driver's own first line (never the statement or its parameters) and what to do."""
    cause = getattr(error, "orig", None) or error
    first = (str(cause).strip().splitlines() or [type(cause).__name__])[0][:200]
    if "no such table" in first or "does not exist" in first and "relation" in first:
        return f"{first}: run `policybot db upgrade` first"
    return f"{first} (check DATABASE_URL)"


# Slack's answers that say it is unwell, not that the set-up is wrong: like no answer at all.
UNWELL = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})


def _unwell(error: SlackApiError) -> bool:
    return error.response.status_code != 200 or error.response.get("error") in UNWELL


def problems(settings: Settings, client: WebClient, schools: Sequence[School] = ()) -> list[str]:
    """The token, and the leadership channel: the one school's, or each of a trust's `schools`. Installed through
    Slack's OAuth flow, there is no token to check until a workspace installs policybot (`everything` says which)."""
    if settings.oauth and not settings.slack_bot_token:
        return []
    try:
        client.auth_test()
    except SlackApiError as error:
        if _unwell(error):
            return [UNREACHABLE.format(f"Slack answered {error.response.status_code} {error.response.get('error')}")]
        return [f"SLACK_BOT_TOKEN is not accepted by Slack ({error.response.get('error')})"]
    except (SlackClientError, OSError) as error:
        return [UNREACHABLE.format(type(error).__name__)]
    channels = [(f"school {s.key}'s leadership_channel", s.leadership_channel) for s in schools] or [
        ("LEADERSHIP_CHANNEL_ID", settings.leadership_channel_id)
    ]
    found: list[str] = []
    for name, channel_id in channels:
        found += channel_problems(client, name, channel_id)
        if found and found[-1].startswith("Slack could not"):
            return found[-1:]
    return found


def channel_problems(client: WebClient, name: str, channel_id: str) -> list[str]:
    """The leadership channel `name` (a setting, or a school's field) names: there, private, the bot in it."""
    try:
        channel = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as error:
        code = error.response.get("error")
        if _unwell(error):
            return [UNREACHABLE.format(f"Slack answered {error.response.status_code} {code}")]
        if code == "channel_not_found":
            return [f"{name} {channel_id}: no such channel, or the bot cannot see it (invite it)"]
        if code == "missing_scope":
            return [f"the bot lacks the scope to read channels ({error.response.get('needed')}): {SCOPE_HINT}"]
        return [f"{name} {channel_id}: Slack said {code}"]
    except (SlackClientError, OSError) as error:
        return [UNREACHABLE.format(type(error).__name__)]
    found = []
    if not channel.get("is_private"):
        found.append(f"{name} {channel_id} is a public channel: concerns go only to a private channel")
    if not channel.get("is_member"):
        found.append(f"the bot is not a member of {channel_id}: type /invite @policybot in that channel")
    return found


def everything(settings: Settings, client: WebClient, schools: Sequence[School] = ()) -> list[str]:
    found = database_problems(settings.database_url)
    if settings.unused:
        found.append(
            f"{', '.join(settings.unused)}: set, but not used: the trust's schools file names each school's channel "
            "and people (remove them from the settings)"
        )
    if settings.oauth:
        return found + install_problems(settings, schools)
    slack = problems(settings, client, schools)
    if slack and (slack[0].startswith("SLACK_BOT_TOKEN") or slack[0].startswith("Slack could not")):
        return found + slack  # nothing more can be asked of Slack
    return found + slack + scope_problems(client) + people_problems(settings, client, schools)


def install_problems(settings: Settings, schools: Sequence[School]) -> list[str]:
    """Installed through Slack's OAuth flow: each school's workspace has installed policybot (else how to)."""
    from bot.installs import installation_store, school_install
    from storage.db import make_engine

    assert settings.slack_client_id is not None
    how = "open /slack/install on the bot's address in a browser, signed in to that workspace as an admin"
    engine = make_engine(settings.database_url)
    try:
        store = installation_store(engine, settings.slack_client_id)
        teams = sorted({school.team_id for school in schools})  # OAuth needs a schools file (bot.config)
        missing = [t for t in teams if school_install(store, t) is None]
    except SQLAlchemyError:
        return []  # no schema yet: `serve` makes it; the database's own line says more
    finally:
        engine.dispose()
    return [f"workspace {team}: policybot is not installed there yet: {how}" for team in missing]


def database_problems(url: str) -> list[str]:
    """The database answers, and its schema is one this version knows (a missing one `serve` creates)."""
    from storage.db import current_revision, revisions
    from storage.export import missing_database

    if missing_database(url) is not None:
        return []  # a SQLite file not made yet: `serve` (or `policybot db upgrade`) makes it
    try:
        current = current_revision(url)
    except SQLAlchemyError as error:
        return [f"DATABASE_URL: the database does not answer: {database_problem(error)}"]
    known = revisions(url)
    if current is not None and current not in known:
        return [f"the database schema is at revision {current}, newer than this version knows (up to {known[-1]})"]
    return []


def scope_problems(client: WebClient) -> list[str]:
    """The scopes Slack says the installed app has (auth.test's x-oauth-scopes) against manifest.yml's."""
    try:
        answer = client.auth_test()
    except (SlackClientError, OSError):
        return []  # said already
    headers = {str(k).lower(): v for k, v in (answer.headers or {}).items()}
    granted = headers.get("x-oauth-scopes")
    granted = granted[0] if isinstance(granted, list) and granted else granted
    if not isinstance(granted, str):
        return []  # Slack did not say (an older Slack stand-in): nothing to compare
    missing = sorted(REQUIRED_SCOPES - {scope.strip() for scope in granted.split(",")})
    return [f"the installed app lacks the scopes {', '.join(missing)}: {SCOPE_HINT}"] if missing else []


def people_problems(settings: Settings, client: WebClient, schools: Sequence[School] = ()) -> list[str]:
    """Every person a setting (or a trust's schools file) names is in the workspace and active (users.info)."""
    named = [
        *(("SAFEGUARDING_LEAD_IDS", person) for person in sorted(settings.safeguarding_lead_ids)),
        ("HEADTEACHER_ID", settings.headteacher_id),
        ("CHAIR_OF_GOVERNORS_ID", settings.chair_of_governors_id),
        *(("LEADERSHIP_USER_IDS", person) for person in sorted(settings.leadership_user_ids)),
        *(("GOVERNOR_USER_IDS", person) for person in sorted(settings.governor_user_ids)),
    ]
    named = [(setting, person) for setting, person in named if person]
    for school in schools:
        named += [
            (f"school {school.key}'s {role.value}", person)
            for role, person in sorted(school.members())
            if not USERGROUP_ID.match(person)
        ]
    found = []
    for setting, person in named:
        try:
            user = client.users_info(user=person).get("user") or {}
        except SlackApiError as error:
            code = error.response.get("error")
            if code == "user_not_found":
                found.append(f"{setting} {person}: nobody with that id in this workspace")
                continue
            return found  # missing_scope and the like: the scope check says so
        except (SlackClientError, OSError):
            return found
        if user.get("deleted"):
            found.append(f"{setting} {person}: that person's account has been deactivated")
    return found
