"""A DuckDB file as data_dir: built from data/sample by DuckDB's own CSV reader (typed columns), it scores
byte-identically to the CSV folder; a duplicate key and a missing table are named by file and table."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from calibrate.errors import DataValidationError
from calibrate.load import load_dataset
from calibrate.params import load_params
from calibrate.scoring.command import score_command

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


def _build(path: Path, *, skip: tuple[str, ...] = (), views: tuple[str, ...] = ()) -> Path:
    con = duckdb.connect(str(path))
    for csv in sorted(SAMPLE.glob("*.csv")):
        if csv.stem in skip:
            continue
        if csv.stem in views:  # a view over a typed staging table, as a warehouse would expose it
            con.execute(f"CREATE TABLE stage_{csv.stem} AS SELECT * FROM read_csv_auto('{csv}', header=true)")
            con.execute(f"CREATE VIEW {csv.stem} AS SELECT * FROM stage_{csv.stem}")
        else:
            con.execute(f"CREATE TABLE {csv.stem} AS SELECT * FROM read_csv_auto('{csv}', header=true)")
    con.close()
    return path


def test_duckdb_scores_identical_to_csv(tmp_path: Path):
    params = load_params(ROOT / "params" / "sample.yaml")
    db = _build(tmp_path / "cs.duckdb", views=("arr",))
    con = duckdb.connect(str(db), read_only=True)
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'stage_arr'").fetchall())
    con.close()
    assert types["month"] == "DATE"  # the database holds typed columns, not text
    score_command(params, data_dir=SAMPLE, out=tmp_path / "csv.csv")
    score_command(params, data_dir=db, out=tmp_path / "db.csv")
    assert (tmp_path / "db.csv").read_bytes() == (tmp_path / "csv.csv").read_bytes()


def test_duckdb_errors_name_file_and_table(tmp_path: Path):
    db = _build(tmp_path / "cs.duckdb", skip=("health",))
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO csms SELECT * FROM csms LIMIT 1")
    con.close()
    with pytest.raises(DataValidationError) as caught:
        load_dataset(db)
    text = str(caught.value)
    assert "cs.duckdb (table health)" in text and "no table or view named health" in text
    dup = [line for line in text.splitlines() if "cs.duckdb (table csms)" in line]
    assert dup and any("csm_id" in line for line in dup), text
