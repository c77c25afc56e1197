"""The README written next to every generated sample: how to regenerate it and what is planted."""

from __future__ import annotations

from .summary import SampleSummary

__all__ = ["render", "parse_expected_flags"]

_CONVENTIONS = """\
## Conventions

- IDs: `CSM-001`, `ACC-000001`, `ACT-00000001` (activities), `TKT-` (tickets), `SRV-` (surveys),
  `FLG-` (AI flags), `DRF-` (AI drafts). Every name of a person or company is invented.
- Dates are ISO (`2026-07-06`); timestamps are UTC, written `2026-07-06T14:30:00Z`.
- `arr` has one row per account and month from the first month of the data (or the month a new
  customer started) to the month after the review quarter (ARR at T1). A churned account has one
  explicit `0` row, in the month its contract ended; later months have **no row** (carry the 0
  forward). ARR changes only at a renewal or through a mid-term expansion.
- `ownership` windows are `[start_date, end_date)`; a churned account's ownership ends on the day
  its contract ended, so it is in no one's book at T1. A handover is `end_date` == the next
  `start_date`. No new customer starts inside the review quarter.
- `renewals.renewal_date` is the first day of the new contract term; `arr_before` / `arr_after` are
  the ARR rows of the month before and of that month. Churns carry a `notice_date` 30 to 90 days
  earlier (nine days after the handover for the inherited churn). Renewals due in the three months
  after the data are `pending` with no `arr_after`.
- `health` is weekly (Mondays) while the account is a customer; scores 0..100.
- `activities` and `ai_drafts` are credited to the CSM owning the account that day.
- `group_location` and `group_gender` are drawn from their own random stream, independent of skill,
  role, book and ratings: there is no planted bias.
"""

_MODEL = """\
## How the data behaves

- The team is SMB-heavy, as most CS teams are: an ordinary SMB book holds 70 to 105 accounts, a
  mid-market book 24 to 42 and an enterprise book 15 to 22 (the planted books have fixed sizes).
- ARR starts lognormal by segment (medians: enterprise $140k, mid-market $38k, SMB $9.5k).
- Health: per-account mean lifted by the owner's skill, a slow drift and a weekly AR(1) wobble.
- Churn at renewal rises with low health, a **hidden account driver** that health never shows, and
  falls with CSM skill; it is likeliest in SMB (about one SMB customer in five leaves in a year,
  roughly 5% a quarter) and rarest in enterprise. Expansion odds rise with health and skill.
- Tickets escalate more often with the hidden driver, low health and higher priority.
- AI flags: `churn_risk` precedes 70% of churns by 14 to 90 days (notice date) and false alarms
  follow the hidden driver, so flagged accounts churn at several times the base rate;
  `escalation_risk` precedes 65% of escalations by 14 to 60 days; `sentiment_decline` is pure noise
  (12% of account-quarters, independent of everything); `adoption_drop` follows health drops;
  `expansion_signal` precedes half of the ARR increases. `csm_response` is actioned, dismissed or
  none (empty `responded_at`).
- AI drafts start at the beginning of the third quarter of the data. Within every CSM and quarter
  exactly round(n x target) drafts are edited or rejected: the target is 0.23 to 0.27 for everyone
  except the two planted override CSMs.
- Manager ratings exist for every CSM employed for at least half of a quarter; evidence notes are
  written in a manager's voice and name accounts from the CSM's book that quarter.
"""


_SEGMENT_WORDS = {"enterprise": "enterprise", "mid_market": "mid-market", "smb": "SMB"}


