"""Reading aids added to every rendered report: a table of contents and the page's statistical words in plain terms.

* :func:`add_contents` puts a "Contents" list of in-page links before the
  first section heading (``<h2 id=...>``, as nbconvert writes Markdown
  headings) when a page has three sections or more.
* :func:`add_glossary` appends "Words on this page": each statistical term
  from :data:`GLOSSARY` that the page's visible text uses, in plain words,
  with a "how this is computed" line. Terms the page does not use are left
  out, so a review does not explain AUC and the flag report does.

Both work on the page body as HTML text and change nothing else; they name
no person, so they are safe on a per-CSM review.
"""

from __future__ import annotations

import html
import re
from typing import NamedTuple

__all__ = ["Term", "GLOSSARY", "add_contents", "add_glossary", "page_terms"]


class Term(NamedTuple):
    pattern: str  # regular expression matched against the page's visible text
    plain: str  # what it means, for a reader with no statistics
    method: str  # how the workbook computes it


GLOSSARY: dict[str, Term] = {
    "NRR (net revenue retention)": Term(
        r"\bNRR\b", "Of the ARR a book started the quarter with, how much it ended with, counting growth and losses.",
        "The ARR of the book's accounts at the end of each one's owned window, summed, divided by the same accounts' ARR at the start."),
    "GRR (gross revenue retention)": Term(
        r"\bGRR\b", "Like NRR but growth does not count: only what was kept of the starting ARR.",
        "Each account's end ARR capped at its start ARR, summed, divided by the start ARR."),
    "Percentile in cohort": Term(
        r"(?i:\bpercentile\b)", "Where the CSM stands among peers: the 80th percentile is better than 80% of them.",
        "The share of the cohort that the CSM's figure beats, counted toward better (lower churn counts as better)."),
    "Median": Term(r"(?i:\bmedian\b)", "The middle value: half of the group is above it and half below.",
                   "The 50th percentile of the values shown."),
    "Shrunk to the team": Term(
        r"(?i:\bshrunk\b|\bshrinkage\b)",
        "A small book's figure is pulled toward the team's, because a few accounts say little on their own.",
        "Empirical Bayes: the figure is weighted against the team's by how many accounts it rests on; the weight "
        "is estimated from how much the books really differ."),
    "95% range / 95% interval": Term(
        r"95% (?:range|interval)",
        "The span the figure would likely fall in if the quarter were replayed with other luck.",
        "The central 95% of many resamples of the accounts, activities and survey answers behind the figure."),
    "P(top quartile)": Term(
        r"P\(top quartile\)", "How often the CSM lands in the best quarter of the team when the quarter is replayed.",
        "The share of 1,000 resamples of every input in which the CSM ranks in the top 25%."),
    "Funnel limits": Term(
        r"(?i:\bfunnel\b)", "Lines showing how far a book of that size can drift by chance alone; only a CSM outside them "
                       "stands out.",
        "Binomial limits for churn and account-level variance for NRR, widened when the team varies more than "
        "chance (overdispersion)."),
    "Overdispersion": Term(
        r"(?i:\boverdispersion\b)", "The books differ more than chance alone explains, so the limits are drawn wider.",
        "A multiplicative factor from the spread of the CSMs' standardised results (winsorised)."),
    "Impact ratio": Term(
        r"(?i:\bimpact ratio\b)", "One group's rate of a good rating divided by the best group's; 1 means equal.",
        "Compared with 0.8, the four-fifths rule of US employment guidance, with a small tolerance."),
    "Fisher p": Term(
        r"\bFisher\b", "How likely a gap this large would be if ratings did not depend on the group; near 0 means "
                       "hard to explain by chance.",
        "Fisher's exact test on the two-by-two table of group against outcome, two-sided."),
    "AUC": Term(
        r"\bAUC\b", "How well a score sorts accounts: the chance an account that churned was ranked above one that "
                    "did not (0.5 is a coin toss, 1 is perfect).",
        "Area under the ROC curve on quarters the model did not see; intervals by DeLong's method."),
    "Brier score": Term(
        r"\bBrier\b", "How far predicted chances were from what happened; lower is better.",
        "The mean squared difference between each predicted probability and the 0 or 1 outcome."),
    "Lift": Term(
        r"(?i:\blift\b)", "How many times more often flagged accounts had the event than accounts on average.",
        "Precision divided by the base rate, with a bootstrap interval over accounts."),
    "Precision and recall": Term(
        r"(?i:\bprecision\b|\brecall\b)",
        "Precision: of the flags raised, how many were right. Recall: of the events, how many were flagged in time.",
        "Counted over account-quarters in the quarters tested."),
    "Spearman ρ": Term(
        r"Spearman", "Whether a higher score tends to come with a better result later, from −1 to +1 (0: no relation).",
        "Rank correlation of last quarter's score with next quarter's results, with an interval that resamples CSMs."),
    "Effective number of accounts": Term(
        r"(?i:\beffective (?:number of )?accounts\b)",
        "How many equal-sized accounts a book behaves like; a book carried by one big account behaves like one.",
        "Kish's formula: (sum of ARR)² divided by the sum of squared ARR."),
}

_H2 = re.compile(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', re.S)
_TAGS = re.compile(r"<[^>]+>")
_HIDDEN = re.compile(r"<(style|script|svg)\b.*?</\1>", re.S | re.I)


def _text(fragment: str) -> str:
    return " ".join(html.unescape(_TAGS.sub(" ", fragment)).split())


def add_contents(body: str, *, minimum: int = 3) -> str:
    """``body`` with a list of links to its sections before the first section heading."""
    found = [(anchor, _text(title)) for anchor, title in _H2.findall(body)]
    found = [(a, t) for a, t in found if t]
    if len(found) < minimum:
        return body
    items = "".join(f'<li><a href="#{html.escape(a, quote=True)}">{html.escape(t)}</a></li>' for a, t in found)
    nav = f'<nav class="toc" aria-label="Contents"><p class="toc-title">Contents</p><ul>{items}</ul></nav>\n'
    cut = _H2.search(body).start()
    return body[:cut] + nav + body[cut:]


def page_terms(body: str) -> list[str]:
    """The glossary terms whose pattern the page's visible text matches, in glossary order."""
    text = _text(_HIDDEN.sub(" ", body))
    return [name for name, term in GLOSSARY.items() if re.search(term.pattern, text)]


def add_glossary(body: str) -> str:
    """``body`` followed by "Words on this page" for the terms it uses (nothing added when it uses none)."""
    names = page_terms(body)
    if not names:
        return body
    rows = "".join(
        f"<dt>{html.escape(name)}</dt><dd>{html.escape(GLOSSARY[name].plain)} "
        f'<span class="how">How this is computed: {html.escape(GLOSSARY[name].method)}</span></dd>'
        for name in names
    )
    return (body + '\n<section class="glossary" aria-labelledby="words-on-this-page">'
            '<h2 id="words-on-this-page">Words on this page</h2>'
            f"<dl>{rows}</dl></section>\n")
