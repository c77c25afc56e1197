"""Everything the narrative may state, formatted once from the evidence.

:func:`derive_facts` turns a :class:`ReviewEvidence` into slot values
(strings made by :mod:`formatting`) for the book, each account, each note and
each trigger, plus the competency levels. :attr:`Facts.allowed` is the set of
number tokens found in all those strings, in the note texts and in the period
labels: the grounding check accepts a number in the text only if it is in
that set. Both the composer and the check call this function, so they agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from datetime import date

from ...errors import CalibrateError
from ...periods import parse_period
from .evidence import AccountEvidence, ReviewEvidence
from .formatting import (
    fmt_count,
    fmt_date,
    fmt_int,
    fmt_metric,
    fmt_money,
    fmt_ordinal,
    fmt_pct,
    fmt_points,
    is_missing,
    number_tokens,
)
from .phrases import KIND_TEXT, NOTE_KIND_TEXT, with_article

__all__ = ["Facts", "derive_facts", "join_names", "level_for", "vs_median", "KIND_TEXT", "STRATEGIC_FLOOR", "NURTURE_FLOOR", "RED_MAX"]

STRATEGIC_FLOOR = 50_000.0  # account tiers by ARR (docs/FORMULAS.md): strategic > $50k, nurture < $10k
NURTURE_FLOOR = 10_000.0
RED_MAX = 50.0  # health band: red <= 50 (params health.red_max default)
NAME_LIST_LIMIT = 6
FLAT_TOLD = 4  # flat accounts told one by one (largest health move first); the rest are named together
NEGATIVE_TOLD = 4  # the draft tells the latest four warnings and three pieces of good news
POSITIVE_TOLD = 3

_COMPETENCY_SCORE = {
    "retention_renewal": "score_retention",
    "expansion_upsell": "score_expansion",
    "onboarding_adoption": "score_engagement",
    "health_management": "score_health",
    "voice_of_customer": "score_satisfaction",
}


@dataclass
class Facts:
    """Formatted slot values derived from one review's evidence."""

    book: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, dict[str, str]] = field(default_factory=dict)
    notes: list[dict[str, str]] = field(default_factory=list)
    triggers: list[dict[str, str]] = field(default_factory=list)
    trigger_groups: list[tuple[str, object, dict[str, str]]] = field(default_factory=list)
    window_groups: list[dict[str, str]] = field(default_factory=list)
    flat_told: tuple[str, ...] = ()
    levels: dict[str, str] = field(default_factory=dict)
    n_good_signals: int = 0
    n_weak_signals: int = 0
    allowed: frozenset[str] = frozenset()


def join_names(names: list[str], *, limit: int = NAME_LIST_LIMIT) -> str:
    """``A``, ``A and B``, ``A, B and C``; past ``limit`` names, ``... and 3 more``."""
    names = list(names)
    if len(names) > limit:
        shown, rest = names[:limit], len(names) - limit
        return ", ".join(shown) + f" and {rest} more"
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def level_for(score: float | None, cuts: tuple[float, float]) -> str | None:
    """``exceeds`` when score >= cuts[0], ``meets`` when >= cuts[1], else ``needs_development``."""
    if is_missing(score):
        return None
    if float(score) >= cuts[0]:
        return "exceeds"
    if float(score) >= cuts[1]:
        return "meets"
    return "needs_development"


def vs_median(name: str, value, median) -> str | None:
    """``above`` / ``below`` / ``level with the team median of X``, read from the two numbers.

    The direction comes only from comparing ``value`` with ``median``; when both
    format to the same text (99.6% and 100% are both ``100%``) they are level.
    """
    shown, med = fmt_metric(name, value), fmt_metric(name, median)
    if shown is None or med is None:
        return None
    if shown == med:
        where = "level with"
    else:
        where = "above" if float(value) > float(median) else "below"
    return f"{where} the team median of {med}"


def _num(value) -> float | None:
    return None if is_missing(value) else float(value)


def _be(n: int) -> str:
    return "was" if n == 1 else "were"


