"""What a generated sample contains: row counts, expected flags, planted scenarios, README."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .people import format_day
from .world import Roles, World

__all__ = ["SampleSummary", "PlantedScenario", "build_summary", "readme_text", "FLAG_NAMES"]

FLAG_NAMES = ("inherited_book", "concentrated_book", "small_book", "override_out_of_band")
_EXPECTED = {
    Roles.INHERITED: ("inherited_book",),
    Roles.CONCENTRATED: ("concentrated_book",),
    Roles.NEW_HIRE: ("small_book",),
    Roles.OVERRIDE_LOW: ("override_out_of_band",),
    Roles.OVERRIDE_HIGH: ("override_out_of_band",),
}
_WHY = {
    Roles.INHERITED: "took over accounts mid-quarter; they hold {share:.0%} of ARR at T1",
    Roles.CONCENTRATED: "NRR {nrr:.2f} carried by one account; {nrr_excl:.2f} without it (top share {top:.0%})",
    Roles.NEW_HIRE: "hired {hired}; {n} accounts at T1",
    Roles.OVERRIDE_LOW: "override rate {rate:.1%} in the quarter, below the 18-32% band",
    Roles.OVERRIDE_HIGH: "override rate {rate:.1%} in the quarter, above the 18-32% band",
    Roles.RESCUER: "rescued {n} red accounts to renewal; NRR {nrr:.2f}; no flag expected",
    Roles.SOURCE: "handed {n} accounts to {to} mid-quarter; ordinary book otherwise",
    Roles.STEADY: "ordinary book",
}


@dataclass(frozen=True)
class PlantedScenario:
    """One planted truth: which CSM, what was planted, the accounts involved and key numbers."""

    name: str
    csm_id: str
    csm_name: str
    description: str
    account_ids: tuple[str, ...] = ()
    numbers: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class SampleSummary:
    """The result of ``generate_sample``."""

    out_dir: Path
    seed: int
    period: str
    quarters: int
    file_format: str
    n_csms: int
    n_accounts: int
    n_accounts_arg: int | None
    rows: dict[str, int]
    expected_flags: dict[str, tuple[str, ...]]
    why: dict[str, str]
    csm_names: dict[str, str]
    no_review_row: dict[str, str]
    scenarios: tuple[PlantedScenario, ...]
    # Accounts per segment, and churn notices dated in each quarter of the data (oldest first).
    accounts_by_segment: dict[str, int] = field(default_factory=dict)
    churn_notices: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return int(sum(self.rows.values()))

    def command(self) -> str:
        """The exact command that regenerates this folder."""
        parts = [f"calibrate sample --out {self.out_dir} --seed {self.seed}"]
        if self.n_csms != 10:
            parts.append(f"--csms {self.n_csms}")
        if self.n_accounts_arg is not None:
            parts.append(f"--accounts {self.n_accounts_arg}")
        if self.quarters != 8:
            parts.append(f"--quarters {self.quarters}")
        if self.period != "2026-Q3":
            parts.append(f"--end {self.period}")
        if self.file_format != "csv":
            parts.append(f"--format {self.file_format}")
        return " ".join(parts)


def _override_rates(world: World, drafts: pd.DataFrame) -> np.ndarray:
    tl = world.timeline
    day = drafts["created_at"].to_numpy() // 86_400
    inq = (day >= tl.t0) & (day < tl.t1)
    d = drafts.loc[inq]
    over = d["outcome"].astype(str).isin(["edited", "rejected"]).to_numpy()
    n = np.bincount(d["csm_id"].to_numpy(), minlength=len(world.csms))
    k = np.bincount(d["csm_id"].to_numpy(), weights=over, minlength=len(world.csms))
    return np.divide(k, n, out=np.full(len(n), np.nan), where=n > 0)


def _churn_notices(world: World, renewals: pd.DataFrame) -> dict[str, int]:
    """Churn notices per quarter of the data: renewals with outcome ``churned`` by ``notice_date``."""
    tl = world.timeline
    notice = renewals.loc[renewals["outcome"] == "churned", "notice_date"].to_numpy(np.int64)
    bounds = tl.quarter_bounds()
    return {q.label: int(((notice >= lo) & (notice < hi)).sum()) for q, (lo, hi) in zip(tl.quarters, bounds)}


def build_summary(world: World, tables: dict[str, pd.DataFrame], *, out_dir: Path, file_format: str, n_csms: int,
                  n_accounts_arg: int | None, quarters: int, end_period: str) -> SampleSummary:
    tl, csms, names, ids = world.timeline, world.csms, world.accounts["name"].to_numpy(), world.accounts["account_id"].to_numpy()
    arr = np.nan_to_num(world.arr)
    i0, i1 = int(tl.month_index(tl.t0)), int(tl.month_index(tl.t1))
    roles, cid, cname = csms["role"].to_numpy(), csms["csm_id"].to_numpy(), csms["name"].to_numpy()
    rates = _override_rates(world, tables["ai_drafts"])
    f = world.facts

    inh = f["inherited"]
    b_book = tables["ownership"]
    owned = b_book.loc[(b_book["start_date"] <= tl.t1 - 1) & ((b_book["end_date"] < 0) | (b_book["end_date"] > tl.t1 - 1))]
    n_at_t1 = np.bincount(owned["csm_id"].to_numpy(), minlength=len(csms))
    b_accounts = owned.loc[owned["csm_id"] == inh["csm"], "account_id"].to_numpy()
    b_new = owned.loc[(owned["csm_id"] == inh["csm"]) & (owned["start_date"] >= tl.t0), "account_id"].to_numpy()
    inh_share = arr[b_new, i1].sum() / arr[b_accounts, i1].sum()

    con = f["concentrated"]
    c_book = np.flatnonzero((world.accounts["primary"].to_numpy() == con["csm"]) & (arr[:, i0] > 0))
    s, e = arr[c_book, i0], arr[c_book, i1]
    top = int(np.argmax(s))
    nrr, nrr_excl = e.sum() / s.sum(), (e.sum() - e[top]) / (s.sum() - s[top])

    resc = f["rescuer"]
    r_book = np.flatnonzero((world.accounts["primary"].to_numpy() == resc["csm"]) & (arr[:, i0] > 0))
    r_nrr = arr[r_book, i1].sum() / arr[r_book, i0].sum()
    hire_day = int(csms["hire_day"].iat[f["new_hire"]["csm"]])

    numbers = {
        Roles.INHERITED: {"share": inh_share},
        Roles.CONCENTRATED: {"nrr": nrr, "nrr_excl": nrr_excl, "top": s[top] / s.sum()},
        Roles.NEW_HIRE: {"hired": format_day(hire_day), "n": int(n_at_t1[f["new_hire"]["csm"]])},
        Roles.RESCUER: {"n": len(resc["accounts"]), "nrr": r_nrr},
        Roles.SOURCE: {"n": len(inh["accounts"]), "to": cid[inh["csm"]]},
    }
    expected, why, no_row = {}, {}, {}
    for c in range(len(csms)):
        if roles[c] == Roles.LEFT:
            no_row[cid[c]] = f"left on {format_day(int(csms['left_day'].iat[c]))}; no book in {tl.review.label}"
            continue
        expected[cid[c]] = _EXPECTED.get(roles[c], ())
        values = dict(numbers.get(roles[c], {}))
        values["rate"] = rates[c]
        why[cid[c]] = _WHY[roles[c]].format(**values)

    def csm(role):
        k = world.role_index(role)
        return cid[k], cname[k]

    scen = []
    b_id, b_name = csm(Roles.INHERITED)
    scen.append(PlantedScenario(
        "inherited_book", b_id, b_name,
        f"On {format_day(inh['handover_day'])} {b_name} took over {len(inh['accounts'])} accounts from "
        f"{cid[inh['source']]} ({cname[inh['source']]}). They hold {inh_share:.0%} of {b_id}'s ARR at T1. "
        f"{names[inh['churned']]} ({ids[inh['churned']]}) gave notice nine days after the handover and churned "
        f"(ARR 0) on {format_day(int(tl.month_days[inh['churn_m']]))}; with the 60-day handover grace the churn "
        f"is attributed to {cid[inh['source']]}.",
        tuple(ids[k] for k in inh["accounts"]), {"inherited_share_t1": round(float(inh_share), 4)}))
    c_id, c_name = csm(Roles.CONCENTRATED)
    scen.append(PlantedScenario(
        "concentrated_book", c_id, c_name,
        f"{names[con['large']]} ({ids[con['large']]}) holds {s[top] / s.sum():.0%} of {c_id}'s ARR at T0 and "
        f"expands by {con['growth'] - 1:.0%} in the quarter, while {', '.join(names[k] for k in con['churned'])} "
        f"churn at renewal. NRR {nrr:.3f}; without the top account {nrr_excl:.3f}.",
        tuple(ids[k] for k in [con["large"], *con["churned"]]),
        {"nrr": round(float(nrr), 4), "nrr_excl_top": round(float(nrr_excl), 4), "top_share": round(float(s[top] / s.sum()), 4)}))
    r_id, r_name = csm(Roles.RESCUER)
    scen.append(PlantedScenario(
        "rescued_red_accounts", r_id, r_name,
        f"{', '.join(names[k] for k in resc['accounts'])} were red (health <= 47) from ten weeks before T0 until "
        f"mid-July, recovered to yellow/green by T1 and renewed in the quarter; each had an actioned churn_risk "
        f"flag in May. NRR of the book {r_nrr:.3f}. No flag expected: the work shows in saves, not in NRR.",
        tuple(ids[k] for k in resc["accounts"]), {"nrr": round(float(r_nrr), 4)}))
    h_id, h_name = csm(Roles.NEW_HIRE)
    scen.append(PlantedScenario(
        "new_hire_small_book", h_id, h_name,
        f"Hired {format_day(hire_day)}; owns {numbers[Roles.NEW_HIRE]['n']} new customers (since "
        f"{format_day(int(tl.month_days[i0 - 1]))}) at T1, fewer than 8.",
        tuple(ids[k] for k in f["new_hire"]["accounts"]), {"n_accounts": numbers[Roles.NEW_HIRE]["n"]}))
    for role, word in ((Roles.OVERRIDE_LOW, "below"), (Roles.OVERRIDE_HIGH, "above")):
        o_id, o_name = csm(role)
        rate = rates[world.role_index(role)]
        scen.append(PlantedScenario(
            f"override_{'low' if word == 'below' else 'high'}", o_id, o_name,
            f"(edited + rejected) / drafts in {tl.review.label} = {rate:.3f}, {word} the 18-32% band. Every "
            f"other CSM's rate is fixed between 0.23 and 0.27.", (), {"override_rate": round(float(rate), 4)}))

    return SampleSummary(
        out_dir=Path(out_dir), seed=world.seed, period=tl.review.label, quarters=quarters, file_format=file_format,
        n_csms=n_csms, n_accounts=len(world.accounts), n_accounts_arg=n_accounts_arg,
        rows={name: int(len(frame)) for name, frame in tables.items()}, expected_flags=expected, why=why,
        csm_names=dict(zip(cid, cname)), no_review_row=no_row, scenarios=tuple(scen),
        accounts_by_segment={seg: int(n) for seg, n in world.accounts["segment"].value_counts().sort_index().items()},
        churn_notices=_churn_notices(world, tables["renewals"]),
    )


def readme_text(summary: SampleSummary) -> str:
    from .readme import render

    return render(summary)
