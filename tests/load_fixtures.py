"""A tiny valid input folder (all 15 tables) and helpers to corrupt it cell by cell.

Row numbers in the helpers are spreadsheet rows: the header is row 1, the
first data row is row 2, exactly as error messages name them.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

VALID_TABLES: dict[str, str] = {
    "csms": """csm_id,name,segment,hire_date,email,manager_id,region,fully_loaded_cost,left_date,group_location
C001,Ana Lima,enterprise,2022-03-01,ana@example.com,M01,emea,150000,,remote
C002,Ben Okafor,mid_market,2023-01-15,ben@example.com,M01,amer,120000,,office
00123,Chen Wu,smb,2024-06-01,chen@example.com,M02,apac,95000,,remote
""",
    "accounts": """account_id,name,segment,customer_since,industry,region
A001,Acme,enterprise,2020-01-01,manufacturing,emea
A002,Bolt,mid_market,2021-05-01,software,amer
A003,Cove,smb,2022-09-01,retail,apac
A004,Dune,enterprise,2019-11-01,energy,emea
""",
    "ownership": """account_id,csm_id,start_date,end_date
A001,C001,2025-01-01,
A002,C001,2025-01-01,2026-02-01
A002,C002,2026-02-01,
A003,00123,2025-06-01,
A004,C002,2025-01-01,
""",
    "arr": """account_id,month,arr
A001,2026-01-01,120000
A001,2026-02-01,120000
A001,2026-03-01,125000
A002,2026-01,40000
A002,2026-02,40000
A002,2026-03,38000
A003,2026-01-01,9000
A003,2026-02-01,9000
A003,2026-03-01,0
A004,2026-01-01,200000
A004,2026-02-01,210000
A004,2026-03-01,210000
""",
    "health": """account_id,date,score
A001,2026-01-05,80
A001,2026-02-05,78
A002,2026-01-05,55
A003,2026-01-05,40
A004,2026-01-05,90
""",
    "activities": """activity_id,account_id,csm_id,occurred_at,kind,initiated_by,customer_facing_minutes,ai_assisted
ACT1,A001,C001,2026-01-10T09:30:00Z,call,csm,30,true
ACT2,A001,C001,2026-01-20T15:00:00+02:00,QBR,csm,60,false
ACT3,A002,C002,2026-02-03 10:00:00,email,customer,0,no
ACT4,A003,00123,2026-02-10,meeting,csm,45,1
ACT5,A004,C002,2026-03-01T08:00:00-05:00,ebr,csm,90,
""",
    "renewals": """account_id,renewal_date,outcome,arr_before,arr_after,at_risk,notice_date
A003,2026-03-01,churned,9000,0,yes,2026-01-15
A004,2026-02-01,renewed,200000,210000,no,
""",
    "tickets": """ticket_id,account_id,opened_at,first_response_at,resolved_at,priority,escalated,escalated_at
T1,A001,2026-01-11T10:00:00Z,2026-01-11T12:00:00Z,2026-01-12T09:00:00Z,high,true,2026-01-11T13:00:00Z
T2,A002,2026-02-01T09:00:00Z,2026-02-01T09:30:00Z,,normal,false,
""",
    "surveys": """response_id,account_id,responded_at,kind,score,comment
S1,A001,2026-01-15T10:00:00Z,nps,9,"Great, responsive team"
S2,A002,2026-02-15T10:00:00Z,csat,4,
S3,A004,2026-03-02T10:00:00Z,nps,3,slow answers
""",
    "onboarding": """account_id,kickoff_date,first_value_date,target_days
A003,2025-06-05,2025-07-10,30
""",
    "ai_flags": """flag_id,account_id,raised_at,kind,score,csm_response,responded_at
F1,A003,2026-01-20T08:00:00Z,churn_risk,0.82,actioned,2026-01-21T08:00:00Z
F2,A001,2026-02-01T08:00:00Z,expansion_signal,0.4,none,
""",
    "ai_drafts": """draft_id,csm_id,account_id,created_at,kind,outcome,minutes_to_complete,sent_at
D1,C001,A001,2026-01-09T08:00:00Z,touch,approved,4,2026-01-09T08:10:00Z
D2,C002,,2026-02-02T08:00:00Z,qbr_prep,edited,12,
""",
    "manager_ratings": """csm_id,period,rating,potential,rationale
C001,2026-Q1,exceeds,high,Saved Acme renewal
C002,2026-Q1,meets,medium,
""",
    "evidence": """csm_id,date,category,text,account_id
C001,2026-02-10,customer_outcome,Led the Acme adoption plan,A001
00123,2026-03-05,mentorship,Coached a new hire,
""",
    "pre_session_notes": """csm_id,manager_id,agrees_with_model,note
C001,M01,disagree,"Carried the Acme renewal, which the score misses"
00123,M02,agree,
""",
}


def parse_rows(text: str) -> list[list[str]]:
    """CSV text to rows of cells (header first)."""
    return list(csv.reader(io.StringIO(text)))


def render_rows(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def set_cell(tables: dict[str, str], table: str, row: int, column: str, value: str) -> dict[str, str]:
    """A copy of ``tables`` with the cell at spreadsheet ``row`` of ``column`` replaced."""
    rows = parse_rows(tables[table])
    rows[row - 1][rows[0].index(column)] = value
    return {**tables, table: render_rows(rows)}


def append_row(tables: dict[str, str], table: str, cells: dict[str, str]) -> dict[str, str]:
    """A copy of ``tables`` with one row added at the end (unnamed columns empty)."""
    rows = parse_rows(tables[table])
    rows.append([cells.get(name, "") for name in rows[0]])
    return {**tables, table: render_rows(rows)}


def rename_column(tables: dict[str, str], table: str, old: str, new: str) -> dict[str, str]:
    rows = parse_rows(tables[table])
    rows[0][rows[0].index(old)] = new
    return {**tables, table: render_rows(rows)}


def write_tables(folder: Path, tables: dict[str, str], *, skip: tuple[str, ...] = ()) -> Path:
    """Write each table as ``<table>.csv`` in ``folder`` (UTF-8, no BOM) and return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        if name in skip:
            continue
        (folder / f"{name}.csv").write_text(text, encoding="utf-8", newline="")
    return folder


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``folder`` with its size and mtime: compare before and after a load."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}
