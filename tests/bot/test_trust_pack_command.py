"""`policybot report --all-schools`: the trust board's page, each school's figures beside the others' as its own
pack gives them, naming nobody, and no school's small count recoverable with a pencil from the page, or from the page
beside the schools' own packs."""

from __future__ import annotations

import json
import re
from pathlib import Path

from storage.db import make_engine
from storage.schools import for_key
from tests.bot.conftest import Run
from tests.conftest import ROOT, base_environment
from tests.storage.helpers import a_concern

EXAMPLE = ROOT / "examples" / "schools.toml"


def test_the_trust_pack_sets_the_schools_side_by_side_and_hides_a_small_schools_count(
    database: str, tmp_path: Path, run: Run
) -> None:
    env = base_environment(DATABASE_URL=database)
    assert run("schools", "import", str(EXAMPLE), env=env).returncode == 0
    engine = make_engine(database)
    for number in range(12):
        a_concern(for_key(engine, "north"), safeguarding=number < 4)
    for _ in range(2):
        a_concern(for_key(engine, "south"))
    output = tmp_path / "trust.html"
    made = run("report", "--all-schools", "--output", str(output), env=env)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith(f"wrote {output}: the trust's figures for ")
    page = output.read_text()
    assert "North Academy" in page and "South Primary" in page and "SMP-" not in page
    data = json.loads(re.search(r'id="published-figures">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    by_school = {f["where"]["school"]: f["shown"] for f in data["figures"] if f["table"] == "Concerns by school"}
    # each school's count as its own pack gives it; the trust's whole total would give south's 2 away
    assert by_school == {"north": 12, "south": "fewer than 3", "*": "at least 12"}
    north_pack = tmp_path / "north.html"
    assert run("report", "--school", "north", "--output", str(north_pack), env=env).returncode == 0
    assert "Concerns reported: <strong>12</strong>" in north_pack.read_text()
