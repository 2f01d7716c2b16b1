"""The trust's schools file, read and checked before anything is stored: the issue's own example reads as written,
and every mistake an IT lead could make is one line naming the school and the field."""

from __future__ import annotations

from datetime import date

import pytest

from flows.schools import School, SchoolsError, parse_trust
from tests.conftest import ROOT

EXAMPLE = (ROOT / "examples" / "schools.toml").read_text()  # the file the README shows an IT lead


def test_the_issues_example_reads_as_written() -> None:
    trust = parse_trust(EXAMPLE)
    assert (trust.name, trust.safeguarding_leads) == ("Northern Lights Trust", frozenset({"UTRUSTDSL"}))
    north, south = trust.schools
    assert north == School(
        key="north",
        name="North Academy",
        team_id="T0TEST",
        leadership_channel="GNORTH",
        headteacher="UHEADN",
        chair="UCHAIRN",
        safeguarding_leads=frozenset({"UDSLN"}),
        staff=frozenset({"UN1", "UN2"}),
        leaders=frozenset({"ULEADN"}),
        governors=frozenset({"UGOVN"}),
    )
    assert (south.staff, south.staff_usergroup, south.governors, south.timezone) == (
        frozenset(),
        "S0SOUTH",
        frozenset(),
        "Europe/London",
    )


def test_a_school_may_have_its_own_calendar_and_one_that_does_not_keeps_the_settings() -> None:
    north, south = parse_trust(EXAMPLE).schools
    assert (north.working_hours, north.closures, north.policy_review_date) == (None, (), None)
    assert south.working_hours == "Mon-Fri 07:30-17:00"
    assert south.closures == ("2026-12-18 to 2027-01-04", "2027-01-05")
    assert south.policy_review_date == date(2027, 3, 1)


def test_the_trust_section_is_optional() -> None:
    north_only = "[[school]]" + EXAMPLE.split("[[school]]")[1]
    trust = parse_trust(north_only)
    assert (
        trust.name is None and trust.safeguarding_leads == frozenset() and [s.key for s in trust.schools] == ["north"]
    )


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (
            ('key = "north"', 'key = "North Academy"'),
            "school 1 (North Academy): key 'North Academy': expected a short name",
        ),
        (
            ('leadership_channel = "GNORTH"', 'leadership_channel = "#leaders"'),
            "school 1 (north): leadership_channel '#leaders': expected a channel id",
        ),
        (
            ('leadership_channel = "GSOUTH"', 'leadership_channel = "GNORTH"'),
            "school 2: leadership_channel 'GNORTH' is school 1's already",
        ),
        (('key = "south"', 'key = "north"'), "school 2: key 'north' is school 1's already"),
        (
            ('headteacher = "UHEADN"', 'headteacher = "Mrs Head"'),
            "school 1 (north): headteacher 'Mrs Head': expected a user id",
        ),
        (('chair = "UCHAIRN"\n', ""), "school 1 (north): chair: missing"),
        (
            ('safeguarding_leads = ["UDSLN"]', "safeguarding_leads = []"),
            "school 1 (north): safeguarding_leads: at least one",
        ),
        (('staff_usergroup = "S0SOUTH"\n', ""), "school 2 (south): staff: a list of user ids, or staff_usergroup"),
        (
            ('team_id = "T0TEST"            #', 'team_id = "north"            #'),
            "school 1 (north): team_id 'north': expected a workspace id",
        ),
        (
            ('timezone = "Europe/London"', 'timezone = "Narnia/Cair"'),
            "school 1 (north): timezone 'Narnia/Cair': expected a name",
        ),
        (('governors = ["UGOVN"]', 'governer = ["UGOVN"]'), "school 1 (north): governer is not a field of a school"),
        (
            ('staff = ["UN1", "UN2"]', 'staff = ["UN1", "mr smith"]'),
            "school 1 (north): staff: 'mr smith': expected user ids",
        ),
        (
            ('safeguarding_leads = ["UTRUSTDSL"]', 'safeguarding_leads = ["someone"]'),
            "trust.safeguarding_leads: 'someone'",
        ),
        (
            ('working_hours = "Mon-Fri 07:30-17:00"', 'working_hours = "weekdays"'),
            "school 2 (south): working_hours 'weekdays': ",
        ),
        (('"2027-01-05"]', '"the fifth"]'), "school 2 (south): closures: "),
        (("closures = [", 'closures = "2027-01-05" #['), "school 2 (south): closures: expected a list"),
        (
            ("policy_review_date = 2027-03-01", 'policy_review_date = "next March"'),
            "school 2 (south): policy_review_date 'next March': expected a date",
        ),
    ],
)
def test_each_mistake_is_one_line_naming_the_school_and_the_field(change: tuple[str, str], line: str) -> None:
    assert change[0] in EXAMPLE
    with pytest.raises(SchoolsError) as wrong:
        parse_trust(EXAMPLE.replace(change[0], change[1], 1))
    assert any(problem.startswith(line) for problem in wrong.value.problems), wrong.value.problems
    assert len(wrong.value.problems) == 1, wrong.value.problems


def test_a_file_that_is_not_toml_or_has_no_school_says_so() -> None:
    with pytest.raises(SchoolsError, match="not a TOML file"):
        parse_trust("[[school]\nkey = ")
    with pytest.raises(SchoolsError, match="no \\[\\[school\\]\\] in the file"):
        parse_trust('[trust]\nname = "Empty"\n')
