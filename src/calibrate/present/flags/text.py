"""Words and number formats of the flag validation report.

Every figure leaves here as text with its unit: a fraction as a percentage,
lift as a multiple ("2.3×"), lead time in days, an estimate with its 95%
interval as ``0.71 (0.62–0.79)``. A value that cannot be computed is an em
dash, never 0.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

from ..escape import is_missing

__all__ = [
    "panel_label",
    "DASH",
    "VERDICT_LABELS",
    "OUTCOME_LABELS",
    "kind_label",
    "is_missing",
    "fmt_number",
    "fmt_count",
    "fmt_percent",
    "fmt_multiple",
    "fmt_days",
    "fmt_interval",
    "kind_sentence",
    "panel_sentence",
    "validity_reading",
    "PREDICTOR_LABELS",
    "VALIDITY_OUTCOME_LABELS",
]

DASH = "—"
VERDICT_LABELS = {
    "predictive": "Predictive",
    "not_predictive": "Not predictive",
    "insufficient_data": "Too few events to judge",
}
OUTCOME_LABELS = {"churn": "Churn", "escalation": "Escalation"}
_OUTCOME_NOUNS = {"churn": "churn", "escalation": "escalations"}
_OUTCOME_EVENTS = {"churn": "churn events", "escalation": "escalations"}
PREDICTOR_LABELS = {"overall_score": "Overall score", "rating": "Rating"}
VALIDITY_OUTCOME_LABELS = {
    "nrr": "NRR",
    "grr": "GRR",
    "logo_churn_rate": "Logo churn rate",
    "escalations": "Escalations",
    "escalations_per_account": "Escalations per account",
}


def kind_label(kind: str) -> str:
    """``churn_risk`` -> ``Churn risk``."""
    words = str(kind).replace("_", " ").strip().split(" ")
    words = ["AI" if w.lower() == "ai" else w for w in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]




def fmt_number(value: Any, digits: int = 2) -> str:
    return DASH if is_missing(value) else f"{float(value):,.{digits}f}"


def fmt_count(value: Any, unit: str = "") -> str:
    if is_missing(value):
        return DASH
    text = f"{int(round(float(value))):,}"
    return f"{text} {unit}".strip()


def fmt_percent(value: Any, digits: int = 0) -> str:
    """A fraction as a percentage: ``0.42`` -> ``42%``."""
    return DASH if is_missing(value) else f"{float(value) * 100:,.{digits}f}%"


def fmt_multiple(value: Any, digits: int = 1) -> str:
    """A ratio to the base rate: ``2.34`` -> ``2.3×``."""
    return DASH if is_missing(value) else f"{float(value):,.{digits}f}×"


def fmt_days(value: Any) -> str:
    return DASH if is_missing(value) else f"{float(value):,.0f} days"


def fmt_interval(value: Any, low: Any, high: Any, *, digits: int = 2, style: str = "number") -> str:
    """``0.71 (0.62–0.79)``; the interval is left off when it cannot be computed.

    ``style`` is ``number`` (plain, ``digits`` decimals), ``multiple`` (``×``),
    ``percent`` or ``signed`` (``+0.021``).
    """
    def one(x: Any) -> str:
        if is_missing(x):
            return DASH
        if style == "multiple":
            return fmt_multiple(x, digits)
        if style == "percent":
            return fmt_percent(x, digits).replace("-", "−")
        if style == "signed":
            rounded = round(float(x), digits) + 0.0
            return f"{0.0:.{digits}f}" if rounded == 0 else f"{rounded:+.{digits}f}".replace("-", "−")
        return fmt_number(x, digits)

    if is_missing(value):
        return DASH
    if is_missing(low) or is_missing(high):
        return one(value)
    return f"{one(value)} ({one(low)}–{one(high)})"


def _horizons_text(days: Sequence[int]) -> str:
    values = sorted({int(d) for d in days})
    if len(values) == 1:
        return f"{values[0]} days"
    return ", ".join(str(d) for d in values[:-1]) + f" and {values[-1]} days"


def kind_sentence(kind: str, rows: Sequence[Mapping[str, Any]]) -> str:
    """One plain sentence for a flag kind, across outcomes and horizons.

    ``rows`` are the kind's flag_validation rows (``outcome``, ``horizon_days``,
    ``verdict``). Example: "Churn risk flags predicted churn within 90 and 180
    days; they did not reliably predict escalations within 90 and 180 days."
    """
    groups: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        groups.setdefault((str(row["verdict"]), str(row["outcome"])), []).append(int(row["horizon_days"]))
    parts = []
    order = ("predictive", "not_predictive", "insufficient_data")
    for verdict in order:
        for outcome in ("churn", "escalation"):
            days = groups.get((verdict, outcome))
            if not days:
                continue
            noun = _OUTCOME_NOUNS.get(outcome, outcome)
            when = _horizons_text(days)
            if verdict == "predictive":
                parts.append(f"predicted {noun} within {when}")
            elif verdict == "not_predictive":
                parts.append(f"did not reliably predict {noun} within {when}")
            else:
                parts.append(f"had too few {_OUTCOME_EVENTS.get(outcome, outcome)} to be judged within {when}")
    if not parts:
        return f"{kind_label(kind)} flags: nothing could be judged."
    body = parts[0] if len(parts) == 1 else "; they ".join([parts[0], *parts[1:]])
    return f"{kind_label(kind)} flags {body}."


def panel_sentence(row: Mapping[str, Any]) -> str:
    """What the panel of one horizon kept and dropped, with the counts."""
    h = int(row["horizon_days"])
    text = (
        f"At {h} days: {fmt_count(row['n_rows'])} account-quarters kept, from {fmt_count(row['n_accounts'])} "
        f"accounts. Dropped: {fmt_count(row['n_dropped_churned'])} account-quarters whose account had already "
        f"churned (or given notice) at the quarter's start, and {fmt_count(row['n_dropped_censored'])} whose "
        f"{h}-day outcome window runs past the end of the data."
    )
    if "quarters" in row and str(row["quarters"]):
        text += f" Quarters: {str(row['quarters']).replace(';', ', ')}."
    events = [f"{fmt_count(row[c])} {name}" for c, name in (("n_churn_events", "churn events"),
                                                            ("n_escalation_events", "escalation events"))
              if c in row and not is_missing(row[c])]
    if events:
        text += " The kept rows hold " + " and ".join(events) + "."
    return text


def validity_reading(rho: Any, low: Any, high: Any, expected_sign: int) -> str:
    """A short reading of one correlation against the direction a good score should point."""
    if is_missing(rho):
        return "too few pairs"
    if is_missing(low) or is_missing(high):
        return "no interval (too few CSMs)"
    if low > 0 or high < 0:
        agrees = (low > 0) == (expected_sign > 0)
        return "in the expected direction" if agrees else "against the expected direction"
    return "no clear relation (interval spans 0)"


def panel_label(outcome: str, horizon_days: int) -> str:
    """``("churn", 90)`` -> ``"Churn within 90 days"``."""
    return f"{str(outcome).capitalize()} within {int(horizon_days)} days"
