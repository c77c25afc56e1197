"""Manager ratings and evidence notes, one CSM at a time (a loop over CSMs is cheap).

Ratings: every CSM employed for at least half of a quarter (and not gone by its
end) gets one, from skill plus noise (``z > 0.85`` exceeds, ``z < -0.85``
needs development). In the review quarter the concentrated book's manager
rates ``exceeds`` (the NRR above 100% is what a manager sees first), the
rescuer ``exceeds`` and the new hire ``meets``.

Evidence: two to four notes per CSM-quarter in a manager's voice, naming
accounts from the CSM's book that quarter and dates inside it, plus one note
per planted scenario in the review quarter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .derive import owner_at
from .notes import EVIDENCE_TEMPLATES, RATIONALES, TEAMS
from .world import Roles, World

__all__ = ["build_ratings", "build_evidence", "format_day"]

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def format_day(day: int) -> str:
    """``20653`` -> ``"18 July 2026"``."""
    d = np.datetime64(int(day), "D").astype(object)
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def _employed(world: World, q_lo: int, q_hi: int) -> np.ndarray:
    csms = world.csms
    hire, left = csms["hire_day"].to_numpy(), csms["left_day"].to_numpy()
    return (hire <= (q_lo + q_hi) // 2) & ((left < 0) | (left >= q_hi))


def build_ratings(world: World) -> pd.DataFrame:
    rng, tl, csms = world.rng["ratings"], world.timeline, world.csms
    skill, roles = csms["skill"].to_numpy(), csms["role"].to_numpy()
    rows = []
    for q, (lo, hi) in zip(tl.quarters, tl.quarter_bounds()):
        for c in np.flatnonzero(_employed(world, int(lo), int(hi))):
            z = skill[c] + rng.normal(0, 0.6)
            rating = "exceeds" if z > 0.85 else "needs_development" if z < -0.85 else "meets"
            if q == tl.review:
                rating = {Roles.CONCENTRATED: "exceeds", Roles.RESCUER: "exceeds", Roles.NEW_HIRE: "meets"}.get(roles[c], rating)
            p = skill[c] + rng.normal(0, 0.5)
            potential = "high" if p > 0.7 or roles[c] == Roles.NEW_HIRE else "low" if p < -0.9 else "medium"
            bank = RATIONALES[rating]
            rows.append((c, q.label, rating, potential, bank[int(rng.integers(0, len(bank)))]))
    out = pd.DataFrame(rows, columns=["csm_id", "period", "rating", "potential", "rationale"])
    return out.sort_values(["csm_id", "period"], kind="stable").reset_index(drop=True)


def build_evidence(world: World, segments: pd.DataFrame) -> pd.DataFrame:
    rng, tl, csms, acc = world.rng["evidence"], world.timeline, world.csms, world.accounts
    names = acc["name"].to_numpy()
    first_names = [str(n).split(" ")[0] for n in csms["name"]]
    n_acc = len(acc)
    rows: list[tuple] = []
    for lo, hi in tl.quarter_bounds():
        lo, hi = int(lo), int(hi)
        mid = (lo + hi) // 2
        owner_mid = owner_at(segments, np.arange(n_acc), np.full(n_acc, mid))
        books = pd.Series(np.arange(n_acc)).groupby(owner_mid).apply(np.asarray).to_dict()
        for c in np.flatnonzero(_employed(world, lo, hi)):
            book = books.get(c)
            if book is None or len(book) == 0:
                continue
            used: set[int] = set()
            for _ in range(int(rng.integers(2, 5))):
                t = int(rng.integers(0, len(EVIDENCE_TEMPLATES)))
                if t in used:
                    continue
                used.add(t)
                category, template = EVIDENCE_TEMPLATES[t]
                a, a2 = rng.choice(book, size=2, replace=len(book) < 2)
                day = int(rng.integers(max(lo, int(csms["hire_day"].iat[c])), hi - 1))
                peer = first_names[int(rng.integers(0, len(first_names)))]
                text = template.format(
                    account=names[a], account2=names[a2], date=format_day(day)[:-5], n=int(rng.integers(2, 7)),
                    pct=int(rng.integers(8, 35)), peer=peer, weeks=int(rng.integers(2, 7)), first=first_names[c],
                    team=TEAMS[int(rng.integers(0, len(TEAMS)))],
                )
                rows.append((c, day, category, text, a))
    rows.extend(_planted_notes(world, first_names))
    out = pd.DataFrame(rows, columns=["csm_id", "date", "category", "text", "account_id"])
    out = out.drop_duplicates(["csm_id", "date", "text"])
    return out.sort_values(["csm_id", "date"], kind="stable").reset_index(drop=True)


def _planted_notes(world: World, first_names: list[str]) -> list[tuple]:
    tl, names, f = world.timeline, world.accounts["name"].to_numpy(), world.facts
    t0 = tl.t0
    notes = []
    inh = f["inherited"]
    b, lost = inh["csm"], inh["churned"]
    notes.append((b, inh["handover_day"] + 3, "other",
                  f"{first_names[b]} took over {len(inh['accounts'])} accounts from {first_names[inh['source']]} on "
                  f"{format_day(inh['handover_day'])[:-5]}, including {names[inh['accounts'][0]]}. {names[lost]} gave "
                  f"notice nine days later; its health had been falling since the spring and the renewal was "
                  f"already lost when the handover happened.", lost))
    con = f["concentrated"]
    c, large = con["csm"], con["large"]
    churned = ", ".join(names[k] for k in con["churned"])
    notes.append((c, t0 + 62, "customer_outcome",
                  f"{names[large]} signed a {round((con['growth'] - 1) * 100)}% expansion in August after "
                  f"{first_names[c]} ran an executive briefing with their COO. Separately, {churned} did not renew "
                  f"this quarter; none of the three had a QBR since the spring.", large))
    r = f["rescuer"]["csm"]
    rescued = f["rescuer"]["accounts"]
    notes.append((r, t0 + 70, "customer_outcome",
                  f"{first_names[r]} brought {names[rescued[0]]}, {names[rescued[1]]}, {names[rescued[2]]} and "
                  f"{names[rescued[3]]} back from red. All four were below 50 in early July; each got a recovery "
                  f"plan within two weeks, weekly check-ins and an executive call, and all four renewed by "
                  f"{format_day(tl.t1 - 1)[:-5]}.", rescued[0]))
    notes.append((r, t0 + 80, "playbook",
                  f"Wrote up the recovery plan {first_names[r]} used on {names[rescued[1]]} as a one-page checklist "
                  f"and walked the team through it on {format_day(t0 + 80)[:-5]}.", rescued[1]))
    h = f["new_hire"]["csm"]
    notes.append((h, t0 + 20, "other",
                  f"{first_names[h]} joined on {format_day(int(world.csms['hire_day'].iat[h]))[:-5]} and owns "
                  f"{len(f['new_hire']['accounts'])} new customers, among them {names[f['new_hire']['accounts'][0]]}. "
                  f"First kickoffs were run jointly with me; from August {first_names[h]} leads them alone.",
                  f["new_hire"]["accounts"][0]))
    return notes
