"""`policybot schools import FILE` and `schools list` as a trust's IT lead meets them: idempotent, a school missing
from the file reported and kept with its records, the school run from the settings handed over only when asked, and
every mistake one line; then the record commands ask which school."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection, func, select

from sandbox.slack import LocalSlack
from storage import school_import
from storage.db import make_engine, reading, transaction
from storage.models import Concern
from storage.outbox import OutboxStore
from storage.outbox_messages import Message
from storage.schools import for_key
from storage.tenancy import school_of
from storage.tenants import SchoolMember, SchoolRow
from tests.bot.conftest import Run
from tests.conftest import NOW, ROOT, base_environment, bot_environment, school_engine
from tests.storage.helpers import a_concern

EXAMPLE = ROOT / "examples" / "schools.toml"


def env(url: str) -> dict[str, str]:
    return base_environment(DATABASE_URL=url)


def test_import_is_idempotent_and_says_what_changed(database: str, tmp_path: Path, run: Run) -> None:
    first = run("schools", "import", str(EXAMPLE), env=env(database))
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "north: added (North Academy; 7 people or groups named by role)",
        "south: added (South Primary; 5 people or groups named by role)",
    ]
    again = run("schools", "import", str(EXAMPLE), env=env(database))
    assert again.stdout.splitlines() == ["north: unchanged", "south: unchanged"]

    changed = tmp_path / "schools.toml"
    text = EXAMPLE.read_text().replace('leaders = ["ULEADS"]', 'leaders = ["ULEADS2", "ULEADS3"]')
    changed.write_text(text.split('[[school]]\nkey = "north"')[0] + "[[school]]" + text.split("[[school]]")[2])
    done = run("schools", "import", str(changed), env=env(database))
    assert done.stdout.splitlines() == [
        "south: updated (2 added, 1 removed)",
        "north: not in the file: kept as it was, with its records",
    ]
    engine = make_engine(database)
    with reading(engine) as session:
        leaders = session.scalars(select(SchoolMember.slack_id).where(SchoolMember.role == "leader")).all()
    assert sorted(leaders) == ["ULEADN", "ULEADS2", "ULEADS3"]  # north's people are north's still
    listed = run("schools", "list", env=env(database))
    assert listed.stdout.splitlines() == [
        "north: North Academy (workspace T0TEST, leadership channel GNORTH, Europe/London; 7 people or groups named "
        "by role)",
        "south: South Primary (workspace T0TEST, leadership channel GSOUTH, Europe/London; 6 people or groups named "
        "by role)",
    ]


def test_a_new_name_alone_or_one_more_person_alone_is_an_update(database: str, tmp_path: Path, run: Run) -> None:
    run("schools", "import", str(EXAMPLE), env=env(database))
    changed = tmp_path / "schools.toml"
    changed.write_text(EXAMPLE.read_text().replace('"North Academy"', '"North Academy of the Lights"'))
    renamed = run("schools", "import", str(changed), env=env(database))
    assert renamed.stdout.splitlines() == ["north: updated (0 added, 0 removed)", "south: unchanged"]
    changed.write_text(changed.read_text().replace('governors = ["UGOVN"]', 'governors = ["UGOVN", "UGOVN2"]'))
    one_more = run("schools", "import", str(changed), env=env(database))
    assert one_more.stdout.splitlines() == ["north: updated (1 added, 0 removed)", "south: unchanged"]
    assert run("schools", "list", env=env(database)).stdout.startswith("north: North Academy of the Lights (")


def test_the_school_run_from_the_settings_is_handed_over_only_when_asked(database: str, run: Run) -> None:
    a_concern(school_engine(database))
    refused = run("schools", "import", str(EXAMPLE), env=env(database))
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr == (
        "policybot: schools file: this database holds the records of the school run from the settings: say which "
        "school of the file it is with --adopt KEY (its records become that school's)\n"
    )
    assert run("schools", "list", env=env(database)).stdout.startswith("school: the one school run from the settings")
    elsewhere = run("schools", "import", str(EXAMPLE), "--adopt", "east", env=env(database))
    assert (elsewhere.returncode, elsewhere.stdout) == (2, "")
    assert elsewhere.stderr == "policybot: schools file: --adopt east: the file has no school with that key\n"

    adopted = run("schools", "import", str(EXAMPLE), "--adopt", "south", env=env(database))
    assert adopted.returncode == 0, adopted.stderr
    assert (
        adopted.stdout.splitlines()[0] == "south: the school run from the settings until now; its records are south's"
    )
    engine = make_engine(database)
    with reading(for_key(engine, "south")) as session:
        assert session.scalar(select(func.count()).select_from(Concern)) == 1
    with reading(for_key(engine, "north")) as session:
        assert session.scalar(select(func.count()).select_from(Concern)) == 0


def test_the_school_run_from_the_settings_is_never_merged_into_a_school_stored_already(database: str, run: Run) -> None:
    with transaction(make_engine(database)) as session:  # a database put together by hand, or restored from elsewhere
        session.add(SchoolRow(key="south", name="South Primary"))
    a_concern(school_engine(database))
    refused = run("schools", "import", str(EXAMPLE), "--adopt", "south", env=env(database))
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == (
        "policybot: schools file: --adopt south: that school is stored already, with records of its own\n"
    )


def test_a_message_the_school_run_from_the_settings_has_still_to_send_keeps_it_from_giving_way(
    database: str, run: Run
) -> None:
    OutboxStore(school_engine(database)).put([Message("reply:waiting", None, "UN1", "hello")], NOW)  # no record
    refused = run("schools", "import", str(EXAMPLE), env=env(database))
    assert (refused.returncode, refused.stdout) == (2, "")
    assert "this database holds the records of the school run from the settings" in refused.stderr
    assert run("schools", "list", env=env(database)).stdout.startswith("school: the one school run from the settings")


def test_the_record_commands_ask_which_school(database: str, run: Run) -> None:
    run("schools", "import", str(EXAMPLE), env=env(database))
    several = run("export", env=env(database))
    assert (several.returncode, several.stdout) == (2, "")
    assert several.stderr == (
        "policybot: this database holds 2 schools (north, south): choose one with --school KEY, or every school with "
        "--all-schools\n"
    )
    unknown = run("report", "--school", "east", env=env(database))
    assert unknown.stderr == "policybot: no school has the key 'east' here (`policybot schools list` lists them)\n"
    north = run("export", "--school", "north", env=env(database))
    assert north.returncode == 0 and north.stdout.startswith("\ufeffreference,")


def test_every_mistake_in_the_file_is_a_line(database: str, tmp_path: Path, run: Run) -> None:
    broken = tmp_path / "schools.toml"
    broken.write_text(EXAMPLE.read_text().replace('"GSOUTH"', '"south-channel"').replace('"UHEADN"', '"head"'))
    found = run("schools", "import", str(broken), env=env(database))
    assert found.returncode == 2 and found.stdout == ""
    assert found.stderr.splitlines() == [
        "policybot: schools file: school 1 (north): headteacher 'head': expected a user id such as U0123ABCD",
        "policybot: schools file: school 2 (south): leadership_channel 'south-channel': expected a channel id such as "
        "G0123ABCD (the school's private leadership channel)",
    ]
    missing = run("schools", "import", str(tmp_path / "nothing.toml"), env=env(database))
    assert (
        missing.stderr == f"policybot: schools file: {tmp_path / 'nothing.toml'}: cannot be read (FileNotFoundError)\n"
    )
    assert (
        run("schools", "import", env=env(database)).stderr == "policybot: schools import FILE: name the schools file\n"
    )
    assert run("schools", "list", env=env(database)).stdout.startswith("school: ")  # nothing was stored


def test_check_looks_at_every_schools_channel_and_people_and_says_the_one_schools_settings_are_unused(
    fake_slack: LocalSlack, database: str, run: Run
) -> None:
    run("schools", "import", str(EXAMPLE), env=env(database))
    check = run("check", env=bot_environment(fake_slack, database))
    lines = check.stdout.splitlines()
    assert check.returncode == 1
    assert lines[0] == (
        "problem: LEADERSHIP_CHANNEL_ID, LEADERSHIP_USER_IDS, SAFEGUARDING_LEAD_IDS, HEADTEACHER_ID, "
        "CHAIR_OF_GOVERNORS_ID, GOVERNOR_USER_IDS: set, but not used: the trust's schools file names each school's "
        "channel and people (remove them from the settings)"
    )
    assert (
        "problem: school north's leadership_channel GNORTH: no such channel, or the bot cannot see it (invite it)"
        in lines
    )
    assert (
        "problem: school south's leadership_channel GSOUTH: no such channel, or the bot cannot see it (invite it)"
        in lines
    )
    assert "problem: school north's headteacher UHEADN: nobody with that id in this workspace" in lines
    assert not any("CLEADERS1" in line for line in lines)  # the one school's channel is not looked at


def test_serve_without_the_one_schools_settings_when_a_schools_file_names_the_schools(
    fake_slack: LocalSlack, database: str, tmp_path: Path, run: Run
) -> None:
    one_school = ("LEADERSHIP_CHANNEL_ID", "LEADERSHIP_USER_IDS", "SAFEGUARDING_LEAD_IDS", "HEADTEACHER_ID")
    settings = {k: v for k, v in bot_environment(fake_slack, database).items() if not k.startswith(one_school)}
    settings = {k: v for k, v in settings.items() if k not in ("CHAIR_OF_GOVERNORS_ID", "GOVERNOR_USER_IDS")}
    broken = tmp_path / "schools.toml"
    broken.write_text(EXAMPLE.read_text().replace('team_id = "T0TEST"', 'team_id = "nowhere"', 1))
    served = run("serve", "--http", env={**settings, "SCHOOLS_FILE": str(broken)})
    assert (served.returncode, served.stdout) == (2, "")
    assert served.stderr == (
        "policybot: schools file: school 1 (north): team_id 'nowhere': expected a workspace id such as T0123ABCD\n"
    )
    checked = run("check", env={**settings, "SCHOOLS_FILE": str(EXAMPLE)})
    assert "configuration problem" not in checked.stderr and "set, but not used" not in checked.stdout
    assert "problem: school north's leadership_channel GNORTH: no such channel" in checked.stdout


def test_status_counts_every_schools_messages_and_a_rollback_never_mixes_the_schools(database: str, run: Run) -> None:
    from storage.outbox import OutboxStore
    from storage.outbox_messages import Message
    from tests.conftest import NOW

    run("schools", "import", str(EXAMPLE), env=env(database))
    engine = make_engine(database)
    for key, person in (("north", "UN1"), ("south", "ULEADS")):
        OutboxStore(for_key(engine, key)).put([Message(f"reply:{key}", None, person, "hello")], NOW)
    status = run("status", env=env(database))
    assert (
        status.stdout.startswith("unhealthy: a message has waited") and "2 messages waiting to be sent" in status.stdout
    )
    back = run("db", "downgrade", "0011", env=env(database))
    assert (back.returncode, back.stdout) == (4, "")
    assert back.stderr == (
        "policybot: database schema: this database holds a trust's schools (north, south), and the schema before "
        "0012 holds one school's records only: a rollback would mix them. Restore the backup taken before the "
        "schools were imported instead\n"
    )


def test_a_school_the_bot_ran_for_without_a_record_gives_way_to_the_file(
    database: str, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage.policy import adopt_setting

    ran = school_engine(database)
    adopt_setting(ran, "2015-03", NOW)  # what every start of the bot keeps, record or none
    outbox = OutboxStore(ran)
    outbox.put([Message("reply:sent", None, "UN1", "hello")], NOW)  # and a message it sent: nothing waits
    sent = outbox.target("reply:sent")
    assert sent is not None and outbox.sent(sent, "D1", "1.1", NOW)
    cleared_as: list[int] = []

    def act_as(connection: Connection, school: int) -> None:  # on PostgreSQL, what row-level security lets through
        cleared_as.append(school)
        real_act_as(connection, school)

    real_act_as = school_import.act_as
    monkeypatch.setattr(school_import, "act_as", act_as)
    done = run("schools", "import", str(EXAMPLE), env=env(database))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "north: added (North Academy; 7 people or groups named by role)"
    assert not run("schools", "list", env=env(database)).stdout.startswith("school: ")
    assert cleared_as == [school_of(ran)]  # what it kept (its policy version, its sent message) deleted as its own


def test_a_schools_own_calendar_is_stored_and_a_change_to_it_is_an_update(
    database: str, tmp_path: Path, run: Run
) -> None:
    from datetime import date

    from storage.schools import described

    run("schools", "import", str(EXAMPLE), env=env(database))
    south = dict((s.key, s) for _, s in described(make_engine(database)))["south"]
    assert (south.working_hours, south.closures, south.policy_review_date) == (
        "Mon-Fri 07:30-17:00",
        ("2026-12-18 to 2027-01-04", "2027-01-05"),
        date(2027, 3, 1),
    )
    changed = tmp_path / "schools.toml"
    changed.write_text(EXAMPLE.read_text().replace('"2027-01-05"]', '"2027-01-06"]'))
    again = run("schools", "import", str(changed), env=env(database))
    assert again.stdout.splitlines() == ["south: updated (0 added, 0 removed)", "north: unchanged"]


def test_retention_is_for_one_school_named_with_school(fake_slack: LocalSlack, database: str, run: Run) -> None:
    run("schools", "import", str(EXAMPLE), env=env(database))
    settings = bot_environment(fake_slack, database)
    unnamed = run("retention", env=settings)
    assert (unnamed.returncode, unnamed.stdout) == (2, "")
    assert unnamed.stderr == "policybot: this database holds 2 schools (north, south): choose one with --school KEY\n"
    south = run("retention", "--school", "south", env=settings)
    assert south.returncode == 0 and south.stdout.startswith("Retention periods"), south.stderr
    unknown = run("retention", "--school", "west", env=settings)
    assert unknown.stderr == "policybot: no school has the key 'west' here (`policybot schools list` lists them)\n"


def test_a_schools_file_school_keyed_school_can_take_over_the_settings_records(
    database: str, tmp_path: Path, run: Run
) -> None:
    a_concern(school_engine(database))
    keyed = tmp_path / "schools.toml"
    keyed.write_text(EXAMPLE.read_text().replace('key = "north"', 'key = "school"', 1))
    adopted = run("schools", "import", str(keyed), "--adopt", "school", env=env(database))
    assert adopted.returncode == 0, adopted.stderr
    with reading(for_key(make_engine(database), "school")) as session:
        assert session.scalar(select(func.count()).select_from(Concern)) == 1
    assert run("schools", "list", env=env(database)).stdout.startswith("school: North Academy (")


def test_a_school_may_have_its_own_contact_rules_read_from_a_file_beside_the_schools_file(
    database: str, tmp_path: Path, run: Run
) -> None:
    from bot.config import Settings
    from flows.contact import default_rules, parse_rules
    from storage.schools import described

    own = (ROOT / "flows" / "contact_rules.toml").read_text().replace('id = "any-doubt"', 'id = "south-doubt"', 1)
    (tmp_path / "south-rules.toml").write_text(own)
    schools = tmp_path / "schools.toml"
    schools.write_text(EXAMPLE.read_text() + 'contact_rules_file = "south-rules.toml"\n')
    assert run("schools", "import", str(schools), env=env(database)).returncode == 0
    north, south = (school for _, school in described(make_engine(database)))
    assert (north.contact_rules, south.contact_rules) == (None, own)
    settings = Settings(database_url=database)
    assert settings.for_school(south).contact_rules == parse_rules(own) != default_rules()
    assert settings.for_school(north).contact_rules == settings.contact_rules

    (tmp_path / "south-rules.toml").write_text("[fallback\n")
    broken = run("schools", "import", str(schools), env=env(database))
    assert (broken.returncode, broken.stdout) == (2, "")
    assert broken.stderr.startswith(
        "policybot: schools file: school 2 (south): contact_rules_file 'south-rules.toml': not usable: not valid TOML"
    )
    (tmp_path / "south-rules.toml").unlink()
    gone = run("schools", "import", str(schools), env=env(database))
    assert gone.stderr == (
        "policybot: schools file: school 2 (south): contact_rules_file 'south-rules.toml': cannot be read "
        "(FileNotFoundError)\n"
    )
