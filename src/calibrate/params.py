"""Params: one YAML file parsed once into a frozen, typed object.

* Every default lives in the dataclasses below and, commented, in
  ``params/base.yaml``; a test keeps the two identical.
* A params file may start with ``extends: base.yaml`` (a path relative to the
  file); the named file is read first and this one overrides it key by key.
* YAML is read with every scalar as text (PyYAML's ``BaseLoader``), then each
  value is converted to the type its field declares. So ``00123`` stays
  ``"00123"`` where text is expected, ``no`` is never a boolean by accident,
  and ``2026-07-01`` is never turned into a date object.
* Unknown keys, wrong types and impossible values raise ``ParamsError``
  naming the key, what was expected, what was got, and the nearest valid key.
* Relative paths (``data_dir``, ``output_dir``) are relative to the params
  file's folder, so a run does not depend on the shell's current folder.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ParamsError
from .periods import Period, parse_period

_DATABASE_URL = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.\-]*://")


def is_database_url(data_dir: str | Path) -> bool:
    """True when ``data_dir`` is a database URL (``postgresql://...``, ``sqlite:///...``), not a path."""
    return isinstance(data_dir, str) and bool(_DATABASE_URL.match(data_dir))


def resolve_data_dir(data_dir: str | Path) -> str:
    """A data source given on a command line: a database URL as written, a path made absolute."""
    if is_database_url(data_dir):
        return str(data_dir).strip()
    return str(Path(data_dir).expanduser().resolve())

_PERIOD_TEXT = re.compile(r"^\d{4}-Q[1-4]$")

__all__ = [
    "Params",
    "AttributionParams",
    "ConcentrationParams",
    "HealthParams",
    "ActivityParams",
    "AIParams",
    "TriggerParams",
    "ScoringParams",
    "Weights",
    "Targets",
    "RatingCuts",
    "TierCuts",
    "BatchParams",
    "FlagParams",
    "SessionParams",
    "DEFAULT_REASON_CODES",
    "CATEGORIES",
    "load_params",
    "params_from_mapping",
    "params_to_dict",
    "params_hash",
]

CATEGORIES = ("retention", "expansion", "health", "engagement", "satisfaction", "efficiency", "ai_productivity")


@dataclass(frozen=True)
class AttributionParams:
    """Who is credited with an account's ARR movement (docs/FORMULAS.md: attribution windows)."""

    handover_grace_days: int = 60
    inherited_share_threshold: float = 0.25


@dataclass(frozen=True)
class ConcentrationParams:
    """When one account carries a book (a book carried by one account)."""

    top_share_threshold: float = 0.25
    top_nrr_move: float = 0.05


@dataclass(frozen=True)
class HealthParams:
    """Health bands: red <= red_max < yellow <= yellow_max < green."""

    red_max: float = 50.0
    yellow_max: float = 75.0


@dataclass(frozen=True)
class ActivityParams:
    sla_hours: float = 6.0


@dataclass(frozen=True)
class AIParams:
    """AI-augmented productivity; the override band is a practitioner default, not a law."""

    override_band_low: float = 0.18
    override_band_high: float = 0.32
    coverage_window_days: int = 30


@dataclass(frozen=True)
class TriggerParams:
    """Weekly coaching triggers computed through the period."""

    consecutive_declines: int = 3
    sla_breach_share: float = 0.2
    proactive_drop_share: float = 0.3
    trailing_weeks: int = 8


@dataclass(frozen=True)
class Weights:
    """Relative weight of each category in the overall score (any scale; >= 0)."""

    retention: float = 0.25
    expansion: float = 0.15
    health: float = 0.15
    engagement: float = 0.15
    satisfaction: float = 0.10
    efficiency: float = 0.10
    ai_productivity: float = 0.10

    def as_dict(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in CATEGORIES}


@dataclass(frozen=True)
class Targets:
    """The value of each metric that scores 75 out of 100 (see docs/SCORING.md).

    Retention targets are per quarter: the metrics are quarterly cohorts and
    are never annualised. NRR 1.025, GRR 0.982 and logo churn 1.5% a quarter
    compound to the yearly benchmarks NRR 110%, GRR 93% and logo churn 6%.
    """

    nrr: float = 1.025
    grr: float = 0.982
    logo_churn_rate: float = 0.015
    expansion_rate: float = 0.03
    avg_health: float = 75.0
    health_change: float = 0.0
    red_recovery: float = 0.5
    qbr_coverage: float = 0.9
    proactive_share: float = 0.7
    sla_adherence: float = 0.9
    nps: float = 40.0
    csat: float = 4.5
    customer_facing_hours_per_week: float = 18.0
    net_retention_per_cost: float = 1.6
    ai_coverage: float = 0.85
    time_to_value_days: float = 30.0


@dataclass(frozen=True)
class RatingCuts:
    """Overall score at or above ``exceeds`` -> exceeds; at or above ``meets`` -> meets."""

    exceeds: float = 75.0
    meets: float = 55.0


@dataclass(frozen=True)
class TierCuts:
    """Overall score at or above each cut -> that tier; below ``solid`` -> under."""

    top: float = 90.0
    strong: float = 75.0
    solid: float = 60.0


@dataclass(frozen=True)
class ScoringParams:
    weights: Weights = field(default_factory=Weights)
    targets: Targets = field(default_factory=Targets)
    rating_cuts: RatingCuts = field(default_factory=RatingCuts)
    tier_cuts: TierCuts = field(default_factory=TierCuts)
    min_cohort_size: int = 5
    small_book_accounts: int = 8
    shrinkage_k: float = 8.0
    shrinkage: str = "estimated"
    target_distribution_exceeds: float = 0.20
    target_distribution_meets: float = 0.70
    target_distribution_needs_development: float = 0.10


@dataclass(frozen=True)
class FlagParams:
    """Did the AI copilot's flags predict churn and escalations (docs/STATISTICS.md)."""

    lookback_days: int = 90
    horizon_days: int = 90
    secondary_horizon_days: int = 180
    min_lead_days: int = 14
    min_events: int = 20
    n_boot: int = 1000
    test_quarters: int = 4


@dataclass(frozen=True)
class CapacityParams:
    """Portfolio balance: target accounts per CSM by book segment, and an ARR ceiling.

    A segment label not listed here (a company's own label) uses
    ``default_accounts``. A CSM is over capacity when their accounts exceed the
    target by more than ``tolerance`` (a fraction of the target) or their ARR
    exceeds ``arr_per_csm_max``. Rebalancing never moves an account renewing
    within ``renewal_freeze_days``.
    """

    enterprise_accounts: int = 15
    mid_market_accounts: int = 40
    smb_accounts: int = 100
    digital_accounts: int = 250
    default_accounts: int = 50
    arr_per_csm_max: float = 5_000_000.0
    tolerance: float = 0.10
    renewal_freeze_days: int = 60

    def segment_targets(self) -> dict[str, int]:
        """``{segment: target accounts}`` for the listed segments (others use ``default_accounts``)."""
        return {s: int(getattr(self, f"{s}_accounts")) for s in ("enterprise", "mid_market", "smb", "digital")}

    def target_accounts(self, segment: str) -> int:
        """Target accounts for a book segment (``default_accounts`` for unlisted labels)."""
        return int(getattr(self, f"{str(segment).strip().lower()}_accounts", self.default_accounts))


@dataclass(frozen=True)
class BatchParams:
    """How the papermill batch runs. ``workers: 0`` means one per CPU core."""

    workers: int = 0
    kernel_name: str = "calibrate"
    notebook_timeout_seconds: int = 600
    seed: int = 20261


DEFAULT_REASON_CODES = {
    "evidence_outweighs_score": "Evidence the score does not capture",
    "book_difficulty": "Book harder or easier than the score allows",
    "data_quality": "Data missing or wrong for this CSM",
    "role_scope": "Role or book changed during the quarter",
    "manager_context": "Manager context agreed by the room",
    "consistency": "Consistency with peers at the same level",
}
_REASON_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class SessionParams:
    """The live calibration session (``calibrate session``).

    ``reason_codes`` maps a short code (lower case, digits, ``_``) to the
    plain label the room picks from; every final rating set in the session
    needs one. ``minutes_per_csm`` is the time box shown on each CSM's card.
    """

    reason_codes: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_REASON_CODES))
    minutes_per_csm: float = 5.0