def _account_slots(acc: AccountEvidence, first_name: str) -> dict[str, str]:
    s: dict[str, str] = {"account": acc.name, "first_name": first_name, "segment": acc.segment}
    start, end = _num(acc.start_arr), _num(acc.end_arr)
    if start is not None:
        s["arr_start"] = fmt_money(start)
    if end is not None:
        s["arr_end"] = fmt_money(end)
    if start is not None and end is not None:
        s["arr_change"] = fmt_money(abs(end - start))
    if _num(acc.health_t0) is not None:
        s["health_t0"] = fmt_int(acc.health_t0)
    if _num(acc.health_t1) is not None:
        s["health_t1"] = fmt_int(acc.health_t1)
    if "health_t1" in s and "health_t0" not in s:
        s["health_end_only"] = s["health_t1"]  # only the closing reading is known
    if "health_t0" in s and "health_t1" in s:
        s["health_moved"] = _health_moved(s["health_t0"], s["health_t1"])
        if s["health_t0"] == s["health_t1"]:
            s["health_clause"] = f"with health steady at {s['health_t1']}"
        else:
            way = "rising" if float(acc.health_t1) > float(acc.health_t0) else "falling"
            s["health_clause"] = f"with health {way} from {s['health_t0']} to {s['health_t1']}"
    if acc.renewal_date is not None:
        s["renewal_date"] = fmt_date(acc.renewal_date)
    s["window_start"] = fmt_date(acc.window_start)
    if acc.window_end is not None:
        s["window_end"] = fmt_date(acc.window_end)
    return s


def _health_moved(t0: str, t1: str) -> str:
    """``rose from 46 to 80`` / ``fell from 86 to 74`` / ``held at 88`` (formatted readings compared)."""
    if t0 == t1:
        return f"held at {t1}"
    return f"{'rose' if int(t1) > int(t0) else 'fell'} from {t0} to {t1}"


def _period_start(ev: ReviewEvidence) -> date | None:
    if ev.period_start is not None:
        return ev.period_start
    try:
        return parse_period(ev.period_label).start.date()
    except CalibrateError:  # a free-form label: the start cannot be read
        return None


def _held_all_quarter(acc: AccountEvidence, start: date | None) -> bool:
    return start is not None and not acc.inherited and acc.window_end is None and acc.window_start <= start


def _windows_text(accounts: list[AccountEvidence]) -> str:
    """``A and B from 15 Jul 2026; C from 3 Aug 2026 to 20 Sep 2026``: accounts grouped by owned window."""
    groups: dict[tuple, list[str]] = {}
    for acc in accounts:
        groups.setdefault((acc.window_start, acc.window_end), []).append(acc.name)
    parts = []
    for (start, end), names in groups.items():
        span = f"from {fmt_date(start)}" + (f" to {fmt_date(end)}" if end is not None else "")
        parts.append(f"{join_names(names)} {span}")
    return "; ".join(parts[:4]) + (f"; and {len(parts) - 4} more windows" if len(parts) > 4 else "")


def _is_red(value) -> bool:
    return _num(value) is not None and float(value) <= RED_MAX


