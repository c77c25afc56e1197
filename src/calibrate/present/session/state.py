"""The meeting itself: the queue, the cards, decisions with undo, and the time box.

``SessionState.open(inputs, who=..., now=...)`` opens the session's files
(``store.open_store``) and resumes from them. Every ``decide`` / ``undo``
is validated first (nothing is written on refusal), then appended to the
audit log and the decisions file (``SessionStore.append``) before the live
view is recomputed.

The discussion queue puts first the CSMs the room most needs to talk about:

1. **manager vs model**: the manager's rating differs from the model's
   (largest gap first);
2. **range crosses a rating line**: the 95% range of the overall score
   (``rank_intervals``' ``score_low`` .. ``score_high``) straddles the meets
   or exceeds cut, so the data cannot say on which side the CSM falls;
3. **fairness flag**: the CSM belongs to a group whose rate of a favourable
   rating is below four fifths of the highest group's (under the current
   final ratings) and does not have that rating;
4. everyone else.

The three strongest pieces of evidence on a card are the CSM's category
scores (after shrinkage) furthest from the team's median for that category.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np
import pandas as pd

from ...errors import CalibrateError
from ...models.decisions import RATING_LEVELS
from ...params import CATEGORIES
from .inputs import SessionInputs
from .live import RATING_LABELS, LiveView, flagged_groups, live_view
from .store import AuditEvent, Decision, SessionStore, open_store, replay

__all__ = ["SessionState", "CsmCard", "discussion_queue", "csm_card", "compare_frame", "time_box", "MAX_COMPARE",
           "PRIORITY_LABELS"]

MAX_COMPARE = 6
PRIORITY_LABELS = {1: "manager vs model", 2: "range crosses a rating line", 3: "fairness flag", 4: "no flag"}
_CATEGORY_LABELS = {"retention": "retention", "expansion": "expansion", "health": "account health",
                    "engagement": "engagement", "satisfaction": "customer satisfaction", "efficiency": "efficiency",
                    "ai_productivity": "AI productivity"}
_OUTCOME = {"meets_or_better": ("exceeds", "meets"), "exceeds": ("exceeds",)}


def _label(rating) -> str:
    return "—" if rating is None or pd.isna(rating) else RATING_LABELS.get(str(rating), str(rating))


def _text(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def _crossings(inputs: SessionInputs) -> dict[str, str]:
    if inputs.ranks is None or inputs.ranks.empty:
        return {}
    cuts = inputs.params.scoring.rating_cuts
    out = {}
    for r in inputs.ranks.itertuples(index=False):
        low, high = float(r.score_low), float(r.score_high)
        if np.isnan(low) or np.isnan(high):
            continue
        lines = [f"{name} line ({cut:g})" for name, cut in (("meets", cuts.meets), ("exceeds", cuts.exceeds)) if low < cut <= high]
        if lines:
            out[str(r.csm_id)] = f"score range {low:.0f} to {high:.0f} crosses the {' and the '.join(lines)}"
    return out


def _fairness_reasons(view: LiveView, inputs: SessionInputs) -> dict[str, str]:
    out: dict[str, str] = {}
    groups = inputs.groups.set_index("csm_id")
    final = dict(zip(view.merged["csm_id"], view.merged["final_rating"]))
    for column, group, outcome, ratio in flagged_groups(view):
        members = groups.index[groups[column].astype("string").str.strip().fillna("(not recorded)").eq(group).to_numpy(bool)]
        what = "meets or better" if outcome == "meets_or_better" else "exceeds"
        for csm in members:
            if final.get(csm) not in _OUTCOME[outcome]:
                out.setdefault(csm, f"in a group ({column.removeprefix('group_')}) at {ratio:.2f} of the top group's rate of {what}")
    return out


def discussion_queue(inputs: SessionInputs, view: LiveView) -> pd.DataFrame:
    """One row per CSM in discussion order (module docstring).

    Columns: ``csm_id``, ``name``, ``priority`` (1..4), ``why`` (text),
    ``model_rating``, ``manager_rating``, ``final_rating``, ``decided`` (bool).
    """
    merged = view.merged
    crossing = _crossings(inputs)
    fairness = _fairness_reasons(view, inputs)
    rows = []
    for r in merged.itertuples(index=False):
        csm = str(r.csm_id)
        reasons, priority = [], 4
        if bool(r.disagreement):
            reasons.append(f"manager says {_label(r.manager_rating)}, model says {_label(r.model_rating)}")
            priority = 1
        if csm in crossing:
            reasons.append(crossing[csm])
            priority = min(priority, 2)
        if csm in fairness:
            reasons.append(fairness[csm])
            priority = min(priority, 3)
        gap = r.rating_gap
        rows.append({
            "csm_id": csm, "name": r.name, "priority": priority, "why": "; ".join(reasons) or "no flag",
            "model_rating": r.model_rating, "manager_rating": r.manager_rating, "final_rating": r.final_rating,
            "decided": r.final_source == "decision", "_gap": 0.0 if gap is None or pd.isna(gap) else abs(float(gap)),
        })
    frame = pd.DataFrame(rows)
    frame = frame.sort_values(["priority", "_gap", "csm_id"], ascending=[True, False, True], kind="stable")
    return frame.drop(columns="_gap").reset_index(drop=True)


@dataclass(frozen=True)
class CsmCard:
    """Everything one CSM's card shows (all values from the inputs and the live view)."""

    csm_id: str
    name: str
    model_rating: str | None
    manager_rating: str | None
    final_rating: str | None
    final_source: str
    overall_score: float
    score_low: float
    score_high: float
    rank: float
    rank_low: float
    rank_high: float
    n_ranked: int
    categories: pd.DataFrame
    evidence: tuple[str, ...]
    flags: str
    manager_rationale: str | None
    notes: pd.DataFrame
    review_page: str | None
    decision: Decision | None


