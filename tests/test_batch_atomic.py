import pytest

from calibrate.atomic import atomic_path, write_bytes_atomic, write_text_atomic


def test_write_creates_folders_and_replaces(tmp_path):
    target = tmp_path / "a" / "b.txt"
    write_text_atomic(target, "one")
    write_text_atomic(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["b.txt"]


def test_failed_write_leaves_old_file_and_no_temp(tmp_path):
    target = tmp_path / "scores.csv"
    write_bytes_atomic(target, b"old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("writer crashed")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]


def test_temp_file_is_in_the_same_folder(tmp_path):
    target = tmp_path / "x.html"
    with atomic_path(target) as tmp:
        assert tmp.parent == target.parent and tmp != target
        tmp.write_text("x")
    assert target.read_text() == "x"
