"""The table of contents and the page's word list (present/page_aids.py)."""

from __future__ import annotations

import re

from calibrate.present.page_aids import GLOSSARY, add_contents, add_glossary, page_terms

BODY = (
    '<h1>Title</h1><p>intro</p>'
    '<h2 id="1.-Glance">1. Glance<a class="anchor-link" href="#1.-Glance"></a></h2><p>NRR was 101.0%; the median is 60.</p>'
    '<h2 id="2.-Ranks">2. Ranks</h2><p>P(top quartile) of 40%.</p>'
    '<h2 id="3.-Fairness">3. Fairness</h2><p>Impact ratio 0.75.</p>'
    '<svg><text>AUC</text></svg>'
)


def test_contents_link_every_section_and_sit_before_the_first():
    page = add_contents(BODY)
    nav = re.search(r'<nav class="toc".*?</nav>', page).group(0)
    assert re.findall(r'href="#([^"]+)"', nav) == ["1.-Glance", "2.-Ranks", "3.-Fairness"]
    assert ">1. Glance<" in nav  # the heading's words, without its anchor link
    assert page.index("<nav") < page.index('<h2 id="1.-Glance"') and page.index("<p>intro</p>") < page.index("<nav")
    ids = set(re.findall(r'<h2 id="([^"]+)"', page))
    assert set(re.findall(r'href="#([^"]+)"', nav)) <= ids


def test_a_short_page_gets_no_contents():
    short = '<h2 id="a">A</h2><h2 id="b">B</h2>'
    assert add_contents(short) == short


def test_the_word_list_holds_the_terms_the_visible_text_uses_and_no_others():
    terms = page_terms(BODY)
    assert "NRR (net revenue retention)" in terms and "Median" in terms and "Impact ratio" in terms
    assert "P(top quartile)" in terms
    assert "AUC" not in terms  # only inside a chart's drawing, which is not read as text here
    assert "Brier score" not in terms and "GRR (gross revenue retention)" not in terms
    page = add_glossary(BODY)
    listed = re.findall(r"<dt>(.*?)</dt>", page)
    assert listed == terms
    assert page.count("How this is computed:") == len(terms)


def test_a_page_without_statistical_words_is_unchanged():
    plain = "<h2 id='x'>Accounts</h2><p>Nothing to explain here.</p>"
    assert add_glossary(plain) == plain


def test_every_term_has_words_and_a_method():
    for name, term in GLOSSARY.items():
        assert term.plain.endswith(".") and term.method.endswith("."), name
        assert re.compile(term.pattern)