def _churn_lines(summary: SampleSummary) -> list[str]:
    """Accounts per segment and churn notices per quarter: what the flag validation has to work with."""
    if not summary.churn_notices:
        return []
    segments = ", ".join(f"{n} {_SEGMENT_WORDS.get(seg, seg)}" for seg, n in summary.accounts_by_segment.items())
    lines = [
        "## Accounts and churn events",
        "",
        f"Accounts by segment: {segments}.",
        "",
        "Churn notices dated in each quarter. The flag validation dates a churn by its notice, so these are",
        "(give or take an account whose notice was already in at the quarter's start) the churn events it",
        "counts at the 90-day horizon. The review quarter has fewer: contracts ending after the data are",
        "`pending` (their churns, and notices, are not simulated), and the planted books and the guards keep",
        "many of its renewals flat.",
        "",
        "| quarter | churn notices |",
        "|---|---|",
    ]
    lines += [f"| {quarter} | {n} |" for quarter, n in summary.churn_notices.items()]
    lines += [
        "",
        f"Total: {sum(summary.churn_notices.values())}. The rolling-origin flag validation predicts each of the "
        "last four quarters",
        "with models trained on the quarters before it, and judges only with at least 20 events to train on",
        "and 20 in the tested quarters. Judged, the planted signal above should come out as `churn_risk`",
        "predictive of churn, `escalation_risk` predictive of escalations and `sentiment_decline` of neither.",
        "",
    ]
    return lines


def render(summary: SampleSummary) -> str:
    """Markdown README for a generated folder."""
    lines = [
        "# Synthetic sample data",
        "",
        f"Generated by `calibrate.sample.generate_sample` with seed {summary.seed}: {summary.n_csms} CSMs, "
        f"{summary.n_accounts} accounts, {summary.quarters} quarters ending with the review quarter "
        f"**{summary.period}**, plus the ARR rows of the month after it. Regenerate this folder, byte for "
        "byte, with:",
        "",
        "```",
        summary.command(),
        "```",
        "",
        "(or `python -m calibrate sample ...` with the same arguments). Do not edit the files by hand: "
        "the tests check the planted truths below against them.",
        "",
        "## Tables",
        "",
        "| table | rows |",
        "|---|---|",
    ]
    lines += [f"| `{name}` | {count} |" for name, count in summary.rows.items()]
    lines += ["", f"Total: {summary.total_rows} rows.", "", _CONVENTIONS, _MODEL]
    lines += _churn_lines(summary)
    lines += [f"## Planted truths for {summary.period}", ""]
    for s in summary.scenarios:
        lines.append(f"- **{s.name}** - `{s.csm_id}` ({s.csm_name}): {s.description}")
    lines += [
        "",
        "Every other CSM is kept clear of the four flags on purpose: no handover within 90 days of the",
        "quarter, at least 13 accounts at T1, the largest account under 16% of the book and flat in the",
        "quarter, the rest of the book's NRR between 0.82 and 1.18, and an override rate of 0.23 to 0.27.",
        "",
        "## Expected flags",
        "",
        "Flags are `;`-separated; `none` means no flag. One row per CSM with a book in the review quarter.",
        "",
        "| csm_id | name | expected flags | why |",
        "|---|---|---|---|",
    ]
    for csm_id, flags in summary.expected_flags.items():
        flag_text = ";".join(flags) if flags else "none"
        lines.append(f"| {csm_id} | {summary.csm_names[csm_id]} | {flag_text} | {summary.why[csm_id]} |")
    lines += ["", "CSMs with no row in the review quarter (they left earlier; their accounts were handed over, "
              "one of them after a three-week gap with no owner):", ""]
    lines += [f"- `{csm_id}` ({summary.csm_names[csm_id]}): {reason}" for csm_id, reason in summary.no_review_row.items()]
    lines.append("")
    return "\n".join(lines)


def parse_expected_flags(text: str) -> dict[str, tuple[str, ...]]:
    """Read the expected-flags table of a README back: ``{csm_id: (flag, ...)}``."""
    out: dict[str, tuple[str, ...]] = {}
    in_table = False
    for line in text.splitlines():
        if line.startswith("| csm_id | name | expected flags"):
            in_table = True
            continue
        if in_table:
            if not line.startswith("|"):
                break
            cells = [c.strip() for c in line.strip("|").split("|")]
            if cells[0].startswith("---"):
                continue
            out[cells[0]] = () if cells[2] == "none" else tuple(cells[2].split(";"))
    return out