def derive_facts(evidence: ReviewEvidence) -> Facts:
    """Format every statable value of ``evidence`` into slots; see the module docstring."""
    ev = evidence
    m = ev.metrics
    first = ev.csm_name.split()[0]
    b: dict[str, str] = {"csm": ev.csm_name, "first_name": first, "period": ev.period_label}
    if _num(ev.tenure_months) is not None:
        b["tenure"] = fmt_count(int(round(float(ev.tenure_months))), "month")

    accs = list(ev.accounts)
    for name in list(m.keys()) + list(ev.cohort_medians.keys()):
        value = fmt_metric(name, m.get(name))
        if value is not None:
            b[name] = value
        med = fmt_metric(name, ev.cohort_medians.get(name))
        if med is not None:
            b[f"med_{name}"] = med
    for name, pct in ev.percentiles.items():
        if not is_missing(pct):
            b[f"pct_{name}"] = fmt_ordinal(pct)
    n_acc = _num(m.get("n_accounts"))
    b["n_accounts"] = fmt_count(int(n_acc) if n_acc is not None else len(accs), "account")
    b["n_book"] = fmt_count(len(accs), "account")
    # The retention base: accounts with an attribution window and ARR at its start. A sentence
    # that pairs the starting ARR with a count uses this count, never the whole book's.
    base = [a for a in accs if a.attributed and (_num(a.start_arr) or 0) > 0]
    if base:
        n_base = fmt_count(len(base), "account") if len(base) > 1 else "one account"
        if len(base) == len(accs):
            b["n_base"] = n_base
        elif all(_held_all_quarter(a, _period_start(ev)) for a in base):
            b["n_base"] = f"the {n_base} held all quarter"
        else:
            b["n_base"] = f"the {n_base} counted in retention"
    for name in ("expansion_arr", "contraction_arr", "churn_arr"):
        if name in b and not (_num(m.get(name)) or 0) > 0:
            del b[name]  # "lost $0 to churn" says nothing; the count sentences cover it
    if "customer_facing_hours_per_week" in b:
        b["hours"] = b["customer_facing_hours_per_week"]
    if "start_arr" not in b and base:
        b["start_arr"] = fmt_money(sum(_num(a.start_arr) or 0.0 for a in base))
    for name, median in ev.cohort_medians.items():
        if name == "health_change":
            continue  # its formatted value drops the sign; the movement sentences say the direction
        compared = vs_median(name, m.get(name), median)
        if compared is not None:
            b[f"vs_med_{name}"] = compared
    esc = _num(m.get("escalations"))
    if esc is not None:
        b["escalations_text"] = fmt_count(int(fmt_int(esc)), "escalated ticket", zero="no escalated tickets")
    n_resp = _num(m.get("nps_responses"))
    if n_resp is not None and n_resp > 0 and "nps" in b:
        b["nps_responses"] = fmt_count(int(n_resp), "response")

    # Movement credited to a previous owner (handover grace) is not this CSM's: such
    # accounts are named in the inherited-book sentences, not in the movement lists.
    own = [a for a in accs if not a.previous_owner_credited]
    by_kind = {k: [a for a in own if a.movement == k] for k in ("expanded", "contracted", "churned", "flat", "new")}
    by_arr = lambda a: -(_num(a.start_arr) or _num(a.end_arr) or 0.0)  # noqa: E731
    for kind, group in by_kind.items():
        group.sort(key=by_arr)
        b[f"n_{kind}"] = fmt_count(len(group), "account")
        if group:
            b[f"{kind}_names"] = join_names([a.name for a in group])
    credited_churn = [a for a in accs if a.previous_owner_credited and a.movement == "churned"]
    if credited_churn:
        b["credited_churn_names"] = join_names([a.name for a in credited_churn])
    n_churned = len(by_kind["churned"])
    b["lost_phrase"] = "no account lost" if n_churned == 0 else f"{fmt_count(n_churned, 'account')} lost"
    if "churn_arr" not in b and by_kind["churned"]:
        b["churn_arr"] = fmt_money(sum(_num(a.start_arr) or 0.0 for a in by_kind["churned"]))
    if by_kind["expanded"]:
        top_exp = max(by_kind["expanded"], key=lambda a: (_num(a.end_arr) or 0) - (_num(a.start_arr) or 0))
        b["top_expansion_account"] = top_exp.name
        b["top_expansion_change"] = fmt_money((_num(top_exp.end_arr) or 0) - (_num(top_exp.start_arr) or 0))

    cohort = [a for a in own if (_num(a.start_arr) or 0) > 0]
    if cohort:
        top = max(cohort, key=lambda a: _num(a.start_arr))
        total = sum(_num(a.start_arr) for a in cohort)
        b["top_account"] = top.name
        if "top_account_share" in b:
            b["top_share"] = b["top_account_share"]
        else:
            b["top_share"] = fmt_pct(_num(top.start_arr) / total)
        if "nrr" in b and "nrr_excl_top" in b:
            b["top_points"] = fmt_points(float(m["nrr"]) - float(m["nrr_excl_top"]))
        small_churned = [a for a in by_kind["churned"] if a is not top]
        if small_churned:
            b["small_churned_names"] = join_names([a.name for a in small_churned])
            b["small_churn_arr"] = fmt_money(sum(_num(a.start_arr) or 0.0 for a in small_churned))
        small_contracted = [a for a in by_kind["contracted"] if a is not top]
        if small_contracted:
            b["small_contracted_names"] = join_names([a.name for a in small_contracted])
        sized = [_num(a.start_arr) for a in cohort]
        n_strat = sum(1 for v in sized if v > STRATEGIC_FLOOR)
        n_nurt = sum(1 for v in sized if v < NURTURE_FLOOR)
        if n_strat and n_nurt:
            b["n_strategic"] = fmt_count(n_strat, "account")
            b["n_nurture"] = fmt_count(n_nurt, "account")
            b["strategic_floor"] = fmt_money(STRATEGIC_FLOOR)
            b["nurture_floor"] = fmt_money(NURTURE_FLOOR)

    inherited = sorted((a for a in accs if a.inherited), key=lambda a: (a.window_start, a.name))
    if inherited:
        b["n_inherited"] = fmt_count(len(inherited), "account")
        b["inherited_windows"] = _windows_text(inherited)
        end_total = sum(_num(a.end_arr) or 0.0 for a in accs)
        if end_total > 0:
            b["inherited_share"] = fmt_pct(sum(_num(a.end_arr) or 0.0 for a in inherited) / end_total)

    saved = [a for a in own if a.saved]
    if saved:
        b["saved_names"] = join_names([a.name for a in saved])
        b["saved_be"] = _be(len(saved))
        b["n_saved"] = fmt_count(len(saved), "account")
        paths = [
            f"from {fmt_int(a.health_t0)} to {fmt_int(a.health_t1)} at {a.name}"
            for a in saved
            if _num(a.health_t0) is not None and _num(a.health_t1) is not None
        ]
        if len(paths) >= 2:
            b["saves_path"] = join_names(paths, limit=NAME_LIST_LIMIT)
    red_t0 = [a for a in accs if _is_red(a.health_t0)]
    red_t1 = [a for a in accs if _is_red(a.health_t1) and a.movement != "churned"]
    if any(_num(a.health_t1) is not None for a in accs):
        b["n_red_t0"] = fmt_count(len(red_t0), "account", zero="no account")
        b["n_red_t1"] = fmt_count(len(red_t1), "account", zero="no account")
        b["n_red_t0_n"], b["n_red_t1_n"] = str(len(red_t0)), str(len(red_t1))
    if red_t1:
        b["red_t1_names"] = join_names([a.name for a in red_t1])
        b["red_be"] = _be(len(red_t1))

    avg, change = _num(m.get("avg_health")), _num(m.get("health_change"))
    if avg is not None:
        if change is None or round(change) == 0:
            b["health_move_phrase"] = f"held at {fmt_int(avg)}"
        else:
            verb = "rose" if change > 0 else "fell"
            b["health_move_phrase"] = f"{verb} {fmt_count(int(fmt_int(abs(change))), 'point')} to {fmt_int(avg)}"
            if change > 0:
                b["health_gain"] = fmt_count(int(fmt_int(change)), "point")

    renewals = [a for a in accs if a.renewal_outcome is not None]
    _renewal_slots(renewals, b)
    credited = [a for a in accs if a.renewal_outcome is None and a.renewal_date is not None and a.previous_owner_credited]
    if credited and not renewals:
        names = join_names([a.name for a in credited])
        b["credited_renewal_what"] = f"the one due, at {names}," if len(credited) == 1 else f"the ones due, at {names},"
    _trend_slots(ev, b)
    n_good, n_weak = _signal_slots(ev, b)
    _thin_slots(ev, b, accs, renewals or credited)

    facts = Facts(book=b, n_good_signals=n_good, n_weak_signals=n_weak)
    flat = sorted(
        (a for a in accs if a.movement == "flat"),
        key=lambda a: (-abs((_num(a.health_t1) or 0) - (_num(a.health_t0) or 0)), -(_num(a.end_arr) or 0)),
    )
    facts.flat_told = tuple(a.account_id for a in flat[:FLAT_TOLD])
    if len(flat) > FLAT_TOLD:
        b["flat_rest_names"] = join_names([a.name for a in flat[FLAT_TOLD:]])
    by_start: dict[date, list[str]] = {}
    for acc in sorted(accs, key=lambda a: -max(_num(a.start_arr) or 0.0, _num(a.end_arr) or 0.0)):
        by_start.setdefault(acc.window_start, []).append(acc.name)
    facts.window_groups = [{"window_names": join_names(names), "window_start": fmt_date(day)} for day, names in by_start.items()]
    facts.accounts = {a.account_id: _account_slots(a, first) for a in accs}
    for note in ev.notes:
        acc = ev.account(note.account_id)
        kind = NOTE_KIND_TEXT.get(note.category, NOTE_KIND_TEXT["other"])
        slots = {
            "note_date": fmt_date(note.date),
            "category_text": kind[0],
            "a_note_kind": f"{with_article(kind[0])} note",
            "cap_note_kind": f"{with_article(kind[0]).capitalize()} note",
            "work_text": kind[1],
            "note_text": " ".join(str(note.text).split()),
        }
        if acc is not None:
            slots["account"] = acc.name
        facts.notes.append(slots)
    for trig in ev.triggers:
        acc = ev.account(trig.account_id)
        kind = str(trig.kind).lower()
        slots = {"trigger_date": fmt_date(trig.date), "kind_text": KIND_TEXT.get(kind, kind.replace("_", " "))}
        if acc is not None:
            slots["account"] = acc.name
        facts.triggers.append(slots)
    facts.trigger_groups = _trigger_groups(ev, "negative", NEGATIVE_TOLD) + _trigger_groups(ev, "positive", POSITIVE_TOLD)
    cuts = (float(ev.rating_cuts[0]), float(ev.rating_cuts[1]))
    overall = m.get("rating") if m.get("rating") in ("exceeds", "meets", "needs_development") else "meets"
    for comp, col in _COMPETENCY_SCORE.items():
        facts.levels[comp] = level_for(m.get(col), cuts) or overall

    tokens: set[str] = set()
    for values in [b, *facts.accounts.values(), *facts.notes, *facts.triggers, *(g for _, _, g in facts.trigger_groups), *facts.window_groups]:
        for value in values.values():
            tokens.update(number_tokens(str(value)))
    for label, _ in ev.previous_scores:
        tokens.update(number_tokens(str(label)))
    facts.allowed = frozenset(tokens)
    return facts


