"""An editable review draft in Markdown, written beside each review from the CSM's fact file.

The manager edits and owns the words; every figure in the draft is read from
the fact file (``calibrate.facts``), formatted by the review's own formatter
(``units.format_measure``), so a figure in the draft is the figure on the
review. Nothing is computed here. The draft names only this CSM and their
accounts; cohort figures are medians and percentiles, never a colleague.

Layout: a header (ratings, book, overall score), the review's four sections
(book performance with the account lists behind it, health discipline,
customer outcomes, growth and influence) and AI-augmented productivity, each
with a table of its measures against the cohort where the review has one and
a place for the manager's words, then the category scores.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..escape import is_missing
from ..narrative.formatting import fmt_ordinal
from .builder import AI_METRICS, BOOK_METRICS, HEALTH_METRICS, OUTCOME_METRICS
from .units import format_measure

__all__ = ["SECTIONS", "review_draft"]

# (heading, metrics of its table): the measures the review's own section tables show (``builder``).
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("1. Book performance", BOOK_METRICS),
    ("2. Health discipline", HEALTH_METRICS),
    ("3. Customer outcomes", OUTCOME_METRICS),
    ("4. Growth and influence", ()),
    ("AI-augmented productivity", AI_METRICS),
)
SCORES = ("score_retention", "score_expansion", "score_health", "score_engagement", "score_satisfaction",
          "score_efficiency", "score_ai_productivity")
# Units whose count noun is not "account".
_NOUNS = {"escalations": "ticket", "saves": "account", "red_accounts": "account"}
_LISTS = (
    ("churned", "Churned in the quarter"),
    ("new_logo", "New logos"),
    ("reactivated", "Reactivated (ARR back above $0 after a churn)"),
    ("inherited", "Taken over in the quarter"),
    ("handed_away", "Handed to another owner in the quarter"),
    ("dormant", "Assigned but at $0 all quarter (not in the book; worth cleaning up in the CRM)"),
)
_TO_WRITE = "_(manager: write here)_"


def _cell(text: Any) -> str:
    """Text safe inside a Markdown table cell (pipes escaped, one line)."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _words(code: Any) -> str:
    return "not rated" if is_missing(code) or code is None else str(code).replace("_", " ")


def _figure(facts: Mapping[str, Any], metric: str) -> str:
    fact = (facts.get("figures") or {}).get(metric)
    if not fact:
        return "not computable"
    shown = format_measure(fact.get("value"), fact.get("unit", ""), noun=_NOUNS.get(metric, "account"))
    return shown if shown is not None else "not computable"


def _measures_table(facts: Mapping[str, Any], metrics: Sequence[str]) -> list[str]:
    figures = facts.get("figures") or {}
    cohort = facts.get("cohort") or {}
    medians, percentiles = cohort.get("medians") or {}, cohort.get("percentiles") or {}
    rows = ["| Measure | This CSM | Cohort median | Percentile in cohort |", "|---|---|---|---|"]
    for metric in metrics:
        fact = figures.get(metric)
        if not fact:
            continue
        median = medians.get(metric)
        shown_median = format_measure(median, fact.get("unit", ""), noun=_NOUNS.get(metric, "account")) if median is not None else None
        pct = percentiles.get(metric)
        rows.append(f"| {_cell(fact['label'])} | {_figure(facts, metric)} | {shown_median or '—'} | "
                    f"{fmt_ordinal(pct) if pct is not None else '—'} |")
    return rows if len(rows) > 2 else []


def _account_lists(facts: Mapping[str, Any]) -> list[str]:
    accounts = facts.get("accounts") or {}
    out = []
    for key, title in _LISTS:
        items = accounts.get(key) or []
        if not items:
            continue
        names = [f"{_cell(a.get('name') or a.get('account_id'))} ({format_measure(a.get('arr'), 'money') or 'no ARR'})"
                 if "arr" in a else _cell(a.get("name") or a.get("account_id")) for a in items]
        out.append(f"- **{title}** ({len(items)}): " + "; ".join(names))
    due = accounts.get("renewals_due") or []
    if due:
        out += ["", "**Renewals due in the next 90 days**", "",
                "| Account | Renewal date | ARR | Churn notice |", "|---|---|---|---|"]
        for a in due:
            notice = (f"notice given on {a['notice_date']}, {format_measure(a.get('arr_at_risk'), 'money')} at risk"
                      if a.get("notice_date") else "none")
            out.append(f"| {_cell(a.get('name') or a.get('account_id'))} | {a.get('renewal_date') or '—'} | "
                       f"{format_measure(a.get('arr'), 'money') or '—'} | {_cell(notice)} |")
    return out


def review_draft(facts: Mapping[str, Any]) -> str:
    """The Markdown draft of one CSM's review (module docstring) from their fact file."""
    name, period = facts.get("name") or facts.get("csm_id"), facts.get("period")
    ratings = facts.get("ratings") or {}
    cohort = facts.get("cohort") or {}
    lines = [
        f"# Quarterly review: {_cell(name)}, {period}",
        "",
        f"_A draft for the manager to edit and own. The figures come from this CSM's fact file "
        f"(`facts/{facts.get('csm_id')}.json`) of the calibration run for {period} ({facts.get('period_start')} to "
        f"{facts.get('period_end')}, end exclusive), the same figures as the review page. Rewrite the words freely; "
        "if you change a figure, check it against the review first._",
        "",
        f"- **Ratings:** model {_words(ratings.get('model'))}, manager {_words(ratings.get('manager'))}, "
        f"final {_words(ratings.get('final'))}; tier {_words(ratings.get('tier'))}.",
        f"- **Book at quarter end:** {_figure(facts, 'n_accounts')} with {_figure(facts, 'end_book_arr')} of ARR "
        "(accounts owned on the quarter's last day with ARR above $0 in its last month).",
        f"- **Overall score:** {_figure(facts, 'overall_score')} out of 100.",
    ]
    if cohort.get("name"):
        lines.append(f"- **Compared with:** the {_words(cohort['name'])} cohort of {cohort.get('size')} CSMs "
                     "(medians and percentiles; no colleague is named).")
    for heading, metrics in SECTIONS:
        lines += ["", f"## {heading}", ""]
        if metrics:
            lines += _measures_table(facts, metrics) or ["No figures for this section this quarter."]
        if heading.startswith("1."):
            lists = _account_lists(facts)
            if lists:
                lines += [""] + lists
        if heading.startswith("4."):
            lines += ["The review page shows the four-quarter trend and this quarter's influence notes (mentoring, "
                      "playbooks, voice of the customer); say here what they add up to."]
        lines += ["", f"**What went well:** {_TO_WRITE}", "", f"**What to work on next quarter:** {_TO_WRITE}"]
    lines += ["", "## Category scores (0 to 100, after shrinkage toward the cohort)", "",
              "| Category | Score |", "|---|---|"]
    figures = facts.get("figures") or {}
    lines += [f"| {_cell(figures[m]['label'])} | {_figure(facts, m)} |" for m in SCORES if m in figures]
    return "\n".join(lines) + "\n"
