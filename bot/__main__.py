"""python -m bot: the same as the policybot command."""

from bot.cli import entry_point

entry_point()