@dataclass(frozen=True)
class Params:
    """Everything a run needs besides the data. Build with ``load_params``."""

    data_dir: str = "../data/sample"
    output_dir: str = "../reports"
    period: str = "2026-Q3"
    fiscal_year_start_month: int = 1
    money_format: str = "strict"
    column_map: dict[str, dict[str, str]] = field(default_factory=dict)
    table_map: dict[str, str] = field(default_factory=dict)
    calibration_decisions: str = ""
    attribution: AttributionParams = field(default_factory=AttributionParams)
    concentration: ConcentrationParams = field(default_factory=ConcentrationParams)
    health: HealthParams = field(default_factory=HealthParams)
    activity: ActivityParams = field(default_factory=ActivityParams)
    ai: AIParams = field(default_factory=AIParams)
    triggers: TriggerParams = field(default_factory=TriggerParams)
    scoring: ScoringParams = field(default_factory=ScoringParams)
    capacity: CapacityParams = field(default_factory=CapacityParams)
    batch: BatchParams = field(default_factory=BatchParams)
    flags: FlagParams = field(default_factory=FlagParams)
    session: SessionParams = field(default_factory=SessionParams)
    source: str = field(default="", compare=False)

    @property
    def quarter(self) -> Period:
        return parse_period(self.period, fiscal_year_start_month=self.fiscal_year_start_month)

    def data_path(self) -> Path | str:
        """The data folder or DuckDB file (a ``Path``), or a database URL as written (``str``)."""
        if is_database_url(self.data_dir):
            return self.data_dir.strip()
        return _resolve(self.data_dir, self.source)

    def load_options(self) -> dict[str, Any]:
        """The keyword arguments of ``load.load_dataset`` these params set."""
        return {"column_map": self.column_map, "money_format": self.money_format, "table_map": self.table_map}

    def output_path(self) -> Path:
        return _resolve(self.output_dir, self.source)

    def decisions_path(self, data_dir: str | Path | None = None) -> Path:
        """The calibration decisions file: ``calibration_decisions`` resolved like ``data_dir``,
        or ``calibration_decisions.csv`` in ``data_dir`` (default: ``data_path()``) when it is empty."""
        if self.calibration_decisions.strip():
            return _resolve(self.calibration_decisions.strip(), self.source)
        return Path(data_dir if data_dir is not None else self.data_path()) / "calibration_decisions.csv"

    def replace(self, **changes: Any) -> "Params":
        """A copy with top-level fields changed, checked like a loaded file."""
        merged = params_to_dict(self)
        merged.update({k: v for k, v in changes.items() if v is not None})
        return params_from_mapping(merged, source=self.source)


