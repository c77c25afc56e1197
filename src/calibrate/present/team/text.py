"""Plain-language notes for each section of the team calibration report.

Every function takes the section's computed frame and returns one short
paragraph with the numbers and their units; when a section could not be
computed the note says why and what would make it possible.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "glance_note",
    "distribution_note",
    "expected_note",
    "ranks_note",
    "ratings_note",
    "nine_box_note",
    "decisions_note",
    "fairness_note",
    "balance_note",
    "training_note",
    "name_list",
]


def name_list(names: Sequence[str], *, limit: int = 8) -> str:
    """``a, b and c``; past ``limit`` names, ``a, b, ... and N more``."""
    names = [str(n) for n in names]
    if not names:
        return "nobody"
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def glance_note(glance: pd.DataFrame, period: str, previous: str | None) -> str:
    missed = glance.loc[glance["missed"].fillna(False).to_numpy(bool)]
    scored = int(glance["missed"].notna().sum())
    if missed.empty:
        head = f"In {period} the team met all {scored} figures that have a target."
    else:
        items = [r.measure.split(" (")[0] for r in missed.itertuples()]
        head = f"In {period} the team missed {len(missed)} of {scored} targets ({name_list(items, limit=20)}); the table shows each figure against its target."
    tail = (
        " NRR, GRR and churn are the company's cohort for the quarter (every account with ARR at the start, whoever owned it), "
        "not an average of CSMs; retention targets are per quarter, as set in the params file."
    )
    change = f" The last column is the change since {previous}." if previous else " There is no earlier quarter in the data to compare with."
    return head + tail + change


def distribution_note(rating_check, final_check, tier_check) -> str:
    parts = []
    if rating_check is not None:
        parts.append(f"Model ratings: {rating_check.note}")
    if final_check is not None and rating_check is not None and not final_check.table["count"].equals(rating_check.table["count"]):
        parts.append(f"Final ratings (decision, else manager, else model): {final_check.note}")
    if tier_check is not None:
        counts = ", ".join(f"{int(r['count'])} {r['category']}" for _, r in tier_check.table.iterrows())
        parts.append(f"Tiers: {counts} (of {tier_check.n} scored CSMs; no target distribution is set for tiers).")
    return " ".join(parts) if parts else "No CSM has an overall score this quarter, so there is no distribution to compare."


def _outside(adjusted: pd.DataFrame, measure: str) -> tuple[list[str], list[str]]:
    """Names above and below the 95% limits, read from the one band column and its side."""
    band = adjusted[f"{measure}_band"].astype(str)
    beyond = band.isin(["outside_95", "outside_998"])
    side = adjusted[f"{measure}_position_95"].astype(str)
    names = adjusted["name"].fillna(adjusted["csm_id"]).astype(str)
    return names[beyond & side.eq("above")].tolist(), names[beyond & side.eq("below")].tolist()


def _accounts_words(strength: float) -> str:
    return f"about {strength:,.0f} accounts" if strength < 1e6 else "more accounts than any book has"


def prior_sentence(priors: pd.DataFrame | None) -> str:
    """How strongly each shrunk rate leans on the team, in words (one clause per metric and cohort)."""
    if priors is None or priors.empty:
        return ""
    parts = []
    for _, row in priors.iterrows():
        what = {"churn": "churn rate", "renewal": "renewal rate", "nrr": "NRR", "grr": "GRR"}.get(row["metric"], row["metric"])
        who = "" if row["cohort"] == "team" else f" in the {row['cohort']} cohort"
        unit = {"churn": "accounts", "renewal": "decided renewals"}.get(row["metric"], "accounts of average size")
        if row["source"] == "default":
            parts.append(f"with only {int(row['n_books'])} books{who} the {what} prior could not be estimated, so the default "
                         f"of {row['strength']:g} {unit} was used")
        elif row["source"] == "no_spread":
            parts.append(f"books{who} vary in {what} no more than chance would make them, so each shrunk {what} sits at the "
                         f"team's figure ({row['mean']:.1%})")
        else:
            words = _accounts_words(float(row["strength"]))
            if row["metric"] == "renewal":
                words = words.replace("accounts", "decided renewals")
            parts.append(f"a book{who} needs {words} before its own {what} counts for half "
                         f"(the rest is the team's {row['mean']:.1%})")
    return "Shrunk figures weigh each book against the team, with the weight estimated from this quarter's books: " + "; ".join(parts) + "."


def expected_note(adjusted: pd.DataFrame | None, fit: dict[str, Any], priors: pd.DataFrame | None = None) -> str:
    if adjusted is None:
        return f"Book-adjusted performance could not be computed: {fit.get('error', 'no data')} The funnel plots are left out."
    quarters = fit.get("quarters", [])
    span = f"{quarters[0]} to {quarters[-1]}" if len(quarters) > 1 else (quarters[0] if quarters else "the quarter")
    auc = fit.get("auc", np.nan)
    quality = (
        f"On this quarter's {fit['n_accounts']} accounts ({fit['churn_events']} churned) it scored a churn AUC of "
        f"{auc:.2f} and a Brier score of {fit['brier']:.3f}; its ARR-ratio error is {fit['ratio_rmse'] * 100:.1f} points (RMSE)."
        if not np.isnan(auc)
        else f"On this quarter's {fit['n_accounts']} accounts no churn or no renewal occurred, so only the ARR-ratio error "
        f"({fit['ratio_rmse'] * 100:.1f} points RMSE) can be checked."
    )
    worse_churn, better_churn = _outside(adjusted, "churn")
    better_nrr, worse_nrr = _outside(adjusted, "nrr")
    flagged = []
    if worse_churn:
        flagged.append(f"more churn than their books explain: {name_list(worse_churn)}")
    if better_churn:
        flagged.append(f"less churn than expected: {name_list(better_churn)}")
    if better_nrr:
        flagged.append(f"NRR above expectation: {name_list(better_nrr)}")
    if worse_nrr:
        flagged.append(f"NRR below expectation: {name_list(worse_nrr)}")
    too_few = int(adjusted["churn_band"].astype(str).eq("too_few").sum())
    outside = ("Outside the 95% limits — " + "; ".join(flagged) + ".") if flagged else (
        "Every CSM is inside the 95% limits on both measures." if not too_few
        else "Every CSM that can be judged is inside the 95% limits on both measures.")
    if too_few:
        outside += (f" {too_few} {'book is' if too_few == 1 else 'books are'} too small to judge on churn: even a "
                    "wholly ordinary book of that size would rarely land outside the limits, so its churn says little either way.")
    widened = []
    for measure, label in (("churn", "churn"), ("nrr", "NRR")):
        phi = float(adjusted[f"{measure}_phi"].iloc[0])
        if phi > 1:
            widened.append(f"the {label} results vary {phi:.2f} times as much as chance allows (overdispersion), so its limits are "
                           "moved out by the square root of that")
    spread = ("Across the team, " + " and ".join(widened) + ". ") if widened else ""
    return (
        f"Each account's churn and ARR ratio are predicted from its book facts alone (segment, ARR, health and tenure at the start, "
        f"renewal due), by a model fitted on the accounts of {span} with every CSM predicted by a model that never saw their "
        f"accounts. {quality} Observed minus expected is what the CSM added or lost beyond the book. Accounts, churn and NRR "
        "here count the accounts each CSM held at the quarter's start (ARR above $0 on its first day); rates are fractions of them. "
        "A CSM is outside a limit when a result this far from the book's own expectation would happen by chance less than 5% "
        "of the time (0.2% for the 99.8% limit), judged from the exact odds of the book's own accounts: a book that expected "
        f"about one churn and lost none is ordinary. {spread}{outside} "
        + prior_sentence(priors)
        + " Churn is the measure for rescue work: saving a red account shows as churn that did not happen, while NRR also "
        "moves with expansion, which the book drives as much as the CSM."
    )


def score_shrinkage_sentence(scores: pd.DataFrame, default_k: float) -> str:
    """How far each category score leans on the cohort, in words, from scores.csv's ``shrink_strength_<category>``."""
    from ...params import CATEGORIES
    from .csm_view import CATEGORY_LABELS

    estimated, default = [], []
    for category in CATEGORIES:
        strength = f"shrink_strength_{category}"
        if strength not in scores or scores[strength].isna().all():
            continue
        k = float(scores[strength].iloc[0])
        source = str(scores.get(f"shrink_source_{category}", pd.Series(["default"])).iloc[0])
        (estimated if source == "estimated" else default).append((CATEGORY_LABELS.get(category, category), k))
    if not estimated and not default:
        return ""
    parts = []
    if estimated:
        parts.append("how many accounts a book needs before its own score counts for half, estimated from this "
                     "quarter's books (a small team stays close to the default of "
                     f"{default_k:g}), is "
                     + ", ".join(f"{label} {k:,.0f}" for label, k in estimated))
    if default:
        parts.append("for " + ", ".join(label for label, _ in default)
                     + f" too few books had a score to estimate it, so the default of {default_k:g} accounts was used")
    return "Category scores are drawn toward the cohort's average before ranking: " + "; ".join(parts) + ". "


