"""The data contract as code: every input table, its columns, keys and rules.

This module is the single source of truth for the data contract (``docs/TABLES.md`` is generated from it): the loader
validates against it, the sample generator writes to it, and the tests corrupt
files column by column from it.  It holds no logic beyond lookups.

Column kinds and the dtype a validated frame carries for them:

=============  ===========================================  =========================
kind           accepted text                                validated dtype
=============  ===========================================  =========================
``id``         any non-empty text (kept verbatim, "00123")  string
``text``       any text                                     string
``enum``       one of ``Column.values`` (case-insensitive)  string (lower case)
``label``      any non-empty text (open set, e.g. segment)  string
``date``       ISO 8601 date ``2026-07-01``                 datetime64[ns], midnight
``timestamp``  ISO 8601 date or time, optional offset       datetime64[ns], UTC, naive
``month``      first day of a month or ``YYYY-MM``          datetime64[ns], day 1
``number``     a plain number                               float64
``money``      a plain number (``$1,200`` only when loose)  float64
``bool``       true/false, 1/0, yes/no (any case)           boolean (nullable)
``period``     ``YYYY-Qn``                                  string
=============  ===========================================  =========================
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "VALIDATED_DTYPES",
    "Column",
    "ForeignKey",
    "TableSpec",
    "TABLES",
    "REQUIRED_TABLES",
    "OPTIONAL_TABLES",
    "GROUP_PREFIX",
    "table_spec",
]

GROUP_PREFIX = "group_"

# The dtype a validated frame carries for each column kind (the table above).
VALIDATED_DTYPES: dict[str, str] = {
    "id": "string",
    "text": "string",
    "label": "string",
    "enum": "string",
    "period": "string",
    "date": "datetime64[ns]",
    "timestamp": "datetime64[ns]",
    "month": "datetime64[ns]",
    "number": "float64",
    "money": "float64",
    "bool": "boolean",
}


@dataclass(frozen=True)
class Column:
    """One column of an input table."""

    name: str
    kind: str
    required: bool = False
    values: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None

    def expectation(self) -> str:
        """Plain-language description of a valid value, used in error messages."""
        if self.kind == "enum":
            return "one of " + ", ".join(self.values)
        if self.kind in ("number", "money"):
            text = "a number"
            if self.minimum is not None and self.maximum is not None:
                return f"{text} from {_fmt(self.minimum)} to {_fmt(self.maximum)}"
            if self.minimum is not None:
                return f"{text} >= {_fmt(self.minimum)}"
            return text
        return {
            "id": "a non-empty identifier",
            "label": "a non-empty label",
            "text": "text",
            "date": "an ISO date such as 2026-07-01",
            "timestamp": "an ISO timestamp such as 2026-07-01T09:30:00Z",
            "month": "the first day of a month (2026-07-01) or YYYY-MM",
            "bool": "true/false, 1/0 or yes/no",
            "period": "a quarter such as 2026-Q3",
        }[self.kind]


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


@dataclass(frozen=True)
class ForeignKey:
    """``column`` must name an existing ``table.key`` (empty cells allowed when optional)."""

    column: str
    table: str
    target: str


@dataclass(frozen=True)
class TableSpec:
    """One input table: its columns, key, foreign keys and date-order rules."""

    name: str
    required: bool
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    # (earlier, later, strict): later must be >= earlier (> when strict).
    date_order: tuple[tuple[str, str, bool], ...] = ()
    notes: str = field(default="", compare=False)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


def _c(name: str, kind: str, required: bool = False, **kw) -> Column:
    return Column(name=name, kind=kind, required=required, **kw)


ACTIVITY_KINDS = ("call", "meeting", "email", "qbr", "ebr", "onboarding", "enablement", "other")
EVIDENCE_CATEGORIES = (
    "customer_outcome",
    "voice_of_customer",
    "mentorship",
    "playbook",
    "cross_team",
    "escalation",
    "other",
)
RATINGS = ("exceeds", "meets", "needs_development")

_SPECS = (
    TableSpec(
        "csms",
        True,
        (
            _c("csm_id", "id", True),
            _c("name", "text", True),
            _c("segment", "label", True),
            _c("hire_date", "date", True),
            _c("email", "text"),
            _c("manager_id", "id"),
            _c("region", "text"),
            _c("fully_loaded_cost", "money", minimum=0),
            _c("left_date", "date"),
        ),
        key=("csm_id",),
        date_order=(("hire_date", "left_date", False),),
        notes="group_* columns are kept as text for the fairness checks.",
    ),
    TableSpec(
        "accounts",
        True,
        (
            _c("account_id", "id", True),
            _c("name", "text", True),
            _c("segment", "label", True),
            _c("customer_since", "date"),
            _c("industry", "text"),
            _c("region", "text"),
        ),
        key=("account_id",),
    ),
    TableSpec(
        "ownership",
        True,
        (
            _c("account_id", "id", True),
            _c("csm_id", "id", True),
            _c("start_date", "date", True),
            _c("end_date", "date"),
        ),
        key=("account_id", "start_date"),
        foreign_keys=(ForeignKey("account_id", "accounts", "account_id"), ForeignKey("csm_id", "csms", "csm_id")),
        date_order=(("start_date", "end_date", True),),
        notes="End dates are exclusive; windows of one account never overlap.",
    ),
    TableSpec(
        "arr",
        True,
        (
            _c("account_id", "id", True),
            _c("month", "month", True),
            _c("arr", "money", True, minimum=0),
        ),
        key=("account_id", "month"),
        foreign_keys=(ForeignKey("account_id", "accounts", "account_id"),),
    ),
    TableSpec(
        "health",
        True,
        (
            _c("account_id", "id", True),
            _c("date", "date", True),
            _c("score", "number", True, minimum=0, maximum=100),
        ),
        key=("account_id", "date"),
        foreign_keys=(ForeignKey("account_id", "accounts", "account_id"),),
    ),
    TableSpec(
        "activities",
        True,
        (
            _c("activity_id", "id", True),
            _c("account_id", "id", True),
            _c("csm_id", "id", True),
            _c("occurred_at", "timestamp", True),
            _c("kind", "enum", True, values=ACTIVITY_KINDS),
            _c("initiated_by", "enum", True, values=("csm", "customer")),
            _c("customer_facing_minutes", "number", minimum=0),
            _c("ai_assisted", "bool"),
        ),
        key=("activity_id",),
        foreign_keys=(ForeignKey("account_id", "accounts", "account_id"), ForeignKey("csm_id", "csms", "csm_id")),
    ),
    TableSpec(
        "renewals",
        False,
        (
            _c("account_id", "id", True),
            _c("renewal_date", "date", True),
            _c("outcome", "enum", True, values=("renewed", "churned", "pending")),
            _c("arr_before", "money", True, minimum=0),
            _c("arr_after", "money", minimum=0),
            _c("at_risk", "bool"),
            _c("notice_date", "date"),
        ),
        key=("account_id", "renewal_date"),
        foreign_keys=(ForeignKey("account_id", "accounts", "account_id"),),
        date_order=(("notice_date", "renewal_date", False),),
    ),
    TableSpec(
        "tickets",
        False,
        (
            _c("ticket_id", "id", True),
            _c("account_id", "id", True),
            _c("opened_at", "timestamp", True),
            _c("first_response_at", "timestamp"),
            _c("resolved_at", "timestamp"),
            _c("priority", "enum", values=("low", "normal", "high", "urgent")),
            _c("escalated", "bool", True),
            _c("escalated_at", "timestamp"),
        ),
        key=("ticket_id",),
        foreign_keys=(ForeignKey("account_id", "accounts", "account_id"),),
        date_order=(
            ("opened_at", "first_response_at", False),
            ("opened_at", "resolved_at", False),
            ("opened_at", "escalated_at", False),
        ),
    ),
    TableSpec(
        "surveys",
        False,
        (
            _c("response_id", "id", True),
            _c("account_id", "id", True),
            _c("responded_at", "timestamp", True),
            _c("kind", "enum", True, values=("nps", "csat")),
            _c("score", "number", True, minimum=0, maximum=10),
            _c("comment", "text"),
        ),
        key=("response_id",),
        foreign_keys=(ForeignKey("account_id", "accounts", "account_id"),),
        notes="score is 0..10 for nps and 1..5 for csat (checked per row).",
    ),
    TableSpec(
        "onboarding",
        False,
        (
            _c("account_id", "id", True),
            _c("kickoff_date", "date", True),
            _c("first_value_date", "date"),
            _c("target_days", "number", minimum=0),
        ),
        key=("account_id",),
        foreign_keys=(ForeignKey("account_id", "accounts", "account_id"),),
        date_order=(("kickoff_date", "first_value_date", False),),
    ),
    TableSpec(
        "ai_flags",
        False,
        (
            _c("flag_id", "id", True),
            _c("account_id", "id", True),
            _c("raised_at", "timestamp", True),
            _c("kind", "label", True),
            _c("score", "number", minimum=0, maximum=1),
            _c("csm_response", "enum", values=("actioned", "dismissed", "none")),
            _c("responded_at", "timestamp"),
        ),
        key=("flag_id",),
        foreign_keys=(ForeignKey("account_id", "accounts", "account_id"),),
        date_order=(("raised_at", "responded_at", False),),
        notes="kind is open: churn_risk, escalation_risk, adoption_drop, sentiment_decline, expansion_signal or others.",
    ),
    TableSpec(
        "ai_drafts",
        False,
        (
            _c("draft_id", "id", True),
            _c("csm_id", "id", True),
            _c("account_id", "id"),
            _c("created_at", "timestamp", True),
            _c("kind", "enum", True, values=("touch", "qbr_prep", "renewal_brief", "risk_brief")),
            _c("outcome", "enum", True, values=("approved", "edited", "rejected")),
            _c("minutes_to_complete", "number", minimum=0),
            _c("sent_at", "timestamp"),
        ),
        key=("draft_id",),
        foreign_keys=(ForeignKey("csm_id", "csms", "csm_id"), ForeignKey("account_id", "accounts", "account_id")),
        date_order=(("created_at", "sent_at", False),),
    ),
    TableSpec(
        "manager_ratings",
        False,
        (
            _c("csm_id", "id", True),
            _c("period", "period", True),
            _c("rating", "enum", True, values=RATINGS),
            _c("potential", "enum", values=("low", "medium", "high")),
            _c("rationale", "text"),
        ),
        key=("csm_id", "period"),
        foreign_keys=(ForeignKey("csm_id", "csms", "csm_id"),),
    ),
    TableSpec(
        "evidence",
        False,
        (
            _c("csm_id", "id", True),
            _c("date", "date", True),
            _c("category", "enum", True, values=EVIDENCE_CATEGORIES),
            _c("text", "text", True, max_length=1000),
            _c("account_id", "id"),
        ),
        key=("csm_id", "date", "text"),
        foreign_keys=(ForeignKey("csm_id", "csms", "csm_id"), ForeignKey("account_id", "accounts", "account_id")),
    ),
    TableSpec(
        "pre_session_notes",
        False,
        (
            _c("csm_id", "id", True),
            _c("manager_id", "id", True),
            _c("agrees_with_model", "enum", True, values=("agree", "disagree")),
            _c("note", "text", max_length=2000),
        ),
        key=("csm_id", "manager_id"),
        foreign_keys=(ForeignKey("csm_id", "csms", "csm_id"),),
        notes="Managers' notes written before the calibration session; shown on each CSM's card in the session app.",
    ),
)

TABLES: dict[str, TableSpec] = {spec.name: spec for spec in _SPECS}
REQUIRED_TABLES: tuple[str, ...] = tuple(s.name for s in _SPECS if s.required)
OPTIONAL_TABLES: tuple[str, ...] = tuple(s.name for s in _SPECS if not s.required)

# Survey score ranges by kind, checked row by row after the column range.
SURVEY_SCORE_RANGE = {"nps": (0, 10), "csat": (1, 5)}


def table_spec(name: str) -> TableSpec:
    """Return the spec of table ``name``; an unknown name is a programming error."""
    return TABLES[name]
