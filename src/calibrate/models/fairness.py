"""Fairness checks on ratings for every ``group_*`` column of the csms table.

Definitions, per group column and per group g:

* **Rating shares**: count and share of each rating in g.
* **Favourable outcomes**, checked separately: ``meets_or_better`` (rating in
  {exceeds, meets}) and ``exceeds``. Selection rate ``r_g`` = members of g
  with the outcome / members of g.
* **Adverse-impact ratio** ``AIR_g = r_g / max_h r_h`` over the *shown*
  groups h (the four-fifths rule of the US Uniform Guidelines on Employee
  Selection Procedures, 29 CFR 1607.4(D): ``AIR_g < 0.8`` is flagged). The
  comparison allows a tolerance of ``RATIO_TOLERANCE`` (1e-9), so a ratio of
  exactly 0.8 that floating point stores as 0.7999… is not flagged. Undefined
  when no shown group has the outcome. The reference group (the shown group
  with the highest rate; ties go to the last name in sort order) is named in
  ``reference_group``.
* **Fisher's exact test** (Fisher 1935; ``scipy.stats.fisher_exact``),
  two-sided, on the 2×2 table (g vs **the same reference group**) × (outcome
  vs not), so the ratio and the p-value on one row answer one question: does
  g differ from the reference group? The reference group's own row has no
  test (NaN).
* **Small groups**: a group with fewer than ``min_group_size`` (4) members is
  not shown — no row, no rate, no ratio — because its figures would point at
  named people and a rate over one to three people means nothing. Its members
  still count in team totals and in the hard-book test's "everyone else"
  (dropping them would quietly change the comparison for everybody else);
  the reference rate ``max_h r_h`` is taken over shown
  groups only, so a group of two cannot set the bar. Missing values form the
  group ``(not recorded)`` under the same rule.
* **Hard books**: a CSM's book is hard when its expected NRR (from
  ``book_adjusted``) is in the team's bottom third (at or below the 1/3
  quantile). Per shown group: share of hard books and a Fisher test of g vs
  the rest. A group holding most of the hard books explains part of any rating
  gap — and is worth raising in its own right.

Findings are descriptive: with the group sizes of one team, a low ratio can
be chance and a non-significant test is not proof of fairness. The wording
says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import InsufficientDataError

__all__ = ["FairnessReport", "fairness_checks", "adverse_impact", "hard_book_spread", "OUTCOMES"]

GROUP_PREFIX = "group_"
NOT_RECORDED = "(not recorded)"
OUTCOMES = {"meets_or_better": ("exceeds", "meets"), "exceeds": ("exceeds",)}
_RATINGS = ("exceeds", "meets", "needs_development")
_ALPHA = 0.05
#: Ratios within this of the threshold are not below it (an exact 0.8 is computed as 0.7999…).
RATIO_TOLERANCE = 1e-9


@dataclass(frozen=True)
class FairnessReport:
    """Tidy frames plus one plain-language finding per group column."""

    rating_shares: pd.DataFrame
    impact: pd.DataFrame
    hard_books: pd.DataFrame
    findings: dict[str, str]


def _groups(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].astype("string").str.strip().replace("", pd.NA).fillna(NOT_RECORDED)


def _fisher(in_yes: int, in_no: int, rest_yes: int, rest_no: int) -> tuple[float, float]:
    res = stats.fisher_exact([[in_yes, in_no], [rest_yes, rest_no]], alternative="two-sided")
    return float(res.statistic), float(res.pvalue)


def adverse_impact(
    ratings: pd.DataFrame,
    column: str,
    *,
    min_group_size: int = 4,
    threshold: float = 0.8,
) -> tuple[pd.DataFrame, pd.DataFrame, int, int]:
    """Rating shares and adverse-impact rows for one group column.

    Returns
    -------
    (rating_shares, impact, n_suppressed_groups, n_suppressed_people).
    ``rating_shares``: ``column``, ``group``, ``rating``, ``count``, ``share``.
    ``impact``: ``column``, ``group``, ``outcome``, ``n``, ``selected``,
    ``rate``, ``reference_group``, ``reference_rate``, ``impact_ratio``,
    ``below_threshold``, ``odds_ratio``, ``fisher_p``.
    """
    groups = _groups(ratings, column)
    rating = ratings["rating"].astype("string").str.strip().str.lower()
    sizes = groups.value_counts()
    shown = sorted(g for g, n in sizes.items() if n >= min_group_size)
    hidden = sizes[sizes < min_group_size]
    share_rows, impact_rows = [], []
    for g in shown:
        members = groups.eq(g).to_numpy(bool)
        for r in _RATINGS:
            count = int((rating[members] == r).sum())
            share_rows.append({"column": column, "group": g, "rating": r, "count": count, "share": count / members.sum()})
    for outcome, favourable in OUTCOMES.items():
        selected = rating.isin(favourable).fillna(False).to_numpy(bool)
        rates = {g: float(selected[groups.eq(g).to_numpy(bool)].mean()) for g in shown}
        reference = max(rates, key=lambda g: (rates[g], g)) if rates else None
        ref_rate = rates.get(reference, np.nan) if reference is not None else np.nan
        ref_members = groups.eq(reference).to_numpy(bool) if reference is not None else np.zeros(len(groups), bool)
        ref_yes = int(selected[ref_members].sum())
        ref_no = int(ref_members.sum()) - ref_yes
        for g in shown:
            members = groups.eq(g).to_numpy(bool)
            in_yes = int(selected[members].sum())
            in_no = int(members.sum()) - in_yes
            odds, p = _fisher(in_yes, in_no, ref_yes, ref_no) if g != reference else (np.nan, np.nan)
            ratio = rates[g] / ref_rate if ref_rate > 0 else np.nan
            impact_rows.append(
                {
                    "column": column,
                    "group": g,
                    "outcome": outcome,
                    "n": int(members.sum()),
                    "selected": in_yes,
                    "rate": rates[g],
                    "reference_group": reference,
                    "reference_rate": ref_rate,
                    "impact_ratio": ratio,
                    "below_threshold": bool(ratio < threshold - RATIO_TOLERANCE) if not np.isnan(ratio) else False,
                    "odds_ratio": odds,
                    "fisher_p": p,
                }
            )
    return pd.DataFrame(share_rows), pd.DataFrame(impact_rows), int(len(hidden)), int(hidden.sum())


def hard_book_spread(
    ratings: pd.DataFrame,
    column: str,
    book_difficulty: pd.DataFrame,
    *,
    min_group_size: int = 4,
    difficulty_column: str = "expected_nrr",
) -> pd.DataFrame:
    """Share of hard books (bottom third of expected retention) per shown group, with Fisher p vs the rest.

    Returns ``column``, ``group``, ``n``, ``hard_books``, ``share_hard``,
    ``team_share_hard``, ``odds_ratio``, ``fisher_p``.
    """
    merged = ratings[["csm_id", column]].merge(book_difficulty[["csm_id", difficulty_column]], on="csm_id", how="inner")
    merged = merged.dropna(subset=[difficulty_column])
    if merged.empty:
        return pd.DataFrame(columns=["column", "group", "n", "hard_books", "share_hard", "team_share_hard", "odds_ratio", "fisher_p"])
    cut = float(merged[difficulty_column].quantile(1 / 3))
    hard = merged[difficulty_column].le(cut).to_numpy(bool)
    groups = _groups(merged, column)
    sizes = groups.value_counts()
    rows = []
    for g in sorted(g for g, n in sizes.items() if n >= min_group_size):
        members = groups.eq(g).to_numpy(bool)
        in_yes = int(hard[members].sum())
        rest_yes = int(hard[~members].sum())
        odds, p = _fisher(in_yes, int(members.sum()) - in_yes, rest_yes, int((~members).sum()) - rest_yes)
        rows.append(
            {
                "column": column,
                "group": g,
                "n": int(members.sum()),
                "hard_books": in_yes,
                "share_hard": in_yes / members.sum(),
                "team_share_hard": float(hard.mean()),
                "odds_ratio": odds,
                "fisher_p": p,
            }
        )
    return pd.DataFrame(rows)


def _finding(column: str, impact: pd.DataFrame, hard: pd.DataFrame | None, n_hidden: int, people_hidden: int, threshold: float) -> str:
    parts: list[str] = []
    column = column[len("group_"):] if column.startswith("group_") else column  # the attribute in words
    column = column.replace("_", " ").capitalize()
    if impact.empty:
        parts.append(f"{column}: no group has 4 or more CSMs, so nothing is shown for this column.")
        return " ".join(parts)
    names = {"meets_or_better": "a rating of meets or better", "exceeds": "an exceeds rating"}
    for outcome, label in names.items():
        rows = impact[impact["outcome"] == outcome]
        if rows["impact_ratio"].isna().all():
            parts.append(f"No shown group received {label}, so there is no ratio to compare.")
            continue
        low = rows.loc[rows["impact_ratio"].idxmin()]
        min_p = float(rows["fisher_p"].min()) if rows["fisher_p"].notna().any() else float("nan")
        if bool(low["below_threshold"]):
            verdict = (
                "and Fisher's test against that group says a gap this size is unlikely by chance (p = {p:.3f}); review the evidence behind these ratings."
                if low["fisher_p"] < _ALPHA
                else "but Fisher's test against that group (p = {p:.2f}) cannot tell it from chance at these group sizes; look at the evidence behind the ratings before drawing a conclusion."
            ).format(p=float(low["fisher_p"]))
            parts.append(
                f"For {label}, '{low['group']}' is at {low['impact_ratio']:.2f} of the highest group's rate "
                f"({low['rate']:.0%} of {int(low['n'])} vs {low['reference_rate']:.0%} in '{low['reference_group']}'), "
                f"below the {threshold:g} line, {verdict}"
            )
        else:
            parts.append(
                f"For {label}, every shown group is at {threshold:g} or more of the highest group's rate "
                f"(lowest: '{low['group']}' at {low['impact_ratio']:.2f}); smallest Fisher p against '{low['reference_group']}' = {min_p:.2f}."
            )
    if hard is not None and not hard.empty:
        worst = hard.loc[hard["fisher_p"].idxmin()]
        if worst["fisher_p"] < _ALPHA:
            parts.append(
                f"Hard books are not spread evenly: '{worst['group']}' holds {int(worst['hard_books'])} of its "
                f"{int(worst['n'])} books in the bottom third of expected retention ({worst['share_hard']:.0%} vs "
                f"{worst['team_share_hard']:.0%} for the team, p = {worst['fisher_p']:.3f}); account for this before comparing ratings."
            )
        else:
            parts.append(f"Hard books are spread across the groups without a gap chance would not explain (smallest p = {worst['fisher_p']:.2f}).")
    if n_hidden:
        parts.append(f"{n_hidden} group(s) with fewer than 4 CSMs ({people_hidden} people) are not shown; those people still count in the team totals.")
    parts.append("These figures describe one team and cannot prove or rule out bias on their own.")
    return f"{column}: " + " ".join(parts)


def fairness_checks(
    ratings: pd.DataFrame,
    *,
    group_columns: Sequence[str] | None = None,
    book_difficulty: pd.DataFrame | None = None,
    difficulty_column: str = "expected_nrr",
    min_group_size: int = 4,
    threshold: float = 0.8,
) -> FairnessReport:
    """Run the fairness checks for every group column.

    Parameters
    ----------
    ratings : DataFrame
        One row per CSM: ``csm_id``, ``rating`` (the rating under review:
        final, manager or model) and the ``group_*`` columns (the csms table
        merged with ratings).
    group_columns : sequence of str, optional
        Defaults to every column starting with ``group_``.
    book_difficulty : DataFrame, optional
        ``csm_id`` and ``difficulty_column`` (``book_adjusted`` output);
        enables the hard-book spread check.
    min_group_size : int
        Groups smaller than this are not shown (see the module docstring).
    threshold : float
        The adverse-impact line (four-fifths rule: 0.8).
    """
    if "rating" not in ratings.columns or "csm_id" not in ratings.columns:
        raise InsufficientDataError("The ratings table needs csm_id and rating columns for the fairness checks.")
    columns = list(group_columns) if group_columns is not None else [c for c in ratings.columns if c.startswith(GROUP_PREFIX)]
    rated = ratings.loc[ratings["rating"].notna().to_numpy(bool)]
    shares, impacts, hards, findings = [], [], [], {}
    for column in columns:
        share, impact, n_hidden, people_hidden = adverse_impact(rated, column, min_group_size=min_group_size, threshold=threshold)
        hard = (
            hard_book_spread(rated, column, book_difficulty, min_group_size=min_group_size, difficulty_column=difficulty_column)
            if book_difficulty is not None
            else None
        )
        shares.append(share)
        impacts.append(impact)
        if hard is not None:
            hards.append(hard)
        findings[column] = _finding(column, impact, hard, n_hidden, people_hidden, threshold)
    def cat(frames: list[pd.DataFrame]) -> pd.DataFrame:
        frames = [f for f in frames if not f.empty]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return FairnessReport(cat(shares), cat(impacts), cat(hards), findings)