def ranks_note(ranks: pd.DataFrame | None, error: str | None, scores: pd.DataFrame | None = None,
               default_k: float = 8.0) -> str:
    if ranks is None:
        return f"Rank intervals could not be computed: {error}"
    ranked = ranks.loc[ranks["median_rank"].notna()]
    discuss = ranked.loc[ranked["discuss"].to_numpy(bool)]
    names = discuss["name"].fillna(discuss["csm_id"]).astype(str).tolist()
    wide = (ranked["rank_high"] - ranked["rank_low"]).median()
    unrankable = int(ranked["rank_note"].eq("too few accounts to rank").sum()) if "rank_note" in ranked else 0
    too_few = (f"For {unrankable} of {len(ranked)} CSMs that range covers more than half the team: too few accounts to rank. "
               if unrankable else "")
    shrinkage = score_shrinkage_sentence(scores, default_k) if scores is not None else ""
    return shrinkage + (
        "Every input of each score was resampled 1,000 times at the level it was measured (accounts, activities, survey "
        "responses, tickets, drafts) and every CSM re-scored as the report scores them; ranks then allow for how much of the "
        f"spread between CSMs is noise. The median CSM's 95% rank range spans {wide:.0f} places out of {len(ranked)}. {too_few}"
        f"{len(discuss)} of {len(ranked)} CSMs have a 95% score range that crosses a tier cut, so their tier rests on a few "
        f"accounts: {name_list(names)}. Discuss these before fixing their tier; P(top quartile) is the share of resamples "
        "that put the CSM in the top quarter of the team (never exactly 0% or 100%: a resampling cannot prove certainty)."
    )


