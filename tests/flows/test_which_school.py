"""Which school an event belongs to, rule by rule: the workspace, the organisation, the channel a button sits in, the
person's own school, the choice of someone in two, and nobody."""

from __future__ import annotations

from flows.which_school import NOT_NAMED, NOT_OURS, Arrival, Choose, Nobody, One, Place, which_school

NORTH = Place(1, "north", "North Academy", "T1", "GNORTH", frozenset({"UN1", "UPERI", "ULEADN"}))
SOUTH = Place(2, "south", "South Primary", "T1", "GSOUTH", frozenset({"US1", "UPERI"}))
EAST = Place(3, "east", "East School", "T2", "GEAST", frozenset({"UE1"}))
GRID = Place(4, "grid", "Grid College", "E9", "GGRID", frozenset({"UG1"}))
TRUST = (NORTH, SOUTH, EAST, GRID)


def test_a_workspace_of_its_own_is_its_school_whoever_asks() -> None:
    assert which_school(TRUST, Arrival("T2", user_id="USTRANGER")) == One(EAST)


def test_an_org_wide_install_finds_the_school_by_its_organisation() -> None:
    assert which_school(TRUST, Arrival("T77", enterprise_id="E9", user_id="UG1")) == One(GRID)


def test_a_workspace_in_an_organisation_is_found_by_its_own_id_first() -> None:
    # Every event under an org-wide install names the organisation: a school keyed by its workspace is still found.
    assert which_school(TRUST, Arrival("T2", enterprise_id="E7", user_id="UE1")) == One(EAST)
    assert which_school(TRUST, Arrival("T2", enterprise_id="E9", user_id="UE1")) == One(EAST)


def test_in_a_shared_workspace_the_leadership_channel_decides_then_the_person() -> None:
    assert which_school(TRUST, Arrival("T1", channel_id="GSOUTH", user_id="ULEADN")) == One(SOUTH)
    assert which_school(TRUST, Arrival("T1", channel_id="D123", user_id="UN1")) == One(NORTH)
    assert which_school(TRUST, Arrival("T1", user_id="US1")) == One(SOUTH)


def test_someone_in_two_schools_chooses_and_their_choice_is_kept_to_their_own_schools() -> None:
    assert which_school(TRUST, Arrival("T1", user_id="UPERI")) == Choose((NORTH, SOUTH))
    assert which_school(TRUST, Arrival("T1", user_id="UPERI", chosen="south")) == One(SOUTH)
    assert which_school(TRUST, Arrival("T1", user_id="UN1", chosen="south")) == One(NORTH)  # not theirs: ignored


def test_nobody_when_the_workspace_or_the_person_is_unknown() -> None:
    assert which_school(TRUST, Arrival("T9", user_id="UN1")) == Nobody(NOT_OURS)
    assert which_school(TRUST, Arrival("T1", user_id="USTRANGER")) == Nobody(NOT_NAMED)
    assert which_school(TRUST, Arrival(None, user_id="UN1")) == Nobody(NOT_OURS)


def test_the_school_run_from_the_settings_takes_every_event() -> None:
    alone = Place(1, "school", "", None, None, frozenset())
    assert which_school((alone,), Arrival("T9", user_id="UANYONE")) == One(alone)
