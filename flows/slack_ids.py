"""What a Slack id looks like, for checking settings and the trust's schools file before Slack is asked."""

from __future__ import annotations

import re

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
USERGROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
TEAM_ID = re.compile(r"^[TE][A-Z0-9]{2,}$")  # a workspace (T), or an Enterprise Grid organisation (E)
