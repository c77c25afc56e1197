"""Independent re-computation of the planted quantities from written sample files.

Deliberately plain pandas, written from METRICS.md, and not importing the
metrics engine or ``calibrate.book``: the sample's truths must be checked by a
second, simple reading of the definitions.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

DATES = {
    "csms": ["hire_date", "left_date"],
    "accounts": ["customer_since"],
    "ownership": ["start_date", "end_date"],
    "arr": ["month"],
    "health": ["date"],
    "renewals": ["renewal_date", "notice_date"],
    "onboarding": ["kickoff_date", "first_value_date"],
    "evidence": ["date"],
}
TIMESTAMPS = {
    "activities": ["occurred_at"],
    "tickets": ["opened_at", "first_response_at", "resolved_at", "escalated_at"],
    "surveys": ["responded_at"],
    "ai_flags": ["raised_at", "responded_at"],
    "ai_drafts": ["created_at", "sent_at"],
}
GRACE_DAYS = 60


def read_table(folder: Path, name: str) -> pd.DataFrame:
    """One table as pandas reads it: ids as text, dates and timestamps parsed (UTC made naive)."""
    path = Path(folder) / f"{name}.csv"
    if path.exists():
        frame = pd.read_csv(path, dtype={c: "string" for c in ("account_id", "csm_id", "manager_id")}, keep_default_na=True)
    else:
        frame = pd.read_parquet(Path(folder) / f"{name}.parquet")
    for col in DATES.get(name, []):
        frame[col] = pd.to_datetime(frame[col])
    for col in TIMESTAMPS.get(name, []):
        frame[col] = pd.to_datetime(frame[col], utc=True).dt.tz_localize(None)
    return frame


class Sample:
    """Lazy access to every table of a folder and the review quarter's quantities."""

    def __init__(self, folder: Path, period_start: str = "2026-07-01", period_end: str = "2026-10-01"):
        self.folder = Path(folder)
        self.t0, self.t1 = pd.Timestamp(period_start), pd.Timestamp(period_end)
        self._cache: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            self._cache[name] = read_table(self.folder, name)
        return self._cache[name]

    # ARR at a date: the row of the month containing it, carried forward; 0 before the first row.
    def arr_at(self, account_ids, dates) -> np.ndarray:
        arr = self["arr"].sort_values(["account_id", "month"])
        out = []
        groups = dict(tuple(arr.groupby("account_id")))
        for acc, day in zip(account_ids, dates):
            rows = groups.get(acc)
            month = pd.Timestamp(day).to_period("M").to_timestamp()
            if rows is None:
                out.append(0.0)
                continue
            before = rows.loc[rows["month"] <= month, "arr"]
            out.append(float(before.iloc[-1]) if len(before) else 0.0)
        return np.array(out)

    def attribution_windows(self) -> pd.DataFrame:
        """METRICS.md: handover boundaries move GRACE_DAYS later (capped at the later window's end), clipped to P."""
        own = self["ownership"].sort_values(["account_id", "start_date"]).reset_index(drop=True)
        far = pd.Timestamp("2200-01-01")
        rows = []
        for acc, g in own.groupby("account_id", sort=False):
            g = g.reset_index(drop=True)
            starts = list(g["start_date"])
            ends = [e if pd.notna(e) else far for e in g["end_date"]]
            attr_start, attr_end = list(starts), list(ends)
            for i in range(len(g) - 1):
                if ends[i] == starts[i + 1]:
                    shifted = min(ends[i] + pd.Timedelta(days=GRACE_DAYS), ends[i + 1])
                    attr_end[i] = shifted
                    attr_start[i + 1] = shifted
            for i in range(len(g)):
                a, b = max(attr_start[i], self.t0), min(attr_end[i], self.t1)
                if a < b:
                    rows.append((acc, g["csm_id"].iat[i], a, b))
        win = pd.DataFrame(rows, columns=["account_id", "csm_id", "a", "b"])
        win["s"] = self.arr_at(win["account_id"], win["a"])
        win["e"] = self.arr_at(win["account_id"], win["b"])
        win["s_k"] = self.arr_at(win["account_id"], [self.t0] * len(win))
        return win.loc[(win["s_k"] > 0) & (win["s"] > 0)].reset_index(drop=True)

    def book_at_close(self) -> pd.DataFrame:
        own = self["ownership"]
        close = self.t1 - pd.Timedelta(days=1)
        mask = (own["start_date"] <= close) & (own["end_date"].isna() | (own["end_date"] > close))
        book = own.loc[mask].copy()
        book["arr_t1"] = self.arr_at(book["account_id"], [self.t1] * len(book))
        return book

    def csm_quantities(self) -> pd.DataFrame:
        """Per CSM with a window or a book in P: the inputs of the four flags."""
        win = self.attribution_windows()
        rows = {}
        for csm, g in win.groupby("csm_id"):
            s, e = g["s"].to_numpy(), g["e"].to_numpy()
            top = int(np.argmax(s))
            nrr = e.sum() / s.sum()
            excl = (e.sum() - e[top]) / (s.sum() - s[top]) if len(s) > 1 else np.nan
            rows[csm] = {"nrr": nrr, "nrr_excl_top": excl, "top_share": s[top] / s.sum(), "n_windows": len(s)}
        book = self.book_at_close()
        book["inherited"] = book["start_date"] >= self.t0
        for csm, g in book.groupby("csm_id"):
            entry = rows.setdefault(csm, {})
            entry["n_accounts"] = len(g)
            entry["inherited_share"] = g.loc[g["inherited"], "arr_t1"].sum() / g["arr_t1"].sum()
        drafts = self["ai_drafts"]
        inq = drafts.loc[(drafts["created_at"] >= self.t0) & (drafts["created_at"] < self.t1)]
        for csm, g in inq.groupby("csm_id"):
            rows.setdefault(csm, {})["override_rate"] = g["outcome"].isin(["edited", "rejected"]).mean()
        out = pd.DataFrame.from_dict(rows, orient="index")
        out.index.name = "csm_id"
        return out

    def flags(self) -> dict[str, tuple[str, ...]]:
        """The four flags with the default thresholds of params/base.yaml."""
        q = self.csm_quantities()
        out = {}
        for csm, r in q.iterrows():
            flags = []
            if r.get("inherited_share", 0) > 0.25:
                flags.append("inherited_book")
            nrr, excl, top = r.get("nrr", np.nan), r.get("nrr_excl_top", np.nan), r.get("top_share", np.nan)
            if (nrr >= 1 and excl < 1) or abs(nrr - excl) >= 0.05 or top >= 0.25:
                flags.append("concentrated_book")
            if r.get("n_accounts", 0) < 8:
                flags.append("small_book")
            rate = r.get("override_rate", np.nan)
            if pd.notna(rate) and not 0.18 <= rate <= 0.32:
                flags.append("override_out_of_band")
            out[csm] = tuple(flags)
        return out


# --- Who plays which part, read back from a sample's README (so tests name no CSM by hand) ---

_PLANTED_LINE = re.compile(r"^- \*\*(?P<scenario>[a-z_]+)\*\* - `(?P<csm_id>[^`]+)` \((?P<name>[^)]*)\):")


def readme_scenarios(folder: Path) -> dict[str, tuple[str, str]]:
    """``{scenario: (csm_id, csm_name)}`` from the "Planted truths" list of ``folder``/README.md."""
    out = {}
    for line in (Path(folder) / "README.md").read_text(encoding="utf-8").splitlines():
        hit = _PLANTED_LINE.match(line)
        if hit:
            out[hit["scenario"]] = (hit["csm_id"], hit["name"])
    return out


def readme_ordinary_csms(folder: Path) -> list[str]:
    """CSMs whose row in the README's expected-flags table is "none" / "ordinary book"."""
    out = []
    for line in (Path(folder) / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("| CSM") else []
        if len(cells) == 4 and cells[2] == "none" and cells[3] == "ordinary book":
            out.append(cells[0])
    return out