def _resolve(path: str, source: str) -> Path:
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    # Params built in code (no file) behave as if read from ./params/.
    anchor = Path(source).parent if source else Path.cwd() / "params"
    return (anchor / p).resolve()


# --------------------------------------------------------------------------- parsing


def load_params(path: str | Path) -> Params:
    """Read a params YAML file (following ``extends``) into a checked ``Params``."""
    path = Path(path)
    raw = _read_with_extends(path, seen=())
    return params_from_mapping(raw, source=str(path.resolve()))


def _read_with_extends(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    if not path.is_file():
        raise ParamsError(f"The params file {path} does not exist. Pass an existing file, e.g. params/sample.yaml.")
    if path.resolve() in seen:
        raise ParamsError(f"The params file {path} extends itself (through {', '.join(map(str, seen))}).")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParamsError(f"The params file {path} is not UTF-8 text (byte {exc.start} cannot be read). Save it as "
                          "UTF-8 in your editor and run again.") from None
    except OSError as exc:
        raise ParamsError(f"The params file {path} cannot be read ({exc.strerror or exc}). Check its permissions.") from None
    try:
        raw = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        raise ParamsError(f"The params file {path} is not valid YAML: {exc}") from None
    _refuse_non_finite(raw, path)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ParamsError(f"The params file {path} must hold a mapping of keys to values at the top level.")
    parent = raw.pop("extends", None)
    if parent is None:
        return raw
    base = _read_with_extends(path.parent / str(parent), seen + (path.resolve(),))
    return _deep_merge(base, raw)


class _StrictLoader(yaml.BaseLoader):
    """YAML as text values (``BaseLoader``), refusing a key given twice in one mapping (YAML would keep the last)."""

    def construct_mapping(self, node, deep=False):
        seen: dict[str, Any] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice (lines {seen[key] + 1} and {key_node.start_mark.line + 1}); "
                    "keep one", key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


_NON_FINITE = {"nan", ".nan", "inf", ".inf", "+inf", "+.inf", "-inf", "-.inf", "infinity", "+infinity", "-infinity"}


def _refuse_non_finite(value: Any, path: Path, where: str = "") -> None:
    """NaN and infinities are never a valid setting: refuse them wherever they appear."""
    if isinstance(value, dict):
        for key, inner in value.items():
            _refuse_non_finite(inner, path, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            _refuse_non_finite(inner, path, f"{where}[{i}]")
    elif isinstance(value, str) and value.strip().lower() in _NON_FINITE:
        raise ParamsError(f"The params file {path} sets {where} to {value!r}; use a finite number.")


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key not in ("column_map", "table_map"):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def params_from_mapping(raw: dict[str, Any], *, source: str = "") -> Params:
    """Build ``Params`` from a mapping (YAML text values or Python values)."""
    raw = dict(raw)
    raw.pop("extends", None)
    params = _build(Params, raw, prefix="")
    params = dataclasses.replace(params, source=source)
    _check_values(params)
    return params


def _build(cls: type, raw: Any, prefix: str) -> Any:
    if not isinstance(raw, dict):
        raise ParamsError(f"The '{prefix.rstrip('.')}' parameter must be a mapping of keys to values. Got {raw!r} instead.")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.name != "source"]
    kwargs: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in names:
            close = difflib.get_close_matches(str(key), names, n=1)
            hint = f" Did you mean '{prefix}{close[0]}'?" if close else f" Valid keys here: {', '.join(names)}."
            raise ParamsError(f"Unknown parameter '{prefix}{key}'.{hint}")
        kwargs[key] = _convert(value, hints[key], f"{prefix}{key}")
    return cls(**kwargs)


def _convert(value: Any, hint: Any, key: str) -> Any:
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, prefix=key + ".")
    origin = typing.get_origin(hint)
    if origin is dict:
        if not isinstance(value, dict):
            raise ParamsError(f"The '{key}' parameter must be a mapping. Got {value!r} instead.")
        _, value_type = typing.get_args(hint)
        return {str(k): _convert(v, value_type, f"{key}.{k}") for k, v in value.items()}
    if origin in (typing.Union, types.UnionType):
        if value in (None, "", "null", "~"):
            return None
        inner = [a for a in typing.get_args(hint) if a is not type(None)][0]
        return _convert(value, inner, key)
    if isinstance(value, (dict, list)):
        raise ParamsError(f"The '{key}' parameter must be a single {hint.__name__}. Got {value!r} instead.")
    if hint is str:
        return str(value)
    if hint is bool:
        text = str(value).strip().lower()
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
        raise ParamsError(f"The '{key}' parameter must be true or false. Got {value!r} instead.")
    if hint is int:
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
            if not number.is_integer():
                raise ValueError
            return int(number)
        except (TypeError, ValueError):
            raise ParamsError(f"The '{key}' parameter must be a whole number. Got {value!r} instead.") from None
    if hint is float:
        try:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        except (TypeError, ValueError):
            raise ParamsError(f"The '{key}' parameter must be a number. Got {value!r} instead.") from None
    raise ParamsError(f"The '{key}' parameter has a type this version cannot read ({hint}).")


