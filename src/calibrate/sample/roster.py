"""The CSM roster: roles, segments, skill, book sizes, costs and grouping columns.

Roles (``world.Roles``): the first ten CSMs carry the planted scenarios (one
each, plus two ordinary books and one CSM who left); any further CSM is an
ordinary ("steady") book, with about one in fifty having left before the
review quarter. Which ``csm_id`` gets which role is shuffled. Ordinary books
draw their segment SMB-heavy (enterprise 20%, mid-market 30%, SMB 50%) and
their size from ``_STEADY_SIZE`` (SMB books of 70 to 105 accounts, as real SMB
books of 60 to 150 are).

The ``group_*`` columns come from their own random stream and are assigned
before, and independently of, skill and role: there is no planted bias.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import CalibrateError
from .names import GENDERS, LOCATIONS, REGIONS, csm_names
from .timeline import day_number
from .world import Roles, World

__all__ = ["build_roster", "SEGMENTS", "MIN_CSMS"]

SEGMENTS = ("enterprise", "mid_market", "smb")
MIN_CSMS = len(Roles.PLANTED)

# Accounts a CSM owns as primary owner (before churn), by role.
_FIXED_BOOK = {
    Roles.INHERITED: ("mid_market", 9),
    Roles.CONCENTRATED: ("enterprise", 14),
    Roles.RESCUER: ("mid_market", 18),
    Roles.NEW_HIRE: ("smb", 6),
    Roles.SOURCE: ("mid_market", 32),
}
_STEADY_SIZE = {"enterprise": (15, 22), "mid_market": (24, 42), "smb": (70, 105)}
_COST = {"enterprise": (165_000, 195_000), "mid_market": (128_000, 152_000), "smb": (104_000, 122_000)}
MIN_STEADY_BOOK = 15
# Fewest accounts an ordinary book may hold at T1 (kept well above small_book < 8).
BOOK_FLOOR = 13


def _roles(n_csms: int) -> list[str]:
    extra = n_csms - MIN_CSMS
    n_left_extra = n_csms // 50
    return list(Roles.PLANTED) + [Roles.LEFT] * n_left_extra + [Roles.STEADY] * (extra - n_left_extra)


def build_roster(world: World, *, n_csms: int, n_accounts: int | None) -> None:
    """Fill ``world.csms`` (one row per CSM) with roles, books and attributes."""
    if n_csms < MIN_CSMS:
        raise CalibrateError(
            f"The sample needs at least {MIN_CSMS} CSMs to plant its scenarios. Got n_csms={n_csms}; "
            f"use --csms {MIN_CSMS} or more."
        )
    rng, tl = world.rng["roster"], world.timeline
    roles = np.array(_roles(n_csms), dtype=object)[rng.permutation(n_csms)]
    width = max(3, len(str(n_csms)))
    ids = np.array([f"CSM-{k:0{width}d}" for k in range(1, n_csms + 1)], dtype=object)

    segment = rng.choice(SEGMENTS, size=n_csms, p=(0.2, 0.3, 0.5)).astype(object)
    size = np.zeros(n_csms, dtype=np.int64)
    for k, role in enumerate(roles):
        if role in _FIXED_BOOK:
            segment[k], size[k] = _FIXED_BOOK[role]
        elif role == Roles.OVERRIDE_LOW:
            segment[k] = "enterprise"
        elif role == Roles.OVERRIDE_HIGH:
            segment[k] = "smb"
        elif role == Roles.LEFT:
            segment[k] = ("smb", "mid_market")[k % 2]
        if size[k] == 0:
            lo, hi = _STEADY_SIZE[segment[k]]
            size[k] = rng.integers(lo, hi + 1)
    size = _fit_to_total(size, roles, n_accounts)

    skill = rng.normal(0.0, 1.0, n_csms)
    skill[roles == Roles.RESCUER] = np.maximum(skill[roles == Roles.RESCUER], 0.8) + 0.4
    skill[roles == Roles.CONCENTRATED] = -0.5
    skill[roles == Roles.NEW_HIRE] = 0.0

    hire = tl.w0 - rng.integers(180, 2600, n_csms)
    left = np.full(n_csms, -1, dtype=np.int64)
    is_left = roles == Roles.LEFT
    left_quarter = tl.quarters[len(tl.quarters) - 4]
    left_base = day_number(left_quarter.start) + 44
    left[is_left] = left_base + (7 * np.arange(is_left.sum())) % 42
    hire[is_left] = np.minimum(hire[is_left], left[is_left] - 400)
    hire[roles == Roles.NEW_HIRE] = tl.t0 - 44

    cost = np.array([rng.integers(*_COST[s]) for s in segment], dtype=np.int64)
    cost[roles == Roles.NEW_HIRE] -= 12_000
    cost = (cost // 500) * 500

    groups = world.rng["groups"]
    location = np.array(LOCATIONS, dtype=object)[groups.permutation(n_csms) % len(LOCATIONS)]
    gender_code = groups.permutation(n_csms) % 2
    gender_code[groups.random(n_csms) < 0.06] = 2
    gender = np.array(GENDERS, dtype=object)[gender_code]

    names = csm_names(world.rng["names"], n_csms)
    emails = [n.lower().replace(" ", ".") + "@example.com" for n in names]
    n_managers = max(2, int(np.ceil(n_csms / 8)))
    manager = np.array([f"MGR-{k % n_managers + 1:02d}" for k in range(n_csms)], dtype=object)

    world.csms = pd.DataFrame(
        {
            "csm_id": ids,
            "name": names,
            "segment": segment,
            "hire_day": hire.astype(np.int64),
            "left_day": left,
            "email": emails,
            "manager_id": manager,
            "region": rng.choice(REGIONS, size=n_csms),
            "fully_loaded_cost": cost,
            "group_location": location,
            "group_gender": gender,
            "role": roles,
            "skill": skill,
            "book_size": size,
            # Habits that drive activities and AI use, from skill plus noise.
            "proactive": np.clip(0.66 + 0.06 * skill + rng.normal(0, 0.04, n_csms), 0.45, 0.88),
            "qbr_rate": np.clip(0.78 + 0.08 * skill + rng.normal(0, 0.05, n_csms), 0.45, 0.98),
            "ai_use": np.clip(0.82 + 0.05 * skill + rng.normal(0, 0.06, n_csms), 0.55, 0.98),
            "override_target": rng.uniform(0.23, 0.27, n_csms),
            "floor": np.where(np.isin(roles, (Roles.INHERITED, Roles.CONCENTRATED)), 11, BOOK_FLOOR),
        }
    )
    world.csms.loc[world.csms["role"] == Roles.OVERRIDE_LOW, "override_target"] = 0.03
    world.csms.loc[world.csms["role"] == Roles.OVERRIDE_HIGH, "override_target"] = 0.60


def _fit_to_total(size: np.ndarray, roles: np.ndarray, n_accounts: int | None) -> np.ndarray:
    """Scale the steady books so all books sum to ``n_accounts`` (when given)."""
    if n_accounts is None:
        return size
    flexible = roles == Roles.STEADY
    fixed_total = int(size[~flexible].sum())
    need = n_accounts - fixed_total
    n_flex = int(flexible.sum())
    if n_flex == 0 or need < MIN_STEADY_BOOK * n_flex:
        minimum = fixed_total + MIN_STEADY_BOOK * max(n_flex, 1)
        raise CalibrateError(
            f"n_accounts={n_accounts} is too few for these CSMs' books: the planted books alone hold "
            f"{fixed_total} accounts and every other book at least {MIN_STEADY_BOOK}. Use at least {minimum} "
            "accounts, or leave --accounts out for the default."
        )
    base = size[flexible].astype(float)
    scaled = np.maximum(MIN_STEADY_BOOK, np.floor(base * need / base.sum())).astype(np.int64)
    short = need - int(scaled.sum())
    order = np.argsort(-base, kind="stable")
    step = 1 if short > 0 else -1
    k = 0
    while short != 0:
        j = order[k % n_flex]
        if step > 0 or scaled[j] > MIN_STEADY_BOOK:
            scaled[j] += step
            short -= step
        k += 1
    out = size.copy()
    out[flexible] = scaled
    return out
