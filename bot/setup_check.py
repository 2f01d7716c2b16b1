"""policybot check: what is wrong with the Slack set-up, one line each (empty when all is well)."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config import Settings

SCOPE_HINT = "add the scopes in manifest.yml and reinstall the app"


def problems(settings: Settings, client: WebClient) -> list[str]:
    try:
        client.auth_test()
    except SlackApiError as error:
        return [f"SLACK_BOT_TOKEN is not accepted by Slack ({error.response.get('error')})"]
    except (SlackClientError, OSError) as error:
        return [f"Slack could not be reached ({type(error).__name__}); check the network or SLACK_API_URL"]
    channel_id = settings.leadership_channel_id
    try:
        channel = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as error:
        code = error.response.get("error")
        if code == "channel_not_found":
            return [f"LEADERSHIP_CHANNEL_ID {channel_id}: no such channel, or the bot cannot see it (invite it)"]
        if code == "missing_scope":
            return [f"the bot lacks the scope to read channels ({error.response.get('needed')}): {SCOPE_HINT}"]
        return [f"LEADERSHIP_CHANNEL_ID {channel_id}: Slack said {code}"]
    except (SlackClientError, OSError) as error:
        return [f"Slack could not be reached ({type(error).__name__}); check the network or SLACK_API_URL"]
    found = []
    if not channel.get("is_private"):
        found.append(f"LEADERSHIP_CHANNEL_ID {channel_id} is a public channel: concerns go only to a private channel")
    if not channel.get("is_member"):
        found.append(f"the bot is not a member of {channel_id}: type /invite @policybot in that channel")
    return found
