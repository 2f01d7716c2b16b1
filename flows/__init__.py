"""The domain: the policy as plain data and decisions, with no Slack and no database."""
