"""The sandbox: policybot against a local Slack, in a browser page, with no Slack workspace (`policybot sandbox`).

It reaches the bot only as Slack does, over HTTP; the bot knows nothing of it beyond the Web API base URL it is given.
"""
