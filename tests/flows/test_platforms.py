"""The school's platforms as data, and Appendix A's advice fitted to a concern. Plain pytest, no Slack."""

from __future__ import annotations

import pytest

from flows.platforms import OTHER, PlatformsError, advice, default_platforms, parse
from flows.taxonomy import Area, Role

PLATFORMS = default_platforms()


def test_a_colleagues_post_about_a_parent_gets_no_advice_meant_for_children() -> None:
    lines = advice(PLATFORMS, "facebook", Area.CONTENT, frozenset({Role.STAFF, Role.PARENT_CARER}))
    assert any("Keep a copy" in line for line in lines)
    assert any("community standards" in line for line in lines)  # Facebook's own
    assert not [line for line in lines if "CEOP" in line or "under 13" in line]


def test_a_pupil_involved_brings_ceop_and_the_platforms_advice_for_children() -> None:
    lines = advice(PLATFORMS, "facebook", Area.CONTENT, frozenset({Role.PUPIL}))
    assert any("CEOP" in line for line in lines) and any("under 13" in line for line in lines)
    assert not [line for line in advice(PLATFORMS, "tiktok", Area.CONTENT, frozenset({Role.PUPIL})) if "13" in line]


def test_contact_is_not_a_post_so_the_advice_says_so() -> None:
    contact = advice(PLATFORMS, OTHER, Area.CONTACT, frozenset({Role.PUBLIC}))
    content = advice(PLATFORMS, OTHER, Area.CONTENT, frozenset({Role.PUBLIC}))
    assert any("made the contact" in line for line in contact) and not any("who posted" in line for line in contact)
    assert any("who posted" in line for line in content)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[[platform]]\nkey = 'Face Book'\nlabel = 'x'", "key must be"),
        ("[[platform]]\nkey = 'other'\nlabel = 'x'", "is taken"),
        ("[[platform]]\nkey = 'a'\nlabel = 'A'\n[[platform]]\nkey = 'a'\nlabel = 'B'", "is taken"),
        ("[[platform]]\nkey = 'a'", "a label is required"),
        ("[[platform]]\nkey = 'a'\nlabel = 'A'\noffered = false", "offer at least one"),
        ("[[platform", "not valid TOML"),
    ],
)
def test_a_platforms_file_that_cannot_be_used_says_why(text: str, problem: str) -> None:
    with pytest.raises(PlatformsError, match=problem):
        parse(text)


def test_a_schools_own_list_keeps_its_order_and_other_comes_last() -> None:
    mine = parse("[[platform]]\nkey = 'vle'\nlabel = 'Our learning platform'\n[[platform]]\nkey = 'x'\nlabel = 'X'")
    assert [p.key for p in mine.offered()] == ["vle", "x", OTHER]
    assert mine.label("gone_now") == "Gone now"  # a platform since removed still reads as words
