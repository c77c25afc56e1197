"""Team at a glance: the team's figures for a quarter against their targets.

Retention is the company's cohort (``calibrate.models.adapters.company_retention``:
every account with ARR at T0, whoever owned it), never an average of CSMs.
The other figures pool the CSMs' counts, so a big book weighs what it holds:

* average health at T1 = mean score on the period's last day over the
  accounts owned then; health change = that mean − the same accounts' mean at T0
* NPS = (Σ promoters − Σ detractors) / Σ NPS responses × 100;
  CSAT = Σ (CSAT × responses) / Σ responses
* escalations = Σ escalated tickets (no target: shown per 100 accounts)
* QBR coverage weighted by book size; proactive share by activities; SLA
  adherence by tickets; AI coverage by accounts at T1; override rate by drafts
* customer-facing hours per week = mean over CSMs
* net retention per loaded dollar = Σ net ARR movement / Σ (loaded cost × years)

Targets are ``params.scoring.targets``; retention targets are per quarter
(params/base.yaml). A figure is a *miss* when it is on the wrong side of its
target (override rate: outside its band).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...params import Params
from ..tables import format_money

__all__ = ["Measure", "MEASURES", "team_figures", "glance_table", "money_text"]


@dataclass(frozen=True)
class Measure:
    """One row of the glance table: key, label, unit (``percent``, ``number``, ``score``, ``count``,
    ``hours``, ``ratio``, ``nps``, ``csat``) and direction (+1 higher is better, -1 lower, 0 band, None no target)."""

    key: str
    label: str
    unit: str
    direction: int | None
    target_key: str | None = None


MEASURES = (
    Measure("nrr", "Net revenue retention (company cohort, quarter)", "percent", 1, "nrr"),
    Measure("grr", "Gross revenue retention (company cohort, quarter)", "percent", 1, "grr"),
    Measure("logo_churn_rate", "Logo churn (share of cohort accounts lost)", "percent", -1, "logo_churn_rate"),
    Measure("revenue_churn_rate", "Revenue churn (churn + contraction ARR / start ARR)", "percent", -1, None),
    Measure("expansion_rate", "Expansion (expansion ARR / start ARR)", "percent", 1, "expansion_rate"),
    Measure("avg_health", "Average account health at period end", "score", 1, "avg_health"),
    Measure("health_change", "Change in average health over the quarter", "points", 1, "health_change"),
    Measure("nps", "NPS", "nps", 1, "nps"),
    Measure("csat", "CSAT (1 to 5)", "csat", 1, "csat"),
    Measure("escalations", "Escalated tickets", "count", None),
    Measure("escalations_per_100", "Escalations per 100 accounts", "number", None),
    Measure("qbr_coverage", "QBR coverage (accounts with a QBR or EBR)", "percent", 1, "qbr_coverage"),
    Measure("proactive_share", "Proactive share of activities", "percent", 1, "proactive_share"),
    Measure("sla_adherence", "First responses within SLA", "percent", 1, "sla_adherence"),
    Measure("customer_facing_hours_per_week", "Customer-facing hours per CSM per week", "hours", 1, "customer_facing_hours_per_week"),
    Measure("ai_coverage", "AI-assisted coverage (accounts)", "percent", 1, "ai_coverage"),
    Measure("override_rate", "AI draft override rate", "percent", 0, None),
    Measure("net_retention_per_cost", "Net retention per fully-loaded dollar", "ratio", 1, "net_retention_per_cost"),
)


def _weighted(values: pd.Series, weights: pd.Series) -> float:
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    w = pd.to_numeric(weights, errors="coerce").fillna(0).to_numpy(dtype=float)
    ok = ~np.isnan(v) & (w > 0)
    return float((v[ok] * w[ok]).sum() / w[ok].sum()) if ok.any() else float("nan")


def _sum(frame: pd.DataFrame, column: str) -> float:
    if column not in frame:
        return float("nan")
    values = pd.to_numeric(frame[column], errors="coerce")
    return float(values.sum()) if values.notna().any() else float("nan")


def team_figures(scores: pd.DataFrame, account_health: pd.DataFrame, retention: dict, *, period_years: float) -> dict[str, float]:
    """The team's figures for one period (formulas in the module docstring).

    ``scores`` is ``PeriodResult.scores``, ``account_health`` its
    ``account_health``, ``retention`` the output of ``company_retention``.
    """
    out = {k: float(retention.get(k, np.nan)) for k in ("nrr", "grr", "logo_churn_rate", "revenue_churn_rate", "expansion_rate")}
    t1 = account_health.loc[account_health["book"].eq("t1").to_numpy(bool)]
    s1 = pd.to_numeric(t1["score_t1"], errors="coerce")
    s0 = pd.to_numeric(t1["score_t0"], errors="coerce")
    both = s1.notna() & s0.notna()
    out["avg_health"] = float(s1.mean()) if s1.notna().any() else np.nan
    out["health_change"] = float(s1[both].mean() - s0[both].mean()) if both.any() else np.nan
    responses = _sum(scores, "nps_responses")
    out["nps"] = (_sum(scores, "promoters") - _sum(scores, "detractors")) / responses * 100 if responses > 0 else np.nan
    out["csat"] = _weighted(scores["csat"], scores["csat_responses"]) if "csat" in scores else np.nan
    out["escalations"] = _sum(scores, "escalations")
    accounts = _sum(scores, "n_accounts")
    out["escalations_per_100"] = out["escalations"] / accounts * 100 if accounts > 0 else np.nan
    out["qbr_coverage"] = _weighted(scores["qbr_coverage"], scores["book_size"])
    out["proactive_share"] = _weighted(scores["proactive_share"], scores["n_activities"])
    out["sla_adherence"] = _weighted(scores["sla_adherence"], scores["n_tickets"]) if "n_tickets" in scores else np.nan
    hours = pd.to_numeric(scores["customer_facing_hours_per_week"], errors="coerce")
    out["customer_facing_hours_per_week"] = float(hours.mean()) if hours.notna().any() else np.nan
    out["ai_coverage"] = _weighted(scores["ai_coverage"], scores["n_accounts"])
    out["override_rate"] = _weighted(scores["override_rate"], scores["n_drafts"]) if "n_drafts" in scores else np.nan
    cost = pd.to_numeric(scores.get("fully_loaded_cost"), errors="coerce")
    movement = pd.to_numeric(scores.get("net_arr_movement"), errors="coerce")
    ok = cost.gt(0) & movement.notna()
    out["net_retention_per_cost"] = float(movement[ok].sum() / (cost[ok].sum() * period_years)) if ok.any() else np.nan
    return out


def _fmt(value: float, unit: str, *, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "no data"
    sign = "+" if signed and value > 0 else ""
    if unit == "percent":
        return f"{sign}{value * 100:.1f} pts" if signed else f"{value * 100:.1f}%"
    if unit in ("score", "points"):
        return f"{sign}{value:.1f} pts" if signed or unit == "points" else f"{value:.1f} / 100"
    if unit == "nps":
        return f"{sign}{value:.0f} pts" if signed else f"{value:.0f} (−100 to 100)"
    if unit == "csat":
        return f"{sign}{value:.2f}" if signed else f"{value:.2f} / 5"
    if unit == "count":
        return f"{sign}{value:,.0f}" if signed else f"{value:,.0f} tickets"
    if unit == "hours":
        return f"{sign}{value:.1f} h" if signed else f"{value:.1f} h / week"
    if unit == "ratio":
        money = f"{'-' if value < 0 else sign}${abs(value):.2f}"
        return money if signed else f"{money} per $1"
    return f"{sign}{value:,.1f}"


def glance_table(current: dict[str, float], previous: dict[str, float] | None, params: Params) -> pd.DataFrame:
    """One row per measure: ``measure``, ``value``, ``target``, ``status``, ``previous``, ``change`` (display
    text with units) plus ``key``, ``value_raw``, ``target_raw``, ``missed`` (bool or NA) for tests and charts."""
    targets = params.scoring.targets
    low, high = params.ai.override_band_low, params.ai.override_band_high
    rows = []
    for m in MEASURES:
        value = current.get(m.key, np.nan)
        prev = previous.get(m.key, np.nan) if previous else np.nan
        if m.key == "override_rate":
            target_text = f"{low * 100:.0f}% to {high * 100:.0f}% (band)"
            target = np.nan
            missed = None if np.isnan(value) else bool(value < low or value > high)
        elif m.key == "revenue_churn_rate":
            target = 1.0 - targets.grr
            target_text = f"at most {_fmt(target, m.unit)} (1 − GRR target)"
            missed = None if np.isnan(value) else bool(value > target + 1e-12)
        elif m.target_key is None:
            target, target_text, missed = np.nan, "no target set", None
        else:
            target = float(getattr(targets, m.target_key))
            word = "at least" if m.direction == 1 else "at most"
            target_text = f"{word} {_fmt(target, m.unit) if m.unit != 'points' else f'{target:+.1f} pts'}"
            missed = None if np.isnan(value) else bool((value - target) * m.direction < -1e-12)
        status = "no data" if np.isnan(value) else ("no target" if missed is None else ("✗ missed" if missed else "✓ met"))
        change = value - prev if not (np.isnan(value) or np.isnan(prev)) else np.nan
        rows.append(
            {
                "key": m.key,
                "measure": m.label,
                "value": _fmt(value, m.unit),
                "target": target_text,
                "status": status,
                "previous": _fmt(prev, m.unit) if previous else "no previous quarter",
                "change": _fmt(change, m.unit, signed=True) if not np.isnan(change) else "—",
                "value_raw": value,
                "target_raw": target,
                "previous_raw": prev,
                "missed": pd.NA if missed is None else missed,
            }
        )
    table = pd.DataFrame(rows)
    table["missed"] = table["missed"].astype("boolean")
    return table


def money_text(value: float) -> str:
    """``$1,234,567`` or ``no data``."""
    return "no data" if value is None or np.isnan(value) else format_money(value)
