"""What the school office runs outside Slack, offered on the sandbox's page: the governors' pack, what is held about
one person (subject access) and what retention will redact. Each is the real command (`policybot report`,
`subject-access`, `retention`) run as the IT lead would run it, against the sandbox's database and clock."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
SCHOOL_KEY = re.compile(r"^[a-z][a-z0-9-]{1,30}$")  # a trust's school (flows/schools.py KEY)
SECONDS = 60


class OfficeError(Exception):
    """The command could not give an answer: said in one line."""


class Office:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env  # the bot's own settings (sandbox.school.bot_environment)

    def document(self, what: str, user: str = "", school: str = "") -> tuple[str, bytes]:
        """(content type, content) of "pack", "subject-access" (for `user`) or "retention", each of a trust's
        `school` (its key); or the trust's "trust-pack"."""
        if school and not SCHOOL_KEY.match(school):
            raise OfficeError("No such school")
        of_school = ["--school", school] if school else []
        with tempfile.TemporaryDirectory(prefix="policybot-office-") as folder:
            if what == "pack":
                written = Path(folder) / "pack.html"
                self._run("report", "-o", str(written), *of_school)
                return "text/html; charset=utf-8", written.read_bytes()
            if what == "subject-access":
                if not USER_ID.match(user):
                    raise OfficeError("Choose who you are from the list")
                base = Path(folder) / "held"
                self._run("subject-access", user, "-o", str(base), *of_school)
                return "text/html; charset=utf-8", base.with_suffix(".html").read_bytes()
            if what == "trust-pack":
                written = Path(folder) / "trust.html"
                self._run("report", "--all-schools", "-o", str(written))
                return "text/html; charset=utf-8", written.read_bytes()
            if what == "retention":
                return "text/plain; charset=utf-8", self._run("retention", *of_school).encode()
        raise OfficeError("No such record")

    def _run(self, *args: str) -> str:
        try:
            done = subprocess.run(
                [sys.executable, "-m", "bot", *args],
                cwd=ROOT,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise OfficeError(f"policybot {args[0]} took longer than {SECONDS} s") from None
        if done.returncode != 0:
            raise OfficeError((done.stderr.strip().splitlines() or [f"policybot {args[0]} failed"])[-1][:300])
        return done.stdout