def _evidence(inputs: SessionInputs, csm_id: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    scores = inputs.scores.set_index("csm_id")
    rows = []
    for c in CATEGORIES:
        column = f"score_{c}"
        if column not in scores:
            continue
        value = scores.at[csm_id, column] if csm_id in scores.index else np.nan
        median = float(np.nanmedian(scores[column].to_numpy(float))) if scores[column].notna().any() else np.nan
        rows.append({"category": _CATEGORY_LABELS[c], "score": float(value) if pd.notna(value) else np.nan,
                     "team_median": median})
    table = pd.DataFrame(rows)
    if table.empty:
        return table, ()
    table = table.assign(difference=table["score"] - table["team_median"])
    ranked = table.dropna(subset=["difference"]).assign(_abs=lambda f: f["difference"].abs())
    ranked = ranked.sort_values(["_abs", "category"], ascending=[False, True], kind="stable").head(3)
    evidence = tuple(
        f"{r.category} {r.score:.0f} / 100, {abs(r.difference):.0f} points {'above' if r.difference >= 0 else 'below'} "
        f"the team median ({r.team_median:.0f})"
        for r in ranked.itertuples(index=False)
    )
    return table, evidence


def csm_card(inputs: SessionInputs, view: LiveView, csm_id: str, decision: Decision | None = None,
             evidence: tuple[pd.DataFrame, tuple[str, ...]] | None = None) -> CsmCard:
    """The card of ``csm_id`` under the current decisions (``evidence``: ``_evidence``'s result when already known)."""
    csm_id = str(csm_id)
    merged = view.merged.set_index("csm_id")
    if csm_id not in merged.index:
        raise CalibrateError(f"No CSM with csm_id {csm_id!r} in the {inputs.period} scores; pick one from the queue.")
    row = merged.loc[csm_id]
    ranks = inputs.ranks.set_index("csm_id") if inputs.ranks is not None else None
    rk = ranks.loc[csm_id] if ranks is not None and csm_id in ranks.index else None
    nan = float("nan")
    categories, evidence = evidence if evidence is not None else _evidence(inputs, csm_id)
    info = inputs.ratings.set_index("csm_id")
    notes = pd.DataFrame(columns=["manager_id", "agrees_with_model", "note"])
    if inputs.notes is not None and not inputs.notes.empty:
        mine = inputs.notes.loc[inputs.notes["csm_id"].astype(str).eq(csm_id).to_numpy(bool)]
        notes = mine[["manager_id", "agrees_with_model", "note"]].reset_index(drop=True)
    page = inputs.review_pages.get(csm_id)
    return CsmCard(
        csm_id=csm_id,
        name=inputs.name(csm_id),
        model_rating=None if pd.isna(row["model_rating"]) else str(row["model_rating"]),
        manager_rating=None if pd.isna(row["manager_rating"]) else str(row["manager_rating"]),
        final_rating=None if pd.isna(row["final_rating"]) else str(row["final_rating"]),
        final_source=str(row["final_source"]),
        overall_score=float(row["overall_score"]) if "overall_score" in row and pd.notna(row["overall_score"]) else nan,
        score_low=float(rk["score_low"]) if rk is not None else nan,
        score_high=float(rk["score_high"]) if rk is not None else nan,
        rank=float(rk["median_rank"]) if rk is not None else nan,
        rank_low=float(rk["rank_low"]) if rk is not None else nan,
        rank_high=float(rk["rank_high"]) if rk is not None else nan,
        n_ranked=int(ranks["median_rank"].notna().sum()) if ranks is not None else 0,
        categories=categories,
        evidence=evidence,
        flags=str(info.at[csm_id, "flags"]) if csm_id in info.index and "flags" in info else "none",
        manager_rationale=None if pd.isna(row.get("manager_rationale")) else str(row.get("manager_rationale")),
        notes=notes,
        review_page=str(page) if page is not None else None,
        decision=decision,
    )


def compare_frame(cards: Sequence[CsmCard]) -> pd.DataFrame:
    """Up to ``MAX_COMPARE`` cards side by side: one row per measure, one column per CSM."""
    if len(cards) > MAX_COMPARE:
        raise CalibrateError(f"Compare at most {MAX_COMPARE} CSMs at once; {len(cards)} were chosen. Untick some.")
    if not cards:
        return pd.DataFrame()
    rows: dict[str, list[str]] = {
        "Model rating": [_label(c.model_rating) for c in cards],
        "Manager rating": [_label(c.manager_rating) for c in cards],
        "Final rating": [_label(c.final_rating) for c in cards],
        "Overall score (95% range)": [
            "—" if np.isnan(c.overall_score) else
            f"{c.overall_score:.0f}" + ("" if np.isnan(c.score_low) else f" ({c.score_low:.0f} to {c.score_high:.0f})")
            for c in cards
        ],
        "Rank (95% range)": [
            "—" if np.isnan(c.rank) else f"{c.rank:.0f} of {c.n_ranked} ({c.rank_low:.0f} to {c.rank_high:.0f})" for c in cards
        ],
    }
    for category in cards[0].categories["category"] if not cards[0].categories.empty else []:
        values = []
        for c in cards:
            hit = c.categories.loc[c.categories["category"].eq(category), "score"]
            values.append("—" if hit.empty or pd.isna(hit.iloc[0]) else f"{hit.iloc[0]:.0f}")
        rows[f"{category[0].upper()}{category[1:]} (0–100)"] = values
    rows["Flags"] = [c.flags for c in cards]
    frame = pd.DataFrame(rows, index=[c.name for c in cards]).T
    return frame.rename_axis("measure").reset_index()


def time_box(spent_seconds: float, minutes: float) -> tuple[str, bool]:
    """``("2:10 of 5:00", over)`` for the time spent on a CSM against the box."""
    spent = max(0, int(round(spent_seconds)))
    box = int(round(minutes * 60))
    return f"{spent // 60}:{spent % 60:02d} of {box // 60}:{box % 60:02d}", spent > box


@dataclass
class SessionState:
    """The open session: inputs, its files, the decisions in force and the clock per CSM."""

    inputs: SessionInputs
    store: SessionStore
    view: LiveView
    spent: dict[str, float] = field(default_factory=dict)
    current: str | None = None
    _since: float | None = None
    _evidence: dict = field(default_factory=dict)

    @classmethod
    def open(cls, inputs: SessionInputs, *, who: str, now: str) -> "SessionState":
        """Open the decisions file and audit log of ``inputs`` and resume from them."""
        store = open_store(inputs.decisions_path, known_csms=inputs.known_csms, model_ratings=inputs.model_ratings,
                           reasons=inputs.params.session.reason_codes, now=now, who=who)
        decisions, _ = store.decisions()
        return cls(inputs, store, live_view(inputs, decisions))

    @property
    def decisions(self) -> dict[str, Decision]:
        return self.store.decisions()[0]

    def can_undo(self) -> bool:
        return bool(self.store.decisions()[1])

    def last_decision(self) -> AuditEvent | None:
        """The decide event ``undo`` would take back."""
        stack = self.store.decisions()[1]
        return self.store.events[stack[-1]] if stack else None

    def decide(self, csm_id: str, final_rating: str, *, reason_code: str, comment: str, decided_by: str,
               now: str) -> LiveView:
        """Set ``csm_id``'s final rating; refused (nothing written) without a known reason code, a comment or a name."""
        csm_id = str(csm_id)
        problems = []
        if csm_id not in set(self.view.merged["csm_id"]):
            problems.append(f"csm_id {csm_id!r} is not a CSM scored in {self.inputs.period}")
        if final_rating not in RATING_LEVELS:
            problems.append(f"final rating {final_rating!r} is not one of {', '.join(RATING_LEVELS)}")
        codes = self.inputs.params.session.reason_codes
        if reason_code not in codes:
            problems.append(f"reason code {reason_code!r} is not one of the codes in params (session.reason_codes: {', '.join(codes)})")
        if not str(comment or "").strip():
            problems.append("a comment saying why is required")
        if not str(decided_by or "").strip():
            problems.append("the name of who decided is required")
        if problems:
            raise CalibrateError("Decision not recorded: " + "; ".join(problems) + ". Fix these and decide again.")
        before = self.view.merged.set_index("csm_id").at[csm_id, "final_rating"]
        event = AuditEvent(now, "decide", csm_id, "" if pd.isna(before) else str(before), final_rating, reason_code,
                           " ".join(str(comment).split()), " ".join(str(decided_by).split()))
        decisions = self.store.append(event)
        self.view = live_view(self.inputs, decisions)
        return self.view

    def undo(self, *, decided_by: str, now: str) -> LiveView:
        """Take back the last decision still in force (recorded as an ``undo`` event)."""
        last = self.last_decision()
        if last is None:
            raise CalibrateError("Nothing to undo: no decision of this session is in force.")
        row = self.view.merged.set_index("csm_id").loc[last.csm_id]
        event = AuditEvent(now, "undo", last.csm_id, _text(row["final_rating"]), "", last.reason_code,
                           f"undid the decision of {last.timestamp}", " ".join(str(decided_by or "unknown").split()))
        after = replay([*self.store.events, event], self.inputs.params.session.reason_codes)[0].get(last.csm_id)
        to = after.final_rating if after is not None else (_text(row["manager_rating"]) or _text(row["model_rating"]))
        decisions = self.store.append(replace(event, to_rating=to))
        self.view = live_view(self.inputs, decisions)
        return self.view

    def open_card(self, csm_id: str, clock: float) -> None:
        """Start timing ``csm_id`` at ``clock`` (seconds), charging the time since the last call to the previous CSM."""
        self._charge(clock)
        self.current = str(csm_id)

    def _charge(self, clock: float) -> None:
        if self.current is not None and self._since is not None:
            self.spent[self.current] = self.spent.get(self.current, 0.0) + max(0.0, clock - self._since)
        self._since = clock

    def spent_on(self, csm_id: str, clock: float) -> float:
        """Seconds spent on ``csm_id`` so far, the running card included."""
        extra = clock - self._since if self.current == str(csm_id) and self._since is not None else 0.0
        return self.spent.get(str(csm_id), 0.0) + max(0.0, extra)

    def card(self, csm_id: str) -> CsmCard:
        """``csm_card`` for ``csm_id``; its evidence does not depend on the decisions, so it is kept."""
        csm_id = str(csm_id)
        if csm_id not in self._evidence:
            self._evidence[csm_id] = _evidence(self.inputs, csm_id)
        return csm_card(self.inputs, self.view, csm_id, self.decisions.get(csm_id), self._evidence[csm_id])

    def queue(self) -> pd.DataFrame:
        return discussion_queue(self.inputs, self.view)
