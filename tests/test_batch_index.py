import json

from calibrate.batch.index import render_index
from calibrate.batch.manifest import NotebookStatus, file_sha256, read_manifest, write_manifest
from calibrate.present.escape import find_remote_references


def _statuses():
    return [
        NotebookStatus("team_calibration", "team_calibration", "Team calibration", "ok", leadership_only=True,
                       html="team_calibration.html", seconds=3.0),
        NotebookStatus("csm/a", "csm_review", "<script>alert(1)</script> Ann", "ok", csm_id="a", html="csm/a.html"),
        NotebookStatus("csm/b", "csm_review", "Bo", "failed", csm_id="b", error="ReportError: <boom>", detail="Traceback <x>"),
    ]


def test_index_lists_every_report_failure_and_audience():
    page = render_index({"period": "2026-Q3", "status": "failed", "seconds": 12.5}, _statuses(), files=["scores.csv"])
    assert 'href="csm/a.html"' in page and 'href="team_calibration.html"' in page and 'href="scores.csv"' in page
    assert "1 of 3 reports failed" in page
    assert "ReportError: &lt;boom&gt;" in page and "Traceback &lt;x&gt;" in page
    assert "Leadership only" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page
    assert find_remote_references(page) == []


def test_failed_report_has_no_link():
    page = render_index({"period": "2026-Q3", "status": "failed"}, _statuses())
    assert "csm/b.html" not in page


def test_manifest_round_trip(tmp_path):
    path = tmp_path / "manifest.json"
    write_manifest(path, {"period": "2026-Q3", "params_hash": "abc"}, _statuses())
    back = read_manifest(path)
    assert back["params_hash"] == "abc" and [n["status"] for n in back["notebooks"]] == ["ok", "ok", "failed"]
    path.write_text(json.dumps({"format": 999}))
    assert read_manifest(path) is None
    assert read_manifest(tmp_path / "absent.json") is None


def test_file_sha256_matches_hashlib(tmp_path):
    import hashlib

    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\n1,2\n" * 1000)
    assert file_sha256(path) == hashlib.sha256(path.read_bytes()).hexdigest()
