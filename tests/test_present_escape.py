import pytest

from calibrate.present.escape import (
    escape_multiline,
    escape_text,
    find_remote_references,
    is_missing,
    safe_key,
    strip_active_content,
)

HOSTILE = ['<script>alert(1)</script>', 'O\'Brien "x"', "a\nb", '"; import os #', "<img src=x onerror=alert(1)>"]


@pytest.mark.parametrize("text", HOSTILE)
def test_escape_text_leaves_no_markup(text):
    out = escape_text(text)
    assert "<" not in out and ">" not in out and '"' not in out and "'" not in out


def test_escape_missing_values_are_empty():
    import pandas as pd

    for value in (None, pd.NA, float("nan"), pd.NaT):
        assert is_missing(value)
        assert escape_text(value) == ""


def test_escape_multiline_keeps_breaks_and_escapes():
    assert escape_multiline("a<b\nc") == "a&lt;b<br>c"


@pytest.mark.parametrize("ident", ["C017", "csm-alpha-7", "00123", "a_b.c"])
def test_safe_key_keeps_plain_ids(ident):
    assert safe_key(ident) == ident


@pytest.mark.parametrize("ident", ["../etc/passwd", ".hidden", "a b", "é", 'x"; rm', "a/b", "", "x" * 200])
def test_safe_key_makes_unsafe_ids_plain_and_distinct(ident):
    key = safe_key(ident)
    assert "/" not in key and "\\" not in key and not key.startswith(".") and len(key) <= 80
    assert key != safe_key(ident + "!")


def test_strip_active_content_removes_scripts_and_remote_urls():
    page = (
        '<script src="https://cdn.example/require.js"></script><p>keep</p>'
        '<link rel="stylesheet" href="https://cdn.example/x.css"><img src="http://x/y.png">'
        '<script>var a = 1;</script><iframe src="//evil"></iframe><style>@import url(https://f/x.css);</style>'
    )
    assert find_remote_references(page)
    cleaned = strip_active_content(page)
    assert "<script" not in cleaned and "<iframe" not in cleaned and "<p>keep</p>" in cleaned
    assert find_remote_references(cleaned) == []


def test_escaped_text_is_never_a_remote_reference():
    assert find_remote_references(escape_text('<a href="https://x">x</a>')) == []
