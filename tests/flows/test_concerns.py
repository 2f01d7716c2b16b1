"""validate(): what a report must hold before it is stored. Plain pytest, no Slack."""

from __future__ import annotations

import pytest

from flows.concerns import DESCRIPTION_MAX, ConcernDraft, format_reference, is_web_link, validate
from flows.platforms import OTHER, OTHER_MAX, default_platforms
from flows.taxonomy import EXAMPLES, Area, Kind, Role

PLATFORMS = default_platforms()


def draft(**overrides: object) -> ConcernDraft:
    fields: dict[str, object] = dict(
        reporter_id="U1",
        area=Area.CONTACT,
        kind=Kind.SEXUAL,
        platform="snapchat",
        roles=frozenset({Role.PUPIL}),
        description="An adult stranger is messaging a Year 7 pupil.",
    )
    fields.update(overrides)
    return ConcernDraft(**fields)  # type: ignore[arg-type]


def test_a_complete_report_has_no_errors() -> None:
    assert validate(draft(), PLATFORMS) == {}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"area": None}, "area"),
        ({"kind": None}, "kind"),
        ({"platform": None}, "platform"),
        ({"roles": frozenset()}, "roles"),
        ({"description": "  \n "}, "description"),
        ({"description": "x" * (DESCRIPTION_MAX + 1)}, "description"),
        ({"names": "n" * 301}, "names"),
        ({"links_text": "www.example.com"}, "links"),
        ({"links_text": "https://e.example/" + "x" * 400}, "links"),
        ({"links_text": "https://ok.example.com\njavascript:alert(1)"}, "links"),
        ({"links_text": "<https://x.example|y>"}, "links"),
        ({"links_text": " ".join(f"https://e.example/{i}" for i in range(11))}, "links"),
    ],
)
def test_each_problem_is_named_on_its_field(overrides: dict[str, object], field: str) -> None:
    errors = validate(draft(**overrides), PLATFORMS)
    assert list(errors) == [field]
    assert errors[field].strip()


def test_links_are_one_per_line_and_must_be_web_addresses() -> None:
    good = draft(links_text="https://www.instagram.com/p/abc\n  http://example.org/x?y=1  ")
    assert validate(good, PLATFORMS) == {}
    assert good.links == ["https://www.instagram.com/p/abc", "http://example.org/x?y=1"]
    assert not is_web_link("https://no-dot")
    assert not is_web_link("ftp://files.example.com")


def test_references_count_within_the_year() -> None:
    assert format_reference(2026, 7) == "SMP-2026-0007"
    assert format_reference(2027, 12345) == "SMP-2027-12345"


def test_the_policy_examples_cover_every_area_and_kind() -> None:
    assert {(a, k) for a in EXAMPLES for k in EXAMPLES[a]} == {(a, k) for a in Area for k in Kind}
    assert "groomed" in EXAMPLES[Area.CONTACT][Kind.SEXUAL]


def test_a_platform_must_be_one_the_school_offers_and_other_says_which() -> None:
    assert validate(draft(platform="vine"), PLATFORMS) == {"platform": "Choose where it happened (or 'Other')."}
    assert validate(draft(platform="myspace"), PLATFORMS).keys() == {"platform"}
    other = {"platform_other": "Say which platform or app (a word or two)."}
    assert validate(draft(platform=OTHER), PLATFORMS) == other
    assert validate(draft(platform=OTHER, platform_other="Mastodon"), PLATFORMS) == {}
    too_long = validate(draft(platform=OTHER, platform_other="m" * (OTHER_MAX + 1)), PLATFORMS)
    assert too_long.keys() == {"platform_other"}
    for key in ("linkedin", "discord", "threads", "roblox", "bereal"):
        assert PLATFORMS.may_choose(key), key
    assert PLATFORMS.label("vine").startswith("Vine") and not PLATFORMS.may_choose("vine")
    assert PLATFORMS.label(OTHER, " Mastodon ") == "Other: Mastodon" and PLATFORMS.offered()[-1].key == OTHER


def test_a_sentence_in_the_links_box_is_not_a_web_link_however_many_words_it_has() -> None:
    sentence = "the post was on her public page yesterday and a screenshot is on my school laptop"
    [problem] = validate(draft(links_text=sentence), PLATFORMS).values()
    assert problem.startswith("'the' is not a web link")
    many = "\n".join(f"https://example.org/{n}" for n in range(11))
    assert validate(draft(links_text=many), PLATFORMS) == {"links": "Give at most 10 links, one per line."}