def ratings_note(merged: pd.DataFrame, has_manager_table: bool) -> str:
    if not has_manager_table:
        return ("No manager ratings were supplied (the optional manager_ratings table is absent), so there is nothing to "
                "compare the model with; final ratings are the model's unless the session decided otherwise.")
    rated = merged["manager_rating"].notna()
    if not rated.any():
        return "No manager rating is recorded for this quarter; final ratings are the model's unless the session decided otherwise."
    gap = merged["rating_gap"].astype("Float64")
    higher, lower = int((gap > 0).sum()), int((gap < 0).sum())
    two = int((gap.abs() >= 2).sum())
    return (
        f"{int(rated.sum())} of {len(merged)} CSMs have a manager rating for the quarter. {higher + lower} differ from the model "
        f"({higher} rated higher by the manager, {lower} lower; {two} by two levels). Disagreements come first, largest gap first, "
        "each with the evidence behind the model's rating; a gap is a question for the room, not a verdict on either side."
    )


def nine_box_note(grid: pd.DataFrame | None) -> str:
    if grid is None:
        return "No potential is recorded for this quarter (manager_ratings.potential), so there is no nine-box grid."
    placed = int(grid["count"].sum())
    return f"{placed} CSMs placed by performance (the final rating) and the manager's view of potential."


def decisions_note(decisions: pd.DataFrame | None, params) -> str:
    if decisions is None:
        where = params.calibration_decisions or "calibration_decisions.csv in the data folder"
        return (
            f"No calibration decisions were recorded ({where} is absent), so each final rating is the manager's, else the model's. "
            "To record the session, write one row per decided CSM with csm_id, final_rating, reason and decided_by; "
            "an override of the model's rating without a reason is refused before anything is written."
        )
    overrides = int(decisions["is_override"].astype(bool).sum())
    return (
        f"{len(decisions)} decisions recorded, {overrides} of them overriding the model's rating, each with its reason and "
        "who decided. They are written to manifest.json as the audit trail and to scores.csv as final_rating."
    )


def fairness_note(fairness, group_columns: Sequence[str]) -> str:
    if fairness is None:
        return ("The csms table has no group_* column (such as group_location), so no fairness check was run. "
                "Add one to compare rating rates across groups.")
    lines = [fairness.findings[c] for c in group_columns if c in fairness.findings]
    return "Checked on the final ratings. " + " ".join(lines)


def balance_note(balance: pd.DataFrame | None, moves: pd.DataFrame | None) -> str:
    if balance is None or balance.empty:
        return "No book at the end of the period, so there is nothing to balance."
    over = balance.loc[balance["status"].eq("over")]
    under = balance.loc[balance["status"].eq("under")]
    head = f"{len(over)} of {len(balance)} CSMs are over capacity and {len(under)} have room for more accounts."
    if over.empty:
        return head + " No move is needed."
    if moves is None or moves.empty:
        return head + (" No move is suggested: no CSM in the same segment can take an account without going over their own "
                       "target, or the movable accounts renew within the freeze window.")
    last = moves.groupby("from_csm_id").last()
    target = over.set_index("csm_id")["target_accounts"]
    reached = int((last["from_accounts_after"] <= last.index.map(target)).sum())
    arr = float(moves["account_arr"].sum())
    return (
        f"{head} {len(moves)} suggested moves (smallest accounts first, never the top account or one renewing soon) shift "
        f"${arr:,.0f} of ARR and bring {reached} of the {last.shape[0]} donors back to their account target; "
        f"{len(over) - last.shape[0]} over-capacity CSMs have no receiver in their segment."
    )


def training_note(needs: pd.DataFrame, n_csms: int, flag_validation: Any = None) -> str:
    if needs.empty:
        text = "No shared development need: no category is below the meets cut and no coaching trigger was raised."
    else:
        top = needs.head(3)
        items = [f"{r.area} ({r.csms} of {n_csms} CSMs; {r.source})" for r in top.itertuples()]
        text = "The most shared needs are " + "; ".join(items) + "."
    table = getattr(flag_validation, "table", None)
    if table is not None and not table.empty and "verdict" in table:
        kinds = sorted(k.replace("_", " ") for k in
                       table.loc[table["verdict"].astype(str).eq("predictive"), "flag_kind"].astype(str).unique())
        if kinds:
            text += f" AI flags that proved predictive this quarter: {name_list(kinds)}; acting on them early is worth coaching time."
    return text
