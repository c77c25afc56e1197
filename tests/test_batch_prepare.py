import pandas as pd
import pytest

from batch_helpers import ACCOUNTS, HOSTILE_NAMES, tiny_dataset
from calibrate.batch.bundle import write_bundle
from calibrate.batch.prepare import PreparedBatch, assign_keys, check_prepared, default_prepare, team_figures
from calibrate.errors import ReportError
from calibrate.params import Params
from calibrate.present.bundle import load_csm_slice, load_leadership, load_team


@pytest.fixture(scope="module")
def prepared():
    params = Params()
    return default_prepare(tiny_dataset(), params, params.quarter)


def test_default_prepare_counts_each_book_by_hand(prepared):
    scores = prepared.scores.set_index("csm_id")
    for csm_id in HOSTILE_NAMES:
        owned = [a for a, (owner, *_rest) in ACCOUNTS.items() if owner == csm_id]
        assert scores.loc[csm_id, "n_accounts"] == len(owned)
        assert scores.loc[csm_id, "book_arr_t1"] == sum(ACCOUNTS[a][3] for a in owned)
        assert scores.loc[csm_id, "name"] == HOSTILE_NAMES[csm_id]


def test_each_slice_holds_only_its_own_accounts(prepared):
    for csm_id, view in prepared.csm_slices.items():
        owned = {a for a, (owner, *_rest) in ACCOUNTS.items() if owner == csm_id}
        assert set(view.tables["accounts"]["account_id"]) == owned
        assert view.csm_id == csm_id and "csm_id" not in view.tables["accounts"].columns


def test_team_figures_are_quartiles_and_hidden_for_small_teams():
    scores = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0, None]})
    fig = team_figures(scores, ["x"], min_csms=5).iloc[0]
    assert (fig["p25"], fig["median"], fig["p75"], fig["n_csms"]) == (2.0, 3.0, 4.0, 5)
    assert pd.isna(team_figures(scores, ["x"], min_csms=6).iloc[0]["median"])


def _folder_text(folder):
    """Every JSON text and every Parquet cell under ``folder`` as one string (Parquet files are compressed)."""
    texts = []
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".json":
            texts.append(path.read_text())
        elif path.suffix == ".parquet":
            frame = pd.read_parquet(path)
            texts.append(frame.to_csv() + " ".join(map(str, frame.index)))
    return "\n".join(texts)


def test_bundle_files_are_per_csm_and_private(tmp_path, prepared):
    info = write_bundle(prepared, tmp_path / "bundle", period=Params().quarter)
    bundle = info.path
    assert set(info.csm_keys) == set(HOSTILE_NAMES)
    assert not list(bundle.rglob("*.pkl"))
    for csm_id, key in info.csm_keys.items():
        text = _folder_text(bundle / "csm" / key)
        assert any(a in text for a, (owner, *_rest) in ACCOUNTS.items() if owner == csm_id)  # the folder holds the book
        for other in set(HOSTILE_NAMES) - {csm_id}:
            assert other not in text and HOSTILE_NAMES[other] not in text
        assert load_csm_slice(bundle, key).csm_id == csm_id
    team_text = _folder_text(bundle / "team")
    assert not any(i in team_text or n in team_text for i, n in HOSTILE_NAMES.items())
    assert len(load_leadership(bundle).scores) == 3 and load_team(bundle).n_csms == 3
    assert (bundle / "templates" / "csm_review.ipynb").is_file()


def test_loading_a_missing_or_traversing_slice_fails_clearly(tmp_path):
    with pytest.raises(ReportError, match="no review for CSM key"):
        load_csm_slice(tmp_path, "nobody")
    with pytest.raises(ReportError, match="not a bundle key"):
        load_csm_slice(tmp_path, "../team")


def test_keys_are_unique_ignoring_case():
    keys = assign_keys(["C1", "c1", "../x"])
    assert keys["C1"] == "C1" and keys["c1"].lower() != "c1"
    assert len({k.lower() for k in keys.values()}) == 3


def _batch(scores, slices=None, **kw):
    return PreparedBatch(scores=scores, csm_slices=slices or {}, team=None, leadership=None, **kw)


def test_check_prepared_refuses_malformed_scores():
    with pytest.raises(ReportError, match="csm_id and name"):
        check_prepared(_batch(pd.DataFrame({"csm_id": ["a"]})))
    with pytest.raises(ReportError, match="one row per CSM"):
        check_prepared(_batch(pd.DataFrame({"csm_id": ["a", "a"], "name": ["x", "y"]})))
    with pytest.raises(ReportError, match="plain file name"):
        check_prepared(_batch(pd.DataFrame({"csm_id": ["a"], "name": ["x"]}), csv_tables={"../x.csv": pd.DataFrame()}))


def test_check_prepared_warns_about_missing_slices():
    warnings = check_prepared(_batch(pd.DataFrame({"csm_id": ["a"], "name": ["x"]})))
    assert any("No per-CSM slice" in w for w in warnings)


def test_default_prepare_does_not_modify_the_dataset():
    ds = tiny_dataset()
    before = {name: frame.copy() for name, frame in ds.tables.items()}
    default_prepare(ds, Params(), Params().quarter)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(ds[name], frame)
