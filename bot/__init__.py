"""The Slack edge: configuration, the Bolt app, listeners, Block Kit views and the command line."""
