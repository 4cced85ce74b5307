"""What only the local store does: temporary files, fsync, folders on disk."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from application.ports import ObjectMissing
from infrastructure import file_store_local
from infrastructure.file_store_local import LocalFileStore


@pytest.fixture
def local(tmp_path: Path) -> LocalFileStore:
    return LocalFileStore(tmp_path / "store")


def test_the_root_is_created(tmp_path: Path) -> None:
    LocalFileStore(tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b").is_dir()


def test_a_writer_fills_a_hidden_file_next_to_its_target(local: LocalFileStore) -> None:
    writer = local.writer("incoming/u1")
    writer.write(b"part")
    [temporary] = list((local.root / "incoming").iterdir())
    assert temporary.name.startswith(".u1.")

    writer.commit()
    assert [p.name for p in (local.root / "incoming").iterdir()] == ["u1"]
    assert (local.root / "incoming" / "u1").read_bytes() == b"part"


def test_commit_syncs_the_file_before_the_rename(
    local: LocalFileStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor: int) -> None:
        is_directory = stat.S_ISDIR(os.fstat(descriptor).st_mode)
        steps.append("fsync directory" if is_directory else "fsync file")
        real_fsync(descriptor)

    def replace(source: str | Path, target: str | Path) -> None:
        steps.append("rename")
        real_replace(source, target)

    monkeypatch.setattr(file_store_local.os, "fsync", fsync)
    monkeypatch.setattr(file_store_local.os, "replace", replace)
    writer = local.writer("incoming/u1")
    writer.write(b"x")
    writer.commit()
    assert steps == ["fsync file", "rename", "fsync directory"]


def test_a_failed_commit_leaves_no_temporary_file(
    local: LocalFileStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def replace(source: str | Path, target: str | Path) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(file_store_local.os, "replace", replace)
    writer = local.writer("incoming/u1")
    writer.write(b"x")
    with pytest.raises(OSError, match="disk gone"):
        writer.commit()
    assert list((local.root / "incoming").iterdir()) == []


def test_list_ignores_leftovers_of_a_crash(local: LocalFileStore) -> None:
    (local.root / "incoming").mkdir()
    (local.root / "incoming" / ".u1.0123456789abcdef.tmp").write_bytes(b"half")
    (local.root / "incoming" / "u2").write_bytes(b"whole")
    assert [key for key, _ in local.list("")] == ["incoming/u2"]


def test_a_folder_is_not_an_object(local: LocalFileStore) -> None:
    writer = local.writer("incoming/sub/u1")
    writer.write(b"x")
    writer.commit()
    assert not local.exists("incoming/sub")
    with pytest.raises(ObjectMissing):
        local.read("incoming/sub")
    local.delete("incoming/sub")
    assert local.exists("incoming/sub/u1")
    with pytest.raises(ObjectMissing):
        local.read("incoming/sub/u1/below-a-file")


def test_promote_creates_the_target_folder(local: LocalFileStore) -> None:
    writer = local.writer("incoming/u1")
    writer.write(b"x")
    writer.commit()
    local.promote("incoming/u1", "files/2026/u1")
    assert (local.root / "files" / "2026" / "u1").read_bytes() == b"x"


def test_check_fails_when_the_root_is_gone(local: LocalFileStore) -> None:
    local.check()
    shutil.rmtree(local.root)
    with pytest.raises(OSError):
        local.check()
    local.root.write_bytes(b"not a folder")
    with pytest.raises(OSError):
        local.check()


def test_check_leaves_nothing_behind(local: LocalFileStore) -> None:
    local.check()
    assert list(local.root.iterdir()) == []


def test_keys_stay_below_the_root(local: LocalFileStore, tmp_path: Path) -> None:
    for key in ["../escape", "incoming/../../escape", "/tmp/escape", "incoming/.."]:
        with pytest.raises(ValueError):
            local.writer(key)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]
