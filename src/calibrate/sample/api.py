"""``generate_sample``: the one public entry point of the synthetic data generator."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import CalibrateError
from .ai import build_drafts, build_flags
from .derive import arr_rows, churn_days, ownership_segments, renewal_rows
from .events import active_spans, build_activities, build_onboarding, build_surveys, build_tickets
from .generate import build_accounts, plan_handovers, simulate_arr, simulate_health
from .people import build_evidence, build_ratings
from .planted import ensure_inherited_share, guard_books, prepare_scenarios, script_arr, script_health
from .roster import build_roster
from .session_notes import build_pre_session_notes
from .summary import SampleSummary, build_summary, readme_text
from .timeline import build_timeline
from .world import World, random_streams
from .write import write_table

__all__ = ["generate_sample"]

TABLE_ORDER = (
    "csms", "accounts", "ownership", "arr", "health", "activities", "renewals", "tickets", "surveys",
    "onboarding", "ai_flags", "ai_drafts", "manager_ratings", "evidence", "pre_session_notes",
)


def generate_sample(
    out_dir: str | Path,
    *,
    seed: int = 7,
    n_csms: int = 10,
    n_accounts: int | None = None,
    quarters: int = 8,
    end_period: str = "2026-Q3",
    file_format: str = "csv",
    progress: Callable[[str], None] | None = None,
    touch_rate_scale: float = 1.0,
) -> SampleSummary:
    """Generate every contract table with planted truths and write them to ``out_dir``.

    Parameters
    ----------
    out_dir : path
        Folder to write ``<table>.csv`` (or ``.parquet``) and ``README.md`` into; created if missing.
    seed : int
        Same seed, same parameters -> the same bytes.
    n_csms : int
        CSM rows, at least 10 (one per planted role; see ``planted.py``).
    n_accounts : int, optional
        Total accounts; by default the sum of realistic books for ``n_csms``.
    quarters, end_period : int, str
        The data covers ``quarters`` quarters ending with ``end_period`` (the
        review quarter), plus the ``arr`` rows of the month after it (ARR at T1).
    file_format : {"csv", "parquet"}
    progress : callable, optional
        Called with a short message as each stage starts.
    touch_rate_scale : float
        Multiplies the weekly rate of regular CSM touches (1.0, the default,
        is the sample's team; the scale benchmark uses a touch-heavier one).

    Returns
    -------
    SampleSummary
        Row counts per table, the expected flags per CSM and the planted scenarios.
    """
    if file_format not in ("csv", "parquet"):
        raise CalibrateError(f'file_format must be "csv" or "parquet". Got "{file_format}" instead.')
    say = progress or (lambda message: None)
    world = World(seed=int(seed), timeline=build_timeline(end_period, quarters), rng=random_streams(seed))

    say("roster and books")
    build_roster(world, n_csms=n_csms, n_accounts=n_accounts)
    build_accounts(world)
    plan_handovers(world)
    prepare_scenarios(world)
    say("health")
    simulate_health(world)
    script_health(world)
    say("ARR")
    simulate_arr(world)
    script_arr(world)
    guard_books(world)
    ensure_inherited_share(world)

    churn_day = churn_days(world)
    segments = ownership_segments(world.plan, churn_day)
    renewals = renewal_rows(world)
    first, end = active_spans(world, churn_day)
    say("activities, tickets, surveys")
    if touch_rate_scale <= 0:
        raise CalibrateError(f"touch_rate_scale must be > 0. Got {touch_rate_scale} instead.")
    activities = build_activities(world, segments, first, end, touch_rate_scale=touch_rate_scale)
    tickets = build_tickets(world, segments, first, end)
    surveys = build_surveys(world, tickets, first, end)
    onboarding = build_onboarding(world, segments)
    say("AI flags and drafts")
    flags = build_flags(world, segments, tickets, first, end)
    drafts = build_drafts(world, segments, renewals, flags, first, end)
    say("ratings and evidence")
    ratings = build_ratings(world)
    evidence = build_evidence(world, segments)

    tables = {
        "csms": _csms_table(world),
        "accounts": _accounts_table(world),
        "ownership": pd.DataFrame(
            {"account_id": segments["acc"], "csm_id": segments["csm"], "start_date": segments["start"],
             "end_date": segments["end"]}
        ),
        "arr": arr_rows(world).rename(columns={"acc": "account_id"}),
        "health": _health_table(world, first, end),
        "activities": activities,
        "renewals": renewals.rename(columns={"acc": "account_id"}),
        "tickets": tickets,
        "surveys": surveys,
        "onboarding": onboarding,
        "ai_flags": flags,
        "ai_drafts": drafts,
        "manager_ratings": ratings,
        "evidence": evidence,
        "pre_session_notes": build_pre_session_notes(world, ratings),
    }
    lookups = {
        "account_id": pa.array(world.accounts["account_id"].to_numpy(), pa.string()),
        "csm_id": pa.array(world.csms["csm_id"].to_numpy(), pa.string()),
    }
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in TABLE_ORDER:
        say(f"writing {name}")
        write_table(name, tables[name], out, file_format=file_format, lookups=lookups)
    summary = build_summary(world, tables, out_dir=out, file_format=file_format, n_csms=n_csms,
                            n_accounts_arg=n_accounts, quarters=quarters, end_period=end_period)
    (out / "README.md").write_text(readme_text(summary), encoding="utf-8")
    return summary


def _csms_table(world: World) -> pd.DataFrame:
    c = world.csms
    cols = ["name", "segment", "email", "manager_id", "region", "fully_loaded_cost", "group_location", "group_gender"]
    frame = c[cols].copy()
    frame.insert(0, "csm_id", np.arange(len(c)))
    frame.insert(3, "hire_date", c["hire_day"].to_numpy())
    frame["left_date"] = c["left_day"].to_numpy()
    return frame


def _accounts_table(world: World) -> pd.DataFrame:
    a = world.accounts
    return pd.DataFrame(
        {
            "account_id": np.arange(len(a)),
            "name": a["name"].to_numpy(),
            "segment": a["segment"].to_numpy(),
            "customer_since": a["customer_since"].to_numpy(),
            "industry": a["industry"].to_numpy(),
            "region": a["region"].to_numpy(),
        }
    )


def _health_table(world: World, first: np.ndarray, end: np.ndarray) -> pd.DataFrame:
    weeks = world.timeline.weeks
    mask = (weeks[None, :] >= first[:, None]) & (weeks[None, :] < end[:, None])
    acc, w = np.nonzero(mask)
    return pd.DataFrame(
        {"account_id": acc, "date": weeks[w], "score": np.round(world.health[acc, w]).astype(np.float64)}
    )
