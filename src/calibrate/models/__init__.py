"""Models: did the AI copilot's flags, and the scores, predict what happened next?
And, for the team calibration report, what each book should have produced.

Stage ``models`` of the pipeline (load -> book -> metrics -> scoring -> models
-> present -> batch). Every function is pure; ``validate_flags`` and
``flags_command`` are the top-level calls, ``score_validity`` serves the
scoring widgets, ``compute_team_statistics`` / ``team_command`` compute the
team report's statistics once (``team_statistics.csv``).
"""

from .alerts import OUTCOMES, RESPONSE_NOTE, alert_table, caught_events, response_table
from .bootstrap import BootstrapPlan, bootstrap_auc, bootstrap_sums, fast_auc, percentile_interval
from .command import (
    FLAG_VALIDATION_COLUMNS,
    FlagValidation,
    flags_command,
    format_flag_validation,
    validate_flags,
    write_flag_validation,
)
from .evaluate import HorizonResult, evaluate_horizon
from .flag_models import (
    BASELINE_FEATURES,
    design_matrix,
    fit_and_predict,
    fit_matrix,
    holdout_metrics,
    reliability_curve,
    time_split,
    rolling_splits,
)
from .panel import HorizonPanel, Panel, build_panel, churn_signals, escalation_events, panel_for_horizon
from .validity import ValidityTable, prepare_score_validity, score_validity
from .verdicts import VERDICTS, decide_verdict, verdict_sentence

# Team calibration (the cross-team report)
from .balance import portfolio_balance, rebalancing_moves
from .decisions import audit_trail, load_decisions, merge_ratings, nine_box
from .distribution import DistributionCheck, rating_distribution, tier_distribution
from .expected import book_adjusted, expected_outcomes, funnel_limits_binomial
from .fairness import FairnessReport, fairness_checks
from .ranks import rank_intervals, tier_of
from .delong import DeLongResult, auc_interval, delong, difference_interval
from .team_stats import TEAM_STATISTICS_COLUMNS, TeamStatistics, compute_team_statistics, team_command, write_team_statistics

__all__ = [
    "OUTCOMES",
    "RESPONSE_NOTE",
    "VERDICTS",
    "BASELINE_FEATURES",
    "FLAG_VALIDATION_COLUMNS",
    "Panel",
    "HorizonPanel",
    "HorizonResult",
    "FlagValidation",
    "BootstrapPlan",
    "ValidityTable",
    "build_panel",
    "panel_for_horizon",
    "churn_signals",
    "escalation_events",
    "alert_table",
    "caught_events",
    "response_table",
    "time_split",
    "rolling_splits",
    "design_matrix",
    "fit_matrix",
    "fit_and_predict",
    "holdout_metrics",
    "reliability_curve",
    "fast_auc",
    "bootstrap_auc",
    "bootstrap_sums",
    "percentile_interval",
    "evaluate_horizon",
    "decide_verdict",
    "verdict_sentence",
    "validate_flags",
    "format_flag_validation",
    "write_flag_validation",
    "flags_command",
    "prepare_score_validity",
    "score_validity",
    "portfolio_balance",
    "rebalancing_moves",
    "audit_trail",
    "load_decisions",
    "merge_ratings",
    "nine_box",
    "DistributionCheck",
    "rating_distribution",
    "tier_distribution",
    "book_adjusted",
    "expected_outcomes",
    "funnel_limits_binomial",
    "FairnessReport",
    "fairness_checks",
    "rank_intervals",
    "tier_of",
    "DeLongResult",
    "delong",
    "auc_interval",
    "difference_interval",
    "TEAM_STATISTICS_COLUMNS",
    "TeamStatistics",
    "compute_team_statistics",
    "team_command",
    "write_team_statistics",
]