def _renewal_slots(renewals: list[AccountEvidence], b: dict[str, str]) -> None:
    """Renewals that closed in the owned windows: ``renewal_result`` reads "all 8 renewed" or "3 renewed and 3 churned at renewal"."""
    if not renewals:
        return
    if len(renewals) == 1:
        acc = renewals[0]
        b["renewal_account"] = acc.name
        b["renewal_verb"] = {"renewed": "renewed", "churned": "churned", "pending": "is still open"}[acc.renewal_outcome]
        return
    counts = {k: sum(1 for a in renewals if a.renewal_outcome == k) for k in ("renewed", "churned", "pending")}
    b["n_renewals"] = fmt_count(len(renewals), "renewal")
    if counts["renewed"] == len(renewals):
        b["renewal_result"] = f"all {len(renewals)} renewed"
        return
    parts = []
    if counts["renewed"]:
        parts.append(f"{counts['renewed']} renewed")
    if counts["churned"]:
        parts.append(f"{counts['churned']} churned at renewal")
    if counts["pending"]:
        parts.append(f"{counts['pending']} {'is' if counts['pending'] == 1 else 'are'} still open")
    b["renewal_result"] = ("none renewed: " if not counts["renewed"] else "") + " and ".join(parts)


def _trigger_groups(ev: ReviewEvidence, polarity: str, limit: int) -> list[tuple[str, object, dict[str, str]]]:
    """The ``limit`` latest triggers of ``polarity``, one group per kind: ``(polarity, latest date, slots)``, latest first.

    Book-level triggers get ``trigger_dates``; triggers on one account get
    ``account`` and ``trigger_dates``; on several accounts ``trigger_sites``
    ("A on 8 Sep 2026 and B on 22 Sep 2026").
    """
    groups: dict[tuple, list] = {}
    latest = sorted((t for t in ev.triggers if t.polarity == polarity), key=lambda t: t.date, reverse=True)[:limit]
    for trig in latest:
        acc = ev.account(trig.account_id)
        kind = str(trig.kind).lower()
        groups.setdefault((trig.polarity, kind, acc is None), []).append((trig.date, acc))
    out = []
    for (polarity, kind, bookwide), items in groups.items():
        items.sort(key=lambda t: (t[0], t[1].name if t[1] else ""))
        slots = {"kind_text": KIND_TEXT.get(kind, kind.replace("_", " "))}
        by_account: dict[str, list[str]] = {}
        for day, acc in items:
            dates = by_account.setdefault(acc.name if acc else "", [])
            if fmt_date(day) not in dates:
                dates.append(fmt_date(day))
        if bookwide or len(by_account) == 1:
            slots["trigger_dates"] = join_names(next(iter(by_account.values())))
            if not bookwide:
                slots["account"] = next(iter(by_account))
        elif len({tuple(dates) for dates in by_account.values()}) == 1:  # same day(s) everywhere
            slots["trigger_sites"] = f"{join_names(list(by_account))} on {join_names(next(iter(by_account.values())))}"
        else:
            slots["trigger_sites"] = join_names([f"{name} on {join_names(dates)}" for name, dates in by_account.items()])
        out.append((polarity, max(day for day, _ in items), slots))
    out.sort(key=lambda g: g[1], reverse=True)
    return out


