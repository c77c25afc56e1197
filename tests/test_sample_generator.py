"""The sample generator: determinism, contract conformance, round trip, size, scale smoke."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calibrate.contract import SURVEY_SCORE_RANGE, TABLES
from calibrate.errors import CalibrateError
from calibrate.sample import generate_sample, parse_expected_flags

from sample_truths import Sample, read_table

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "data" / "sample"


def _digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every data file (the README names the output folder, so it is left out)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.suffix != ".md"}


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "data"
    generate_sample(out, seed=7)
    return out


def test_same_seed_same_bytes_and_other_seed_differs(sample_dir, tmp_path):
    generate_sample(tmp_path / "again", seed=7)
    assert _digests(tmp_path / "again") == _digests(sample_dir)
    generate_sample(tmp_path / "other", seed=8)
    other = _digests(tmp_path / "other")
    changed = [name for name, digest in _digests(sample_dir).items() if other.get(name) != digest]
    assert "arr.csv" in changed and "health.csv" in changed


def test_every_contract_table_is_written(sample_dir):
    assert {p.stem for p in sample_dir.glob("*.csv")} == set(TABLES)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_table_follows_the_contract(sample_dir, name):
    spec = TABLES[name]
    raw = pd.read_csv(sample_dir / f"{name}.csv", dtype=str, keep_default_na=False)
    assert len(raw) > 0
    for col in spec.required_columns:
        assert col in raw.columns, f"{name}.{col} missing"
        assert (raw[col].str.strip() != "").all(), f"{name}.{col} has empty required cells"
    for col in spec.columns:
        if col.name not in raw.columns:
            continue
        values = raw[col.name][raw[col.name] != ""]
        if col.kind == "enum":
            assert set(values) <= set(col.values), f"{name}.{col.name}: {set(values) - set(col.values)}"
        if col.kind in ("number", "money"):
            nums = values.astype(float)
            if col.minimum is not None:
                assert (nums >= col.minimum).all(), f"{name}.{col.name} below {col.minimum}"
            if col.maximum is not None:
                assert (nums <= col.maximum).all(), f"{name}.{col.name} above {col.maximum}"
        if col.kind == "date":
            assert values.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
            pd.to_datetime(values, format="%Y-%m-%d")
        if col.kind == "month":
            assert values.str.fullmatch(r"\d{4}-\d{2}-01").all()
        if col.kind == "timestamp":
            assert values.str.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z").all()
        if col.kind == "bool":
            assert set(values) <= {"true", "false"}
        if col.max_length is not None:
            assert values.str.len().max() <= col.max_length
    assert not raw.duplicated(list(spec.key)).any(), f"{name} key {spec.key} not unique"
    for fk in spec.foreign_keys:
        target = pd.read_csv(sample_dir / f"{fk.table}.csv", dtype=str)[fk.target]
        used = raw[fk.column][raw[fk.column] != ""]
        assert used.isin(set(target)).all(), f"{name}.{fk.column} -> {fk.table}"
    for earlier, later, strict in spec.date_order:
        both = (raw[earlier] != "") & (raw[later] != "")
        a, b = pd.to_datetime(raw.loc[both, earlier]), pd.to_datetime(raw.loc[both, later])
        assert ((b > a) if strict else (b >= a)).all(), f"{name}: {earlier} after {later}"


def test_survey_scores_fit_their_kind(sample_dir):
    surveys = read_table(sample_dir, "surveys")
    for kind, (lo, hi) in SURVEY_SCORE_RANGE.items():
        scores = surveys.loc[surveys["kind"] == kind, "score"]
        assert len(scores) > 0 and scores.between(lo, hi).all()


def test_ownership_windows_never_overlap_and_include_handovers_and_a_gap(sample_dir):
    own = read_table(sample_dir, "ownership").sort_values(["account_id", "start_date"])
    same = own["account_id"].eq(own["account_id"].shift(-1))
    end = own["end_date"]
    next_start = own["start_date"].shift(-1)
    assert not (same & (end.isna() | (end > next_start))).any()
    assert (same & (end == next_start)).sum() >= 3  # handovers
    assert (same & (end < next_start)).sum() >= 1  # a gap


def test_arr_churn_is_one_explicit_zero_then_no_rows(sample_dir):
    arr = read_table(sample_dir, "arr").sort_values(["account_id", "month"])
    last = arr.groupby("account_id").tail(1)
    zeros = arr.loc[arr["arr"] == 0]
    assert len(zeros) >= 20
    assert zeros.index.isin(last.index).all()
    assert arr["month"].max() == pd.Timestamp("2026-10-01")


def test_churn_has_renewal_with_notice_and_ownership_ends(sample_dir):
    arr = read_table(sample_dir, "arr")
    renewals = read_table(sample_dir, "renewals")
    churns = arr.loc[arr["arr"] == 0, ["account_id", "month"]]
    churned = renewals.loc[renewals["outcome"] == "churned"]
    merged = churns.merge(churned, left_on=["account_id", "month"], right_on=["account_id", "renewal_date"])
    assert len(merged) == len(churns)
    assert merged["notice_date"].notna().all() and (merged["notice_date"] <= merged["renewal_date"]).all()
    own = read_table(sample_dir, "ownership")
    ends = own.merge(churns, on="account_id")
    assert (ends.groupby("account_id")["end_date"].max() == ends.groupby("account_id")["month"].first()).all()


def test_csms_have_groups_cost_a_leaver_and_a_new_hire(sample_dir):
    csms = read_table(sample_dir, "csms")
    assert {"group_location", "group_gender", "fully_loaded_cost"} <= set(csms.columns)
    assert csms["left_date"].notna().sum() >= 1
    assert (csms["left_date"].dropna() < pd.Timestamp("2026-04-01")).all()
    assert ((csms["hire_date"] >= pd.Timestamp("2026-05-01")) & (csms["hire_date"] < pd.Timestamp("2026-10-01"))).sum() == 1


def test_parquet_round_trip_equals_csv(sample_dir, tmp_path):
    generate_sample(tmp_path / "pq", seed=7, file_format="parquet")
    for name in TABLES:
        csv = read_table(sample_dir, name)
        parquet = read_table(tmp_path / "pq", name)
        assert list(csv.columns) == list(parquet.columns)
        for col in csv.columns:
            a, b = csv[col], parquet[col]
            if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
                np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), equal_nan=True, err_msg=f"{name}.{col}")
            elif pd.api.types.is_datetime64_any_dtype(a):
                assert (a.fillna(pd.Timestamp(0)).to_numpy() == pd.to_datetime(b).fillna(pd.Timestamp(0)).to_numpy()).all()
            else:
                assert a.astype("string").fillna("").tolist() == b.astype("string").fillna("").tolist(), f"{name}.{col}"


def test_readme_flags_table_round_trips(sample_dir):
    text = (sample_dir / "README.md").read_text()
    parsed = parse_expected_flags(text)
    summary = generate_sample(sample_dir.parent / "check", seed=7)
    assert parsed == summary.expected_flags
    assert "calibrate sample --out" in text and "--seed 7" in text


def test_readme_churn_notices_match_the_renewals_file(sample_dir):
    renewals = read_table(sample_dir, "renewals")
    notices = renewals.loc[renewals["outcome"] == "churned", "notice_date"]
    counted = notices.dt.to_period("Q").astype(str).str.replace("Q", "-Q").value_counts()
    text = (sample_dir / "README.md").read_text()
    rows = [line.strip("|").split("|") for line in text.splitlines() if line.startswith("| 20") and "-Q" in line]
    table = {q.strip(): int(n) for q, n in rows}
    assert len(table) == 8
    for quarter, n in table.items():
        assert n == int(counted.get(quarter, 0)), quarter
    assert f"Total: {sum(table.values())}." in text


def test_default_team_is_smb_heavy_with_enough_churn_to_judge_flags(sample_dir):
    accounts = read_table(sample_dir, "accounts")
    share = accounts["segment"].value_counts(normalize=True)
    assert share["smb"] == share.max()
    renewals = read_table(sample_dir, "renewals")
    notices = renewals.loc[renewals["outcome"] == "churned", "notice_date"].dt.to_period("Q").value_counts()
    # Rolling origin at 90 days: the three flagged quarters before the first of the last four train the first model.
    quarters = sorted(notices.index)
    assert notices.loc[quarters[1:4]].sum() >= 25 and notices.loc[quarters[-4:]].sum() >= 25


def test_too_few_csms_or_accounts_are_refused(tmp_path):
    with pytest.raises(CalibrateError, match="at least 10 CSMs"):
        generate_sample(tmp_path, n_csms=5)
    with pytest.raises(CalibrateError, match="too few"):
        generate_sample(tmp_path, n_csms=12, n_accounts=100)
    with pytest.raises(CalibrateError, match="csv"):
        generate_sample(tmp_path, file_format="xlsx")


def test_committed_sample_is_current_and_small(sample_dir):
    if not COMMITTED.joinpath("csms.csv").exists():
        pytest.skip("data/sample not generated yet")
    total = sum(p.stat().st_size for p in COMMITTED.iterdir())
    assert total < 5 * 1024 * 1024
    assert _digests(COMMITTED) == _digests(sample_dir), "data/sample is stale: regenerate with the command in its README"


def test_fifty_csm_smoke_keeps_every_flag_as_planned(tmp_path):
    summary = generate_sample(tmp_path, seed=11, n_csms=50, n_accounts=2500)
    assert summary.n_accounts == 2500
    assert Sample(tmp_path).flags() == summary.expected_flags


def test_touch_rate_scale_adds_touches_and_nothing_else(tmp_path):
    from calibrate.sample import generate_sample

    base = generate_sample(tmp_path / "base", seed=3, n_csms=10)
    heavy = generate_sample(tmp_path / "heavy", seed=3, n_csms=10, touch_rate_scale=2.0)
    # Regular touches double; QBRs and onboarding sessions do not, so the total grows by less than 2x.
    assert heavy.rows["activities"] > 1.2 * base.rows["activities"]
    for table in ("csms", "accounts", "ownership", "arr", "health", "renewals"):
        assert (tmp_path / "heavy" / f"{table}.csv").read_bytes() == (tmp_path / "base" / f"{table}.csv").read_bytes()
