"""The editable review drafts (drafts/<csm>.md): written for every CSM, every figure read back equals the fact file."""

from __future__ import annotations

import copy
import json
import math
import re

import pandas as pd
import pytest

from calibrate.batch.factcheck import parse_figure
from calibrate.present.review.draft import _LISTS, review_draft

pytestmark = pytest.mark.slow



@pytest.fixture(scope="module")
def run(sample_reports):
    return sample_reports


def _close(shown: str, value) -> bool:
    """The shown text, read as a person reads it, agrees with the raw fact at the precision shown."""
    parsed = parse_figure(shown)
    if value is None:
        return parsed is None
    if parsed is None:
        return False
    number, step = parsed
    return abs(number - float(value)) <= step / 2 + 1e-9 * max(1.0, abs(float(value)))


def _rows(text: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip().strip("|").split(" | ")] for line in text.splitlines()
            if line.startswith("| ") and not line.startswith("|---")]


def test_every_csm_has_a_draft_listed_in_the_manifest(run):
    scores = pd.read_csv(run / "scores.csv")
    manifest = json.loads((run / "manifest.json").read_text())
    for csm_id in scores["csm_id"]:
        assert (run / "drafts" / f"{csm_id}.md").is_file()
        assert f"drafts/{csm_id}.md" in manifest["files"]
    assert "drafts/" in (run / "index.html").read_text()


def test_every_figure_in_every_draft_equals_its_fact(run):
    scores = pd.read_csv(run / "scores.csv")
    checked = 0
    for csm_id in scores["csm_id"]:
        facts = json.loads((run / "facts" / f"{csm_id}.json").read_text())
        text = (run / "drafts" / f"{csm_id}.md").read_text()
        by_label = {f["label"]: (metric, f) for metric, f in facts["figures"].items()}
        medians, percentiles = facts["cohort"].get("medians") or {}, facts["cohort"].get("percentiles") or {}
        for row in _rows(text):
            if row[0] in ("Measure", "Category", "Account"):
                continue
            if row[0] in by_label:
                metric, fact = by_label[row[0]]
                shown = row[1]
                assert (fact["value"] is None and shown == "not computable") or _close(shown, fact["value"]), (csm_id, row)
                checked += 1
                if len(row) == 4:
                    median = medians.get(metric)
                    assert (median is None and row[2] == "—") or _close(row[2], median), (csm_id, row)
                    pct = percentiles.get(metric)
                    assert (pct is None and row[3] == "—") or int(re.match(r"\d+", row[3]).group()) == math.floor(pct + 0.5), (csm_id, row)
        book = re.search(r"\*\*Book at quarter end:\*\* (\d+) accounts? with (\$[\d,]+) of ARR", text)
        assert int(book.group(1)) == facts["figures"]["n_accounts"]["value"]
        assert _close(book.group(2), facts["figures"]["end_book_arr"]["value"])
        due = facts["accounts"]["renewals_due"]
        shown_due = [r for r in _rows(text) if len(r) == 4 and re.fullmatch(r"\d{4}-\d{2}-\d{2}", r[1])]
        assert [(r[0], r[1]) for r in shown_due] == [(d["name"], d["renewal_date"]) for d in due]
        assert all(_close(r[2], d["arr"]) for r, d in zip(shown_due, due))
        bullets = {m.group(1): (int(m.group(2)), m.group(3)) for m in re.finditer(r"^- \*\*([^*]+)\*\* \((\d+)\): (.*)$", text, re.M)}
        for key, title in _LISTS:
            items = facts["accounts"].get(key) or []
            if items:
                count, names = bullets[title]
                assert count == len(items) and all(i["name"] in names for i in items), (csm_id, key)
            else:
                assert title not in bullets, (csm_id, key)
        ratings = facts["ratings"]
        assert f"final {str(ratings['final']).replace('_', ' ')}" in text
    assert checked > 100  # the reader found the tables it is meant to check


def test_a_draft_names_no_other_csm(run):
    scores = pd.read_csv(run / "scores.csv")
    names = dict(zip(scores["csm_id"], scores["name"]))
    for csm_id in names:
        text = (run / "drafts" / f"{csm_id}.md").read_text()
        assert names[csm_id] in text
        for other, name in names.items():
            if other != csm_id and name not in names[csm_id]:
                assert name not in text, (csm_id, name)


def test_a_changed_fact_changes_the_draft(run):
    facts = json.loads(next((run / "facts").glob("*.json")).read_text())
    before = review_draft(facts)
    planted = copy.deepcopy(facts)
    planted["figures"]["nrr"]["value"] = 0.5
    after = review_draft(planted)
    assert "50.0%" in after and after != before


# Numbers the draft's own wording holds, not figures: "ARR above $0 in its last month", "next 90 days",
# "out of 100", "0 to 100", "per $1", "/ 5", and list headings "1. " to "4. ".
_WORDING = re.compile(r"ARR above \$0|next 90 days|out of 100|\(0 to 100|per \$1\b|/ 5\b|^## \d\. ", re.M)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TOKEN = re.compile(r"(?<![\w.])([-+]?)(\$?)(\d[\d,]*(?:\.\d+)?)(%|st\b|nd\b|rd\b|th\b)?")


def _numbers(value) -> list[float]:
    """Every number anywhere in a fact file (figures, cohort medians and percentiles, account ARR, sizes, list lengths)."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, (int, float)):
        return [float(value)] if math.isfinite(value) else []
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):  # a list's length too: "Churned in the quarter (3)"
        return [float(len(value))] + [n for v in value for n in _numbers(v)]
    return []


def test_every_number_anywhere_in_a_draft_is_a_number_of_its_fact_file(run):
    """A sweep independent of the draft's layout: each number written anywhere in a draft (table, bullet,
    sentence) is, at the precision shown, some raw value of that CSM's fact file; none is invented."""
    scores = pd.read_csv(run / "scores.csv")
    swept = 0
    for csm_id in scores["csm_id"]:
        facts = json.loads((run / "facts" / f"{csm_id}.json").read_text())
        text = (run / "drafts" / f"{csm_id}.md").read_text()
        # Not figures: dates, the period, the fact file's name, the measures' own labels and the wording above.
        for label in sorted((f["label"] for f in facts["figures"].values()), key=len, reverse=True):
            text = text.replace(label, " ")
        text = _DATE.sub(" ", text).replace(facts["period"], " ").replace(csm_id, " ")
        text = _WORDING.sub(" ", text)
        known = _numbers(facts)
        for sign, dollar, digits, suffix in _TOKEN.findall(text):
            number = float(digits.replace(",", "")) * (-1 if sign == "-" else 1)
            step = 10.0 ** -(len(digits.split(".")[1]) if "." in digits else 0)
            if suffix == "%":
                number, step = number / 100, step / 100
            ok = any(abs(number - k) <= step / 2 + 1e-9 * max(1.0, abs(k)) for k in known)
            assert ok, (csm_id, f"{sign}{dollar}{digits}{suffix or ''}")
            swept += 1
    assert swept > 300