def _trend_slots(ev: ReviewEvidence, b: dict[str, str]) -> None:
    score = _num(ev.metrics.get("overall_score"))
    prev = [(label, _num(s)) for label, s in ev.previous_scores if _num(s) is not None]
    if score is None or not prev:
        return
    label, value = prev[0]
    b["prev_period"], b["prev_score"] = str(label), fmt_int(value)
    diff = round(score) - round(value)
    b["trend_word"] = "up" if diff > 0 else ("down" if diff < 0 else "unchanged")
    if len(prev) >= 2:
        b["older_period"], b["older_score"] = str(prev[1][0]), fmt_int(prev[1][1])


def _signal_slots(ev: ReviewEvidence, b: dict[str, str]) -> tuple[int, int]:
    """Leading indicators split into those at or above the cohort median and those below."""
    m, med = ev.metrics, ev.cohort_medians
    good: list[str] = []
    weak: list[str] = []
    checks = [
        ("qbr_coverage", "QBR or EBR coverage of {}"),
        ("proactive_share", "{} of touches proactive"),
        ("avg_health", "average health of {}"),
        ("escalations", None),
    ]
    for name, text in checks:
        value, median = _num(m.get(name)), _num(med.get(name))
        if value is None or median is None:
            continue
        better = value <= median if name == "escalations" else value >= median
        phrase = (
            fmt_count(int(fmt_int(value)), "escalated ticket", zero="no escalated ticket")
            if text is None
            else text.format(fmt_metric(name, value))
        )
        (good if better else weak).append(phrase)
    if "saved_names" in b:
        good.append(f"{b['n_saved']} brought back from red and renewed")
    change = _num(m.get("health_change"))
    if change is not None and round(change) != 0:
        target = good if change > 0 else weak
        points = fmt_count(int(fmt_int(abs(change))), "point")
        target.append(f"health {'up' if change > 0 else 'down'} {points}")
    if good:
        b["good_signals"] = join_names(good, limit=8)
    if weak:
        b["weak_signals"] = join_names(weak, limit=8)
    return len(good), len(weak)


def _thin_slots(ev: ReviewEvidence, b: dict[str, str], accs: list, renewals: list) -> None:
    parts = []
    if len(accs) < 8:
        parts.append(fmt_count(len(accs), "account"))
    if is_missing(ev.metrics.get("nps")) and is_missing(ev.metrics.get("csat")):
        parts.append("no survey responses")
    if not renewals:
        parts.append("no renewals due in the quarter")
    if _num(ev.tenure_months) is not None and float(ev.tenure_months) < 6:
        parts.append(f"{b['tenure']} in the role")
    if len(parts) >= 2:
        b["thin_list"] = join_names(parts, limit=5)
