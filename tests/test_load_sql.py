"""A database URL as data_dir (SQLAlchemy; tested on a real SQLite file built from data/sample): it scores
byte-identically to the CSV folder, with typed columns (DATE, INTEGER) read back as a CSV export holds
them; table_map finds tables under other names; errors name the database, the table, the row and the
column; the manifest never records a password."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from calibrate.errors import DataValidationError, ParamsError
from calibrate.load import load_dataset
from calibrate.load.database import shown_url
from calibrate.params import load_params
from calibrate.scoring.command import score_command

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


def _build(path: Path, *, rename: dict[str, str] | None = None, skip: tuple[str, ...] = ()) -> str:
    url = f"sqlite:///{path}"
    engine = sa.create_engine(url)
    rename = rename or {}
    with engine.begin() as con:
        for csv in sorted(SAMPLE.glob("*.csv")):
            name = csv.stem
            if name in skip:
                continue
            frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
            if name == "arr":  # typed as a warehouse holds it: a DATE month and an INTEGER amount
                meta = sa.MetaData()
                table = sa.Table(rename.get(name, name), meta, sa.Column("account_id", sa.Text),
                                 sa.Column("month", sa.Date), sa.Column("arr", sa.Integer))
                meta.create_all(con)
                rows = [{"account_id": r.account_id, "month": dt.date.fromisoformat(r.month), "arr": int(r.arr)}
                        for r in frame.itertuples()]
                con.execute(table.insert(), rows)
            else:
                frame.to_sql(rename.get(name, name), con, index=False)
    engine.dispose()
    return url


def test_sql_url_scores_identical_to_csv(tmp_path: Path):
    params = load_params(ROOT / "params" / "sample.yaml")
    url = _build(tmp_path / "cs.sqlite")
    engine = sa.create_engine(url)
    kinds = {c["name"]: str(c["type"]) for c in sa.inspect(engine).get_columns("arr")}
    engine.dispose()
    assert kinds["month"] == "DATE" and kinds["arr"] == "INTEGER"
    score_command(params, data_dir=SAMPLE, out=tmp_path / "csv.csv")
    score_command(params, data_dir=url, out=tmp_path / "db.csv")
    assert (tmp_path / "db.csv").read_bytes() == (tmp_path / "csv.csv").read_bytes()


def test_table_map_names_the_tables_of_another_schema(tmp_path: Path):
    url = _build(tmp_path / "crm.sqlite", rename={"accounts": "crm_accounts", "arr": "fact_arr"})
    with pytest.raises(DataValidationError) as caught:
        load_dataset(url)
    assert "no table or view named accounts" in str(caught.value)
    dataset = load_dataset(url, table_map={"accounts": "crm_accounts", "arr": "fact_arr"})
    assert len(dataset["accounts"]) == len(pd.read_csv(SAMPLE / "accounts.csv"))
    assert dataset["arr"]["month"].dtype.kind == "M"


def test_errors_name_database_table_row_and_column(tmp_path: Path):
    url = _build(tmp_path / "cs.sqlite", skip=("health",))
    engine = sa.create_engine(url)
    with engine.begin() as con:
        con.execute(sa.text("UPDATE csms SET hire_date = 'soon' WHERE rowid = 3"))
    engine.dispose()
    with pytest.raises(DataValidationError) as caught:
        load_dataset(url)
    text = str(caught.value)
    assert "(table health)" in text and "no table or view named health" in text
    bad = [line for line in text.splitlines() if "(table csms)" in line and "hire_date" in line]
    assert bad and "row 4" in bad[0] and "soon" in bad[0], text  # the third row, counted as a header-first export


def test_unusable_urls_are_refused_clearly(tmp_path: Path):
    with pytest.raises(DataValidationError, match="cannot be used as a database URL"):
        load_dataset("nosuchdialect://host/db")
    params_file = tmp_path / "p.yaml"
    params_file.write_text(f"extends: {ROOT / 'params' / 'base.yaml'}\ntable_map:\n  acounts: crm_accounts\n")
    with pytest.raises(ParamsError, match="Did you mean 'accounts'"):
        load_params(params_file)


def test_password_never_shown():
    assert shown_url("postgresql://ana:s3cret@db.example.com/crm") == "postgresql://ana:***@db.example.com/crm"
    assert "s3cret" not in shown_url("postgresql+psycopg://ana:s3cret@db/crm")


def test_manifest_params_never_hold_the_password():
    from calibrate.params import Params, params_hash, params_to_dict

    with_password = Params(data_dir="postgresql://ana:s3cret@db.example.com/crm")
    other_password = Params(data_dir="postgresql://ana:changed@db.example.com/crm")
    assert "s3cret" not in str(params_to_dict(with_password))
    assert params_hash(with_password) == params_hash(other_password)  # the same data, the same calibration