def _check_values(p: Params) -> None:
    """Reject impossible values with the key, the rule and the fix."""

    def fail(key: str, rule: str, got: Any) -> None:
        raise ParamsError(f"The '{key}' parameter must be {rule}. Got {got!r} instead.")

    if not 1 <= p.fiscal_year_start_month <= 12:
        fail("fiscal_year_start_month", "a month number from 1 to 12", p.fiscal_year_start_month)
    if not _PERIOD_TEXT.match(p.period):
        raise ParamsError(f"The 'period' parameter must look like 2026-Q3. Got \"{p.period}\" instead.")
    if p.money_format not in ("strict", "loose"):
        fail("money_format", "'strict' or 'loose'", p.money_format)
    if p.attribution.handover_grace_days < 0:
        fail("attribution.handover_grace_days", ">= 0", p.attribution.handover_grace_days)
    for key, value in (
        ("attribution.inherited_share_threshold", p.attribution.inherited_share_threshold),
        ("concentration.top_share_threshold", p.concentration.top_share_threshold),
        ("triggers.sla_breach_share", p.triggers.sla_breach_share),
        ("triggers.proactive_drop_share", p.triggers.proactive_drop_share),
        ("ai.override_band_low", p.ai.override_band_low),
        ("ai.override_band_high", p.ai.override_band_high),
    ):
        if not 0 <= value <= 1:
            fail(key, "a fraction from 0 to 1 (0.25, not 25)", value)
    if p.ai.override_band_low > p.ai.override_band_high:
        fail("ai.override_band_low", f"<= ai.override_band_high ({p.ai.override_band_high})", p.ai.override_band_low)
    if not 0 <= p.health.red_max < p.health.yellow_max <= 100:
        fail("health.red_max", f"from 0 to 100 and below health.yellow_max ({p.health.yellow_max})", p.health.red_max)
    if p.activity.sla_hours <= 0:
        fail("activity.sla_hours", "> 0", p.activity.sla_hours)
    weights = p.scoring.weights.as_dict()
    for name, w in weights.items():
        if w < 0:
            fail(f"scoring.weights.{name}", ">= 0", w)
    if sum(weights.values()) <= 0:
        fail("scoring.weights", "a set with at least one weight above 0", weights)
    rc, tc = p.scoring.rating_cuts, p.scoring.tier_cuts
    if not 0 <= rc.meets <= rc.exceeds <= 100:
        fail("scoring.rating_cuts.meets", f"from 0 to 100 and <= scoring.rating_cuts.exceeds ({rc.exceeds})", rc.meets)
    if not 0 <= tc.solid <= tc.strong <= tc.top <= 100:
        fail("scoring.tier_cuts", "in order: 0 <= solid <= strong <= top <= 100", dataclasses.asdict(tc))
    if p.scoring.min_cohort_size < 1:
        fail("scoring.min_cohort_size", ">= 1", p.scoring.min_cohort_size)
    if p.scoring.shrinkage_k < 0:
        fail("scoring.shrinkage_k", ">= 0 (0 turns shrinkage off)", p.scoring.shrinkage_k)
    if p.scoring.shrinkage not in ("estimated", "fixed"):
        fail("scoring.shrinkage", "'estimated' (k per category from the team's books) or 'fixed' (k = shrinkage_k)",
             p.scoring.shrinkage)
    if p.scoring.small_book_accounts < 1:
        fail("scoring.small_book_accounts", ">= 1", p.scoring.small_book_accounts)
    dist = (
        p.scoring.target_distribution_exceeds,
        p.scoring.target_distribution_meets,
        p.scoring.target_distribution_needs_development,
    )
    if any(x < 0 for x in dist) or abs(sum(dist) - 1) > 1e-6:
        fail("scoring.target_distribution_*", "three fractions >= 0 that add up to 1", dist)
    for key in ("lookback_days", "horizon_days", "secondary_horizon_days", "min_events", "n_boot", "test_quarters"):
        if getattr(p.flags, key) < 1:
            fail(f"flags.{key}", ">= 1", getattr(p.flags, key))
    if p.flags.min_lead_days < 0:
        fail("flags.min_lead_days", ">= 0", p.flags.min_lead_days)
    cap = p.capacity
    for name in ("enterprise_accounts", "mid_market_accounts", "smb_accounts", "digital_accounts", "default_accounts"):
        if getattr(cap, name) < 1:
            fail(f"capacity.{name}", ">= 1", getattr(cap, name))
    if cap.arr_per_csm_max <= 0:
        fail("capacity.arr_per_csm_max", "> 0", cap.arr_per_csm_max)
    if not 0 <= cap.tolerance <= 1:
        fail("capacity.tolerance", "a fraction from 0 to 1 (0.1, not 10)", cap.tolerance)
    if cap.renewal_freeze_days < 0:
        fail("capacity.renewal_freeze_days", ">= 0", cap.renewal_freeze_days)
    if p.batch.workers < 0:
        fail("batch.workers", ">= 0 (0 means one per CPU core)", p.batch.workers)
    if p.batch.notebook_timeout_seconds <= 0:
        fail("batch.notebook_timeout_seconds", "> 0", p.batch.notebook_timeout_seconds)
    if not p.session.reason_codes:
        fail("session.reason_codes", "a mapping of at least one code to its label", p.session.reason_codes)
    for code, label in p.session.reason_codes.items():
        if not _REASON_CODE.match(code):
            fail(f"session.reason_codes.{code}", "keyed by a short code of lower-case letters, digits and _", code)
        if not label.strip():
            fail(f"session.reason_codes.{code}", "a non-empty label the room reads", label)
    if p.session.minutes_per_csm <= 0:
        fail("session.minutes_per_csm", "> 0", p.session.minutes_per_csm)
    from .contract import TABLES

    def contract_table(key: str, table: str) -> None:
        if table not in TABLES:
            close = difflib.get_close_matches(table, list(TABLES), n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            fail(f"{key}.{table}", "keyed by a table of the data contract" + hint, table)

    for table, source in p.table_map.items():
        contract_table("table_map", table)
        if not str(source).strip():
            fail(f"table_map.{table}", "the name of a table or view in the database", source)
    for table, mapping in p.column_map.items():
        contract_table("column_map", table)
        valid = set(TABLES[table].column_names)
        for source_name, contract_name in mapping.items():
            if contract_name not in valid and not contract_name.startswith("group_"):
                fail(f"column_map.{table}.{source_name}", "a column of the contract: " + ", ".join(sorted(valid)), contract_name)


def params_to_dict(p: Params) -> dict[str, Any]:
    """Plain nested dict of every value (``source`` left out), for manifests and hashes.

    A database URL's password is replaced by ``***``: manifests are shared, and the data a URL reads is
    fingerprinted from its tables, not from how the connection was authorised.
    """
    out = dataclasses.asdict(p)
    out.pop("source", None)
    if is_database_url(p.data_dir):
        from .load.database import shown_url

        out["data_dir"] = shown_url(p.data_dir)
    return out


def params_hash(p: Params) -> str:
    """SHA-256 of the canonical JSON of the params values."""
    text = json.dumps(params_to_dict(p), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
