"""Report-wide consistency check: every figure a rendered page shows agrees with the fact file.

After a review is rendered, :func:`check_review` reads the page a person
would read (the HTML, not the objects that produced it), pulls out the
figures it shows and compares each with the CSM's fact file
(``calibrate.facts``):

* header and section tiles: each tile's figure, found by its label, against
  the fact of that label (count, money, percent, points, hours, ratings);
* "against the cohort" and score tables: the CSM's value, the cohort median
  and the percentile of each row against the fact file's figure and cohort;
* the ARR-band table: its account counts and ARR add up to the live book;
* the header note "Book at quarter end: N accounts with $X of ARR";
* the renewals-due table: the same accounts, dates and ARR as the fact file;
* the draft narrative's statements of the book's figures ("GRR at 95.9%",
  "an average health of 69 across 75 accounts"), against the same facts.

A shown figure agrees when the fact, written at the precision the page
shows, gives the same number (``99.5%`` agrees with 0.99512, not with
0.9962). :func:`check_team_page` does the same for the team report's
CSM-by-CSM table against ``scores.csv`` and the fact files' final ratings.

A disagreement is a :class:`Mismatch` naming the figure, both values and
where each was shown; the batch fails that one report with them.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Callable, Iterable, Mapping

__all__ = ["Mismatch", "PageFigures", "read_page", "parse_figure", "check_review", "check_narrative", "check_team_page",
           "check_team_statistics", "check_flag_page", "check_index_page", "narrative_text", "describe"]


@dataclass(frozen=True)
class Mismatch:
    """One figure shown on a page that disagrees with the fact behind it."""

    figure: str
    shown: str
    where: str
    expected: str
    source: str

    def __str__(self) -> str:
        return f'{self.figure}: the page shows "{self.shown}" ({self.where}) but {self.source} says {self.expected}.'


@dataclass
class _Table:
    caption: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class PageFigures:
    """What a page shows, as text: tiles ``(label, value)``, tables, and boxed notes."""

    tiles: list[tuple[str, str]] = field(default_factory=list)
    tables: list[_Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def table(self, caption_start: str) -> _Table | None:
        for table in self.tables:
            if table.caption.startswith(caption_start):
                return table
        return None


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = PageFigures()
        self._skip = 0
        self._buf: list[str] | None = None
        self._mode = ""
        self._tile: dict[str, str] = {}
        self._table: _Table | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = a.get("class") or ""
        if tag in ("svg", "style", "script"):
            self._skip += 1
            return
        if self._skip:
            return
        if tag == "span" and "kpi-value" in cls.split():
            self._mode, self._buf = "kpi-value", []
        elif tag == "span" and "kpi-label" in cls.split():
            self._mode, self._buf = "kpi-label", []
        elif tag == "p" and "note" in cls.split():
            self._mode, self._buf = "note", []
        elif tag == "table":
            self._table = _Table()
        elif tag == "caption" and self._table is not None:
            self._mode, self._buf = "caption", []
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("svg", "style", "script"):
            self._skip = max(0, self._skip - 1)
            return
        if self._skip:
            return
        text = " ".join("".join(self._buf or []).split())
        if tag == "span" and self._mode == "kpi-value":
            self._tile["value"], self._mode, self._buf = text, "", None
        elif tag == "span" and self._mode == "kpi-label":
            self.page.tiles.append((text, self._tile.pop("value", "")))
            self._mode, self._buf = "", None
        elif tag == "p" and self._mode == "note":
            self.page.notes.append(text)
            self._mode, self._buf = "", None
        elif tag == "caption" and self._mode == "caption" and self._table is not None:
            self._table.caption = text
            self._mode, self._buf = "", None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            if self._in_head:
                self._table.header = self._row
            else:
                self._table.rows.append(self._row)
            self._row = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "table" and self._table is not None:
            self.page.tables.append(self._table)
            self._table = None

    def handle_data(self, data):
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif self._buf is not None:
            self._buf.append(data)


_SKIPPED = re.compile(r"<(svg|style|script)\b.*?</\1\s*>", re.S | re.I)


def read_page(page_html: str) -> PageFigures:
    """Tiles, tables and notes of a rendered report (charts, styles and scripts skipped)."""
    reader = _Reader()
    # Charts, styles and scripts hold no figure the check reads, and inline SVG is most of a page's text:
    # cut out before parsing (the reader also skips whatever is left inside them).
    reader.feed(_SKIPPED.sub(" ", page_html))
    reader.close()
    return reader.page


_NUMBER = re.compile(r"[-+−]?\$?[\d,]*\.?\d+")


def parse_figure(text: str) -> tuple[float, float] | None:
    """``(value, step)`` of a figure as shown: ``"99.5%"`` -> (0.995, 0.001); ``"$1,234"`` -> (1234, 1).

    ``step`` is the size of the last digit shown (a percent is a fraction, so
    one decimal of a percent is 0.001). None when the text holds no number.
    """
    match = _NUMBER.search(text.replace("−", "-"))
    if not match:
        return None
    token = match.group(0).replace("$", "").replace(",", "")
    negative = token.startswith("-") or text.strip().startswith("-")
    token = token.lstrip("+-")
    decimals = len(token.split(".")[1]) if "." in token else 0
    value = float(token) * (-1 if negative else 1)
    step = 10.0 ** -decimals
    if text.strip().endswith("%") or "%" in text[match.end():match.end() + 1]:
        return value / 100.0, step / 100.0
    if re.search(r"\$[\d,.]+k\b", text):
        return value * 1e3, step * 1e3
    if re.search(r"\$[\d,.]+M\b", text):
        return value * 1e6, step * 1e6
    return value, step


def _agrees(shown: str, fact: Any) -> bool:
    parsed = parse_figure(shown)
    if fact is None:
        return parsed is None  # "not computable" / an em dash for a missing fact
    if parsed is None:
        return False
    value, step = parsed
    # Half a step either way is rounding; a little more absorbs "round half up" against binary floats.
    return abs(value - float(fact)) <= step / 2 + 1e-9 * max(1.0, abs(float(fact)))


def _fact_text(fact: Any) -> str:
    if fact is None:
        return "no value (cannot be computed)"
    if isinstance(fact, float):
        return f"{fact:.6g}"
    return str(fact)


def _norm_rating(value: Any) -> str:
    return str(value or "").replace("_", " ").strip().lower()


_RATING_TILES = {"Rating": "final", "Model rating": "model", "Manager rating": "manager", "Final rating": "final", "Tier": "tier"}


def check_review(page_html: str, facts: Mapping[str, Any], *, name: str = "review") -> list[Mismatch]:
    """Every figure of a rendered review against its fact file (module docstring); empty when all agree."""
    page = read_page(page_html)
    figures: Mapping[str, Mapping[str, Any]] = facts.get("figures", {})
    by_label = {f["label"]: (metric, f) for metric, f in figures.items()}
    ratings = facts.get("ratings", {})
    cohort = facts.get("cohort", {}) or {}
    out: list[Mismatch] = []

    for label, value in page.tiles:
        where = f'{name}, tile "{label}"'
        if label in _RATING_TILES:
            key = _RATING_TILES[label]
            if label == "Rating" and ratings.get("manager") is None and ratings.get("final_source") == "model":
                key = "model"
            expected = ratings.get(key)
            if _norm_rating(value) != _norm_rating(expected or "not rated" if key != "tier" else expected or "no tier"):
                out.append(Mismatch(label, value, where, _norm_rating(expected) or "none", "the fact file's ratings"))
            continue
        if label not in by_label:
            out.append(Mismatch(label, value, where, "a figure of that label", "the fact file (it has no such figure)"))
            continue
        metric, fact = by_label[label]
        expected = fact.get("value")
        if metric == "health_change" and expected is not None and parse_figure(value) is not None:
            pass  # shown signed, stored signed: compared as is
        if not _agrees(value, expected) and not (expected is None and not parse_figure(value)):
            out.append(Mismatch(label, value, where, _fact_text(expected), f"figures.{metric}"))

    for table in page.tables:
        header = [h.split(" (")[0] for h in table.header]
        if not header or header[0] not in ("Measure", "Score"):
            continue
        col = {h: i for i, h in enumerate(header)}
        own = col.get("This CSM", col.get("This quarter"))
        for row in table.rows:
            if not row or row[0] not in by_label:
                continue
            metric, fact = by_label[row[0]]
            where = f'{name}, table "{table.caption}", row "{row[0]}"'
            if own is not None and own < len(row) and not _agrees(row[own], fact.get("value")):
                if not (fact.get("value") is None and parse_figure(row[own]) is None):
                    out.append(Mismatch(row[0], row[own], where, _fact_text(fact.get("value")), f"figures.{metric}"))
            median_col = col.get("Cohort median")
            if median_col is not None and median_col < len(row):
                expected = (cohort.get("medians") or {}).get(metric)
                if parse_figure(row[median_col]) is not None or expected is not None:
                    if not _agrees(row[median_col], expected):
                        out.append(Mismatch(f"{row[0]} (cohort median)", row[median_col], where, _fact_text(expected),
                                            f"cohort.medians.{metric}"))
            pct_col = col.get("Percentile in cohort")
            if pct_col is not None and pct_col < len(row) and parse_figure(row[pct_col]) is not None:
                expected = (cohort.get("percentiles") or {}).get(metric)
                if expected is None or int(round(parse_figure(row[pct_col])[0])) != int(math.floor(float(expected) + 0.5)):
                    out.append(Mismatch(f"{row[0]} (percentile)", row[pct_col], where, _fact_text(expected),
                                        f"cohort.percentiles.{metric}"))

    n_accounts = (figures.get("n_accounts") or {}).get("value")
    book_arr = (figures.get("end_book_arr") or {}).get("value")
    bands = page.table("Book at quarter end by ARR band")
    if bands is not None and bands.rows:
        header = bands.header
        i_acc = next((i for i, h in enumerate(header) if h.startswith("Accounts")), None)
        i_arr = next((i for i, h in enumerate(header) if h.startswith("ARR at quarter end")), None)
        where = f'{name}, table "{bands.caption}"'
        if i_acc is not None:
            total = sum(int(parse_figure(r[i_acc])[0]) for r in bands.rows if parse_figure(r[i_acc]))
            if n_accounts is not None and total != int(n_accounts):
                out.append(Mismatch("Accounts at quarter end (sum of the ARR bands)", str(total), where, str(n_accounts),
                                    "figures.n_accounts"))
        if i_arr is not None and book_arr is not None:
            total_arr = sum(parse_figure(r[i_arr])[0] for r in bands.rows if parse_figure(r[i_arr]))
            if abs(total_arr - float(book_arr)) > 0.5 * len(bands.rows) + 0.5:
                out.append(Mismatch("Book ARR at quarter end (sum of the ARR bands)", f"${total_arr:,.0f}", where,
                                    f"${float(book_arr):,.0f}", "figures.end_book_arr"))

    for note in page.notes:
        m = re.match(r"Book at quarter end: (\d+) accounts? with (\$[\d,]+) of ARR", note)
        if not m:
            continue
        where = f"{name}, note under the header"
        if n_accounts is not None and int(m.group(1)) != int(n_accounts):
            out.append(Mismatch("Accounts at quarter end", f"{m.group(1)} accounts", where, str(n_accounts), "figures.n_accounts"))
        if not _agrees(m.group(2), book_arr):
            out.append(Mismatch("Book ARR at quarter end", m.group(2), where, _fact_text(book_arr), "figures.end_book_arr"))

    due = page.table("Renewals due")
    expected_due = (facts.get("accounts") or {}).get("renewals_due") or []
    if due is not None:
        shown = [(r[1], r[2]) for r in due.rows if len(r) > 2]
        where = f'{name}, table "{due.caption}"'
        if len(shown) != len(expected_due):
            out.append(Mismatch("Renewals due (accounts)", str(len(shown)), where, str(len(expected_due)),
                                "accounts.renewals_due"))
        else:
            for (account, arr_text), fact in zip(shown, expected_due):
                if html.unescape(account) != (fact.get("name") or "") or not _agrees(arr_text, fact.get("arr")):
                    out.append(Mismatch("Renewal due", f"{account} {arr_text}", where,
                                        f"{fact.get('name')} {_fact_text(fact.get('arr'))}", "accounts.renewals_due"))
    return out + check_narrative(page_html, facts, name=name)


# Phrases of the draft narrative that state a figure of the fact file, written for its templates
# (present/narrative/phrases.py): (pattern, metric). The number is group 1.
NARRATIVE_FIGURES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.I), metric)
    for pattern, metric in (
        (r"\bGRR (?:of|at) ([-\d.,]+%)", "grr"),
        (r"\bgross retention of ([-\d.,]+%)", "grr"),
        (r"\bkept ([-\d.,]+%) of starting ARR", "grr"),
        (r"\bNRR of ([-\d.,]+%)", "nrr"),
        (r"\bnet retention of ([-\d.,]+%)", "nrr"),
        (r"\bat ([-\d.,]+%) net revenue retention", "nrr"),
        (r"\bNet revenue retention for .{1,80}? came in at ([-\d.,]+%)", "nrr"),
        (r"\bNRR (?:is|is still|would be) ([-\d.,]+%)", "nrr_excl_top"),
        (r"\baverage health of (\d+)", "avg_health"),
        (r"\baverage health of \d+ across (?:the )?(\d+) accounts?", "n_accounts"),
        (r"\bof the (\d+) accounts? in the book at the end", "n_accounts"),
        (r"\bowns (\d+) accounts? at the end", "n_accounts"),
        (r"\bends \S+ with (\d+) accounts? in the book", "n_accounts"),
        (r"\bon a book of (\d+) accounts? at quarter end", "n_accounts"),
    )
)


def narrative_text(page_html: str) -> str:
    """The text of the page's draft narrative (after its heading), tags removed; empty when there is none."""
    heading = re.search(r"<h2\b[^>]*>\s*Draft narrative", page_html)  # the section, not a link to it in the contents
    if heading is None:
        return ""
    start = heading.start()
    end = page_html.find('<section class="glossary"', start)  # the page's word list is not the narrative
    body = re.sub(r"<(svg|style|script)\b.*?</\1>", " ", page_html[start:end if end > 0 else None], flags=re.S | re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def check_narrative(page_html: str, facts: Mapping[str, Any], *, name: str = "review") -> list[Mismatch]:
    """Each figure the draft narrative states about the book (GRR, NRR, average health, accounts) against the facts."""
    text = narrative_text(page_html)
    figures = facts.get("figures", {})
    out = []
    for pattern, metric in NARRATIVE_FIGURES:
        fact = figures.get(metric)
        if fact is None:
            continue
        for hit in pattern.finditer(text):
            if not _agrees(hit.group(1), fact.get("value")):
                out.append(Mismatch(fact["label"], hit.group(0), f'{name}, draft narrative: "{hit.group(0)}"',
                                    _fact_text(fact.get("value")), f"figures.{metric}"))
    return out


def check_team_page(page_html: str, scores_rows: Iterable[Mapping[str, Any]], facts_by_csm: Mapping[str, Mapping[str, Any]],
                    *, name: str = "team report") -> list[Mismatch]:
    """The team report's CSM-by-CSM figures against ``scores.csv`` and the fact files' final ratings.

    Looks for tables with a "CSM" column and compares, per CSM row, the
    columns it recognises: accounts, overall score and final rating.
    """
    page = read_page(page_html)
    by_name = {str(r.get("name")): r for r in scores_rows}
    out: list[Mismatch] = []
    for table in page.tables:
        header = [h.lower() for h in table.header]
        if "csm" not in header:
            continue
        i_csm = header.index("csm")
        for row in table.rows:
            if i_csm >= len(row) or row[i_csm] not in by_name:
                continue
            score_row = by_name[row[i_csm]]
            facts = facts_by_csm.get(str(score_row.get("csm_id")), {})
            where = f'{name}, table "{table.caption}", row "{row[i_csm]}"'
            for i, head in enumerate(header):
                if i >= len(row):
                    continue
                at_end = re.search(r"(\d+) accounts? at quarter end", row[i])
                if at_end and int(at_end.group(1)) != int(score_row.get("n_accounts") or 0):
                    out.append(Mismatch(f"Accounts at quarter end of {row[i_csm]}", at_end.group(0), where,
                                        _fact_text(score_row.get("n_accounts")), "scores.csv n_accounts"))
                if head == "score" or head.startswith("score (change)"):
                    if not _agrees(row[i].split(" (")[0], score_row.get("overall_score")):
                        out.append(Mismatch(f"Overall score of {row[i_csm]}", row[i], where,
                                            _fact_text(score_row.get("overall_score")), "scores.csv overall_score"))
                if head.startswith("accounts at quarter end") or head == "accounts":
                    if not _agrees(row[i], score_row.get("n_accounts")):
                        out.append(Mismatch(f"{table.header[i]} of {row[i_csm]}", row[i], where,
                                            _fact_text(score_row.get("n_accounts")), "scores.csv n_accounts"))
                elif head.startswith("final rating") and facts:
                    if _norm_rating(row[i]) != _norm_rating((facts.get("ratings") or {}).get("final")):
                        out.append(Mismatch(f"Final rating of {row[i_csm]}", row[i], where,
                                            _norm_rating((facts.get("ratings") or {}).get("final")), "the fact file's ratings"))
    return out


def _num(value: Any) -> float | None:
    """A cell of a CSV read as text (``"0.352148"``, ``""``) or a number, as a float; None when empty."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _comparer(out: list[Mismatch], source: str) -> Callable[[str, str, Any, str, str], None]:
    """``compare(label, shown, expected, where, column)``: append a Mismatch to ``out`` when a shown figure
    disagrees with a CSV cell of ``source`` (both empty agrees)."""
    def compare(label: str, shown: str, expected: Any, where: str, column: str) -> None:
        value = _num(expected)
        if value is None and parse_figure(shown) is None:
            return
        if not _agrees(shown, value):
            out.append(Mismatch(label, shown, where, _fact_text(value), f"{source} {column}"))

    return compare


def _range(text: str) -> tuple[str, str] | None:
    """``"40 to 67"`` or ``"(1 to 9 of 9)"`` -> ("40", "67"); ``"0.4× (0.3×–1.7×)"`` handled by the caller."""
    m = re.search(r"([-+−]?[\d.,]+)\S* to ([-+−]?[\d.,]+)", text)
    return (m.group(1), m.group(2)) if m else None


def check_team_statistics(page_html: str, stats_rows: Iterable[Mapping[str, Any]], scores_rows: Iterable[Mapping[str, Any]],
                          *, name: str = "team report") -> list[Mismatch]:
    """The team report's book-adjusted and rank tables against ``team_statistics.csv`` (read as text cells).

    Per CSM row of the table sorted by "NRR − expected": accounts at quarter
    start, churn, expected churn and their difference, shrunk churn, the same
    for NRR, and the funnel bands in words; of the rank table: score, its 95%
    range, the median rank's range and P(top quartile).
    """
    page = read_page(page_html)
    id_by_name = {" ".join(str(r.get("name")).split()): str(r.get("csm_id")) for r in scores_rows}
    stats = {str(r.get("csm_id")): r for r in stats_rows}
    out: list[Mismatch] = []
    compare = _comparer(out, "team_statistics.csv")

    for table in page.tables:
        header = table.header
        if not header or header[0] != "CSM":
            continue
        col = {h: i for i, h in enumerate(header)}
        adjusted = "Churn, shrunk to the team" in col
        ranks = "P(top quartile)" in col
        if not (adjusted or ranks):
            continue
        for row in table.rows:
            csm = id_by_name.get(row[0])
            if csm is None:
                continue
            where = f'{name}, table "{table.caption[:40]}...", row "{row[0]}"'
            stat = stats.get(csm)
            if stat is None:
                out.append(Mismatch(f"Row of {row[0]}", row[0], where, "a row for this CSM", "team_statistics.csv"))
                continue
            cell = {h: row[i] for h, i in col.items() if i < len(row)}
            if adjusted:
                compare(f"Accounts at quarter start of {row[0]}", cell["Accounts at quarter start"], stat.get("n_accounts"), where, "n_accounts")
                for label, column in (("Churn", "churn_observed"), ("Expected churn", "churn_expected"),
                                      ("Churn, shrunk to the team", "churn_shrunk"), ("NRR", "nrr_observed"),
                                      ("Expected NRR", "nrr_expected"), ("NRR, shrunk to the team", "nrr_shrunk")):
                    compare(f"{label} of {row[0]}", cell[label], stat.get(column), where, column)
                for label, observed, expected in (("Churn − expected", "churn_observed", "churn_expected"),
                                                  ("NRR − expected", "nrr_observed", "nrr_expected")):
                    o, e = _num(stat.get(observed)), _num(stat.get(expected))
                    shown = cell[label].replace(" pts", "%")  # points of a percent, read as a fraction difference
                    diff = None if o is None or e is None else o - e
                    if not (diff is None and parse_figure(shown) is None) and not _agrees(shown, diff):
                        out.append(Mismatch(f"{label} of {row[0]}", cell[label], where, _fact_text(diff),
                                            f"team_statistics.csv {observed} − {expected}"))
                words = cell.get("Against the funnel limits", "")
                for measure, label in (("churn", "churn"), ("nrr", "NRR")):
                    band = str(stat.get(f"funnel_{measure}_band") or "")
                    said = next((p.strip() for p in words.split(";") if p.strip().startswith(label)), "")
                    expected_words = {"too_few": "too few accounts to judge", "outside_95": "beyond 95%",
                                      "outside_998": "beyond 99.8%"}.get(band)
                    if (expected_words is None and said) or (expected_words is not None and expected_words not in said):
                        out.append(Mismatch(f"Funnel band of {row[0]} ({label})", words or "(nothing)", where,
                                            band or "none", f"team_statistics.csv funnel_{measure}_band"))
            if ranks:
                compare(f"Score of {row[0]}", cell["Score"], stat.get("overall_score"), where, "overall_score")
                shown_range = _range(cell.get("Score, 95% range", ""))
                if shown_range is not None:
                    compare(f"Score range low of {row[0]}", shown_range[0], stat.get("score_low"), where, "score_low")
                    compare(f"Score range high of {row[0]}", shown_range[1], stat.get("score_high"), where, "score_high")
                rank_range = _range(cell.get("Median rank (95% range)", ""))
                if rank_range is not None:
                    compare(f"Rank range low of {row[0]}", rank_range[0], stat.get("rank_low"), where, "rank_low")
                    compare(f"Rank range high of {row[0]}", rank_range[1], stat.get("rank_high"), where, "rank_high")
                note = str(stat.get("rank_note") or "")
                if note and note not in cell.get("Median rank (95% range)", ""):
                    out.append(Mismatch(f"Rank note of {row[0]}", cell.get("Median rank (95% range)", ""), where, note,
                                        "team_statistics.csv rank_note"))
                compare(f"P(top quartile) of {row[0]}", cell["P(top quartile)"], stat.get("p_top_quartile"), where, "p_top_quartile")
    return out


def _flag_key(kind_label: str, outcome_label: str) -> tuple[str, str, int] | None:
    """``("Adoption drop", "Churn within 90 days")`` -> ``("adoption_drop", "churn", 90)``."""
    m = re.match(r"(\w+) within (\d+) days", outcome_label)
    if not m:
        return None
    return "_".join(kind_label.lower().split()), m.group(1).lower(), int(m.group(2))


_VERDICT_WORDS = {"predictive": "predictive", "not_predictive": "not predictive", "too_few_events": "too few events to judge"}


def check_flag_page(page_html: str, flag_rows: Iterable[Mapping[str, Any]], *, name: str = "flag validation report") -> list[Mismatch]:
    """The flag validation report's figures against ``flag_validation.csv`` (its rows as text cells).

    Tiles (flag kinds, verdict counts, account-quarters and events of the
    90-day window), the verdicts table, the window table, the precision and
    lead-time tables, and the lift and AUC figures of each one-sentence
    summary, read from the page's text.
    """
    page = read_page(page_html)
    rows = list(flag_rows)
    by_key = {(str(r["flag_kind"]), str(r["outcome"]), int(float(r["horizon_days"]))): r for r in rows}
    out: list[Mismatch] = []
    source = "flag_validation.csv"
    compare = _comparer(out, source)

    total = len(rows)
    verdicts = [str(r.get("verdict")) for r in rows]
    at_90 = [r for r in rows if int(float(r["horizon_days"])) == 90]
    tile_expect = {
        "Flag kinds": str(len({str(r["flag_kind"]) for r in rows})),
        "Verdicts predictive": f"{verdicts.count('predictive')} of {total}",
        "Too few events to judge": f"{verdicts.count('too_few_events')} of {total}",
    }
    for outcome, label in (("churn", "Churn events (90 days)"), ("escalation", "Escalation events (90 days)")):
        events = {int(float(r["n_events"])) for r in at_90 if r["outcome"] == outcome}
        if len(events) == 1:
            tile_expect[label] = f"{events.pop():,}"
    quarters = {int(float(r["n_rows"])) for r in at_90}
    if len(quarters) == 1:
        tile_expect["Account-quarters (90-day window)"] = f"{quarters.pop():,}"
    for label, value in page.tiles:
        if label in tile_expect and value != tile_expect[label]:
            out.append(Mismatch(label, value, f'{name}, tile "{label}"', tile_expect[label], source))

    response_sums: dict[tuple[str, str, int], list] = {}
    for table in page.tables:
        header = table.header
        if len(header) < 3 or header[:2] != ["Flag kind", "Outcome"]:
            if header[:1] == ["Window"]:
                for row in table.rows:
                    horizon = int(parse_figure(row[0])[0])
                    group = [r for r in rows if int(float(r["horizon_days"])) == horizon]
                    where = f'{name}, window table, row "{row[0]}"'
                    for col, column in (("Account-quarters", "n_rows"), ("Dropped: churned", "n_dropped_churned"),
                                        ("Dropped: past data end", "n_dropped_censored")):
                        if col in header and len({r[column] for r in group}) == 1:
                            compare(f"{col} ({row[0]})", row[header.index(col)], group[0][column], where, column)
                    for col, outcome in (("Churn events", "churn"), ("Escalations", "escalation")):
                        values = {r["n_events"] for r in group if r["outcome"] == outcome}
                        if col in header and len(values) == 1:
                            compare(f"{col} ({row[0]})", row[header.index(col)], values.pop(), where, "n_events")
            continue
        for row in table.rows:
            key = _flag_key(row[0], row[1]) if len(row) > 2 else None
            where = f'{name}, table "{table.caption or header[2]}", row "{row[0]} / {row[1] if len(row) > 1 else ""}"'
            if key is None:
                continue
            fact = by_key.get(key)
            if fact is None:
                out.append(Mismatch(f"{row[0]}, {row[1]}", row[0], where, "a row for this flag kind and outcome", source))
                continue
            cell = dict(zip(header, row))
            if "CSM response" in cell:  # one row per response: the rows of a flag kind add up to its flagged rows
                parsed = parse_figure(cell.get("Flagged account-quarters", ""))
                if parsed is not None:
                    response_sums.setdefault(key, [0, where])[0] += int(parsed[0])
                continue
            if "Verdict" in cell:
                expected = _VERDICT_WORDS.get(str(fact.get("verdict")), str(fact.get("verdict")).replace("_", " "))
                if cell["Verdict"].lower() != expected:
                    out.append(Mismatch(f"Verdict, {row[0]}, {row[1]}", cell["Verdict"], where, expected, f"{source} verdict"))
            for col, column in (("Flags raised", "n_flags"), ("Flagged account-quarters", "n_flagged_rows"),
                                ("Base rate", "base_rate"), ("Precision", "precision"),
                                ("Events warned ≥ 14 days ahead", "n_caught_events"), ("Recall", "recall"),
                                ("Alerts per CSM per week", "alerts_per_csm_week")):
                if col in cell:
                    compare(f"{col}, {row[0]}, {row[1]}", cell[col], fact.get(column), where, column)
            if "Events" in cell and "CSM response" not in cell:
                compare(f"Events, {row[0]}, {row[1]}", cell["Events"], fact.get("n_events"), where, "n_events")
            lift = cell.get("Lift (95% interval)")
            if lift:
                numbers = re.findall(r"[\d.]+(?=×)", lift)
                for text, column in zip(numbers, ("lift", "lift_low", "lift_high")):
                    compare(f"Lift, {row[0]}, {row[1]}", text, fact.get(column), where, column)
            lead = cell.get("Lead time, median (IQR)")
            if lead and parse_figure(lead) is not None:
                numbers = re.findall(r"\d[\d.,]*", lead)
                for text, column in zip(numbers, ("median_lead_days", "lead_q1_days", "lead_q3_days")):
                    compare(f"Lead time, {row[0]}, {row[1]}", text, fact.get(column), where, column)
            sentence = cell.get("In one sentence")
            if sentence:
                m = re.search(r"([\d.]+)x as often as the average account \(95% interval ([\d.]+)x to ([\d.]+)x\)", sentence)
                if m:
                    for text, column in zip(m.groups(), ("lift", "lift_low", "lift_high")):
                        compare(f"Lift in the sentence, {row[0]}, {row[1]}", text, fact.get(column), where, column)
                m = re.search(r"AUC from ([\d.]+) to ([\d.]+) \(([-+]?[\d.]+), interval ([-+]?[\d.]+) to ([-+]?[\d.]+)\)", sentence)
                if m:
                    for text, column in zip(m.groups(), ("auc_m0", "auc", "auc_gain", "auc_gain_low", "auc_gain_high")):
                        compare(f"AUC in the sentence, {row[0]}, {row[1]}", text, fact.get(column), where, column)
    for key, (total_flagged, where) in response_sums.items():
        fact = by_key.get(key) or {}
        compare(f"Flagged account-quarters by CSM response, {key[0]}, {key[1]} (sum)", f"{total_flagged}",
                fact.get("n_flagged_rows"), where, "n_flagged_rows")
    return out


def check_index_page(page_html: str, scores_rows: Iterable[Mapping[str, Any]], statuses: Iterable[Mapping[str, Any]],
                     *, name: str = "index page") -> list[Mismatch]:
    """The index page's headline and CSM list against ``scores.csv`` and the run's report statuses.

    Every scored CSM has one row with its name and id; the count in the
    heading is the number of rows; "All N reports are ready" or "K of N"
    counts the statuses.
    """
    page = read_page(page_html)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script)\b.*?</\1>", " ", page_html, flags=re.S))).split())
    scored = {str(r.get("csm_id")): " ".join(str(r.get("name")).split()) for r in scores_rows}  # as a page shows it
    statuses = list(statuses)
    out: list[Mismatch] = []
    reviews = next((t for t in page.tables if t.header[:2] == ["CSM", "CSM id"]), None)
    shown = {row[1]: row[0] for row in reviews.rows} if reviews is not None else {}
    review_ids = {str(s.get("csm_id")) for s in statuses if s.get("csm_id")}
    for csm_id in sorted(review_ids):
        if csm_id not in shown:
            out.append(Mismatch(f"Row of {csm_id}", "(no row)", f"{name}, CSM reviews", "a row", "the run's report list"))
        elif csm_id in scored and shown[csm_id] != scored[csm_id]:
            out.append(Mismatch(f"Name of {csm_id}", shown[csm_id], f"{name}, CSM reviews", scored[csm_id], "scores.csv name"))
    for csm_id in shown:
        if csm_id not in review_ids:
            out.append(Mismatch(f"Row of {csm_id}", csm_id, f"{name}, CSM reviews", "no row (no review in this run)",
                                "the run's report list"))
    m = re.search(r"CSM reviews \((\d+)\)", text)
    if m and int(m.group(1)) != len(shown):
        out.append(Mismatch("Number of CSM reviews", m.group(0), f"{name}, heading", str(len(shown)), "the rows below it"))
    ready = sum(str(s.get("status")) == "ok" for s in statuses)
    m = re.search(r"All (\d+) reports are ready", text)
    if m and (int(m.group(1)) != len(statuses) or ready != len(statuses)):
        out.append(Mismatch("Reports ready", m.group(0), f"{name}, headline", f"{ready} of {len(statuses)}", "the run's statuses"))
    return out


def describe(problems: list[Mismatch], *, limit: int = 12) -> str:
    """A message for the user: what disagrees, where, and what to do."""
    lines = "\n".join(f"  - {p}" for p in problems[:limit])
    more = f"\n  (and {len(problems) - limit} more)" if len(problems) > limit else ""
    return (f"{len(problems)} figure(s) on this page disagree with the figures computed for it, so the page was "
            f"not published:\n{lines}{more}\nThis is a fault in the workbook, not in your data; please report it "
            "with the manifest.json of this run.")
