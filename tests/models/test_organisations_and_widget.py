"""What an admin may set for organisations (``models/organisations.py``) and the embeddable
widget (``models/widget.py``), without a server: each value normalised, each limit's edge, and
the words of each refusal (the console shows them). The admin API tests drive the same code
over HTTP; these pin it where mutation testing runs (docs/benchmarks.md)."""

from __future__ import annotations

from typing import Any

import pytest

from models import ValidationError
from models.organisations import (
    MAX_DOMAINS,
    Organisation,
    candidate_domains,
    clean_domains,
    clean_name,
    organisation_fields,
)
from models.widget import (
    MAX_GREETING,
    MAX_ORIGINS,
    MAX_TITLE,
    WidgetConfig,
    changed_config,
    parse_origin,
)


def refusal(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(ValidationError) as refused:
        call(*args, **kwargs)
    return str(refused.value)


def test_an_organisations_name_is_its_words_once_spaced_and_at_most_200() -> None:
    assert clean_name("  Acme \n Corp ") == "Acme Corp"
    assert clean_name("A" * 200) == "A" * 200
    assert refusal(clean_name, "A" * 201) == '"name" must be at most 200 characters'
    for empty in (" \t", "", None, 7):
        assert refusal(clean_name, empty) == '"name" must be a non-empty text'


def test_domains_are_read_from_a_list_or_one_text_normalised_and_once() -> None:
    assert clean_domains("Acme.com, @eu.acme.com.  acme.com") == ("acme.com", "eu.acme.com")
    assert clean_domains(["ACME.io", "acme.io"]) == ("acme.io",)
    assert clean_domains(()) == ()
    assert refusal(clean_domains, 42) == '"domains" must be a list of domains'
    assert refusal(clean_domains, {"acme.com": 1}) == '"domains" must be a list of domains'
    assert refusal(clean_domains, ["acme"]) == "'acme' is not a domain (such as acme.com)"
    assert refusal(clean_domains, [None]) == "'None' is not a domain (such as acme.com)"
    assert refusal(clean_domains, ["x" * 100]) == f"{'x' * 60!r} is not a domain (such as acme.com)"
    assert refusal(clean_domains, "gmail.com") == (
        "gmail.com is a free-mail domain: it names no organisation"
    )
    fifty = [f"d{i}.example" for i in range(MAX_DOMAINS)]
    assert len(clean_domains(fifty + fifty[:1])) == MAX_DOMAINS
    assert refusal(clean_domains, [*fifty, "one-more.example"]) == "at most 50 domains"


def test_an_organisations_fields_from_a_body() -> None:
    assert organisation_fields({"name": "Acme", "domains": "acme.com"}, partial=False) == {
        "name": "Acme",
        "domains": ("acme.com",),
    }
    assert organisation_fields({"name": "Acme"}, partial=False) == {"name": "Acme", "domains": ()}
    assert organisation_fields({"domains": ["acme.com"]}, partial=True) == {
        "domains": ("acme.com",)
    }
    assert organisation_fields({}, partial=True) == {}
    assert organisation_fields({"name": " Acme  Ltd"}, partial=True) == {"name": "Acme Ltd"}
    assert refusal(organisation_fields, {}, partial=False) == '"name" must be a non-empty text'
    assert refusal(organisation_fields, {"name": "A", "id": 1, "colour": 2}, partial=True) == (
        "unknown fields: colour, id"
    )
    assert Organisation(3, "Acme", ("acme.com",)).json() == {
        "id": 3,
        "name": "Acme",
        "domains": ["acme.com"],
    }


@pytest.mark.parametrize(
    ("email", "domains"),
    [
        ("ann@eu.west.acme.com", ["eu.west.acme.com", "west.acme.com", "acme.com"]),
        ("ann@ACME.com.", ["acme.com"]),
        ("odd@name@acme.com", ["acme.com"]),
        ("ann@localhost", []),
        ("ann", []),
        (None, []),
    ],
)
def test_the_domains_an_email_may_belong_to(email: str | None, domains: list[str]) -> None:
    assert candidate_domains(email) == domains


@pytest.mark.parametrize(
    ("raw", "origin"),
    [
        (" HTTPS://www.Example.com/ ", "https://www.example.com"),
        ("http://localhost:8080", "http://localhost:8080"),
        ("https://[::1]:8443", "https://[::1]:8443"),
        ("https://shop.example.com:443", "https://shop.example.com:443"),
    ],
)
def test_an_origin_is_kept_as_a_browser_sends_it(raw: str, origin: str) -> None:
    assert parse_origin(raw) == origin


@pytest.mark.parametrize(
    "raw",
    [
        "ftp://example.com", "https://example.com/path", "https://example.com?q=1",
        "https://example.com#top", "https://ann@example.com", "https://example.com:99999",
        "https://exa mple.com", "example.com",
    ],
)  # fmt: skip
def test_anything_else_is_no_origin_and_the_admin_is_told_how_to_write_one(raw: str) -> None:
    assert refusal(parse_origin, raw) == (
        f"{raw!r} is not an origin: write it as https://www.example.com "
        "(scheme and host, an optional :port, no path)"
    )


def test_the_widgets_settings_change_only_as_named_and_within_their_limits() -> None:
    default = WidgetConfig()
    assert changed_config(default, {}) == default
    changed = changed_config(
        default,
        {
            "colour": "#ABCDEF",
            "title": "  Help  ",
            "greeting": "G" * MAX_GREETING,
            "position": "left",
            "ask_email": True,
            "allowed_origins": "https://a.example\n\nhttps://a.example/\nhttps://b.example",
        },
    )
    assert changed == WidgetConfig(
        "#abcdef",
        "Help",
        "G" * MAX_GREETING,
        "left",
        ("https://a.example", "https://b.example"),
        True,
    )
    assert changed.public() == {
        "colour": "#abcdef",
        "title": "Help",
        "greeting": "G" * MAX_GREETING,
        "position": "left",
        "ask_email": True,
    }
    assert changed.admin() == {
        **changed.public(),
        "allowed_origins": ["https://a.example", "https://b.example"],
    }
    assert changed_config(changed, {"title": "T" * MAX_TITLE}).title == "T" * MAX_TITLE
    assert changed_config(changed, {"allowed_origins": []}).allowed_origins == ()
    many = [f"https://s{i}.example" for i in range(MAX_ORIGINS)]
    assert len(changed_config(default, {"allowed_origins": many}).allowed_origins) == MAX_ORIGINS


def test_a_long_refused_origin_is_quoted_cut_to_80_characters() -> None:
    raw = "https://" + "a" * 100 + ".example/path"
    assert refusal(parse_origin, raw).startswith(f"{raw[:80]!r} is not an origin")


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"size": 3, "font": 1}, "unknown widget settings: font, size"),
        ({"colour": "blue"}, '"colour" must be a colour like #2457d6'),
        ({"colour": "#12345"}, '"colour" must be a colour like #2457d6'),
        ({"colour": "#1234567"}, '"colour" is longer than 7 characters'),
        ({"colour": 2457}, '"colour" must be a string'),
        ({"title": " "}, '"title" must not be empty'),
        ({"title": "T" * (MAX_TITLE + 1)}, f'"title" is longer than {MAX_TITLE} characters'),
        ({"greeting": "G" * (MAX_GREETING + 1)}, '"greeting" is longer than 500 characters'),
        ({"position": "top"}, '"position" must be one of right, left'),
        ({"position": "righthand"}, '"position" is longer than 8 characters'),
        ({"ask_email": "yes"}, '"ask_email" must be true or false'),
        ({"allowed_origins": {"a": 1}}, '"allowed_origins" must be a list of origins'),
        ({"allowed_origins": [1]}, '"allowed_origins" must be a list of origins'),
        (
            {"allowed_origins": [f"https://s{i}.example" for i in range(MAX_ORIGINS + 1)]},
            f"at most {MAX_ORIGINS} allowed origins",
        ),
    ],
)
def test_a_refused_widget_setting_says_why(body: dict[str, Any], why: str) -> None:
    assert refusal(changed_config, WidgetConfig(), body) == why
