"""300 MiB through each store's writer and reader without holding it in memory.

The write and the read each run in a fresh subprocess, measured from
/proc/self/status: the peak resident set size (VmHWM) is reset to the current
size after imports and a warm-up write, and read again when the phase is done.
The growth is an upper bound on what the store held at once, allocator slack
included (tracemalloc would miss memory allocated outside Python's allocator).

`resource.getrusage().ru_maxrss` is no use here: Linux carries it across
fork and execve, so a subprocess of pytest starts with pytest's own peak
(over a GiB once an in-memory S3 server has held the big object) and shows no growth at all.

The file runs itself as that subprocess: `python test_storage_memory.py PHASE CONFIG`.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from minio import Minio

from application.ports import FileStore
from infrastructure.file_store_local import LocalFileStore
from infrastructure.file_store_s3 import S3FileStore

MiB = 1024 * 1024
OBJECT_MIB = 300
GROWTH_LIMIT = 64 * MiB
REPO = Path(__file__).resolve().parents[3]


def _memory_status() -> dict[str, int]:
    """VmRSS and VmHWM of this process, in bytes."""
    figures = {}
    with open("/proc/self/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                figures[name] = int(value.split()[0]) * 1024
    return figures


def _reset_peak() -> int:
    """Make the current resident size the new peak; return it."""
    # Writing 5 to clear_refs resets VmHWM (Linux 4.0 and later).
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    figures = _memory_status()
    assert figures["VmHWM"] <= figures["VmRSS"] + MiB, "peak RSS was not reset"
    return figures["VmRSS"]


def _build_store(config: dict[str, Any]) -> FileStore:
    if config["kind"] == "local":
        return LocalFileStore(Path(config["root"]))
    client = Minio(
        config["endpoint"],
        access_key=config["access_key"],
        secret_key=config["secret_key"],
        secure=False,
        region=config["region"],
    )
    # The default part size: the figure that matters is the production one.
    return S3FileStore(client, config["bucket"])


def _write(store: FileStore) -> dict[str, Any]:
    block = os.urandom(MiB)
    digest = hashlib.sha256()
    gc.collect()
    baseline = _reset_peak()
    started = time.perf_counter()
    writer = store.writer("incoming/big")
    for number in range(OBJECT_MIB):
        # A new object per chunk, as a request body parser hands them over.
        chunk = number.to_bytes(8, "big") + block[8:]
        digest.update(chunk)
        writer.write(chunk)
    writer.commit()
    seconds = time.perf_counter() - started
    peak = _memory_status()["VmHWM"]
    return {
        "sha256": digest.hexdigest(),
        "size": OBJECT_MIB * MiB,
        "baseline_mib": baseline / MiB,
        "growth_mib": (peak - baseline) / MiB,
        "mib_per_s": OBJECT_MIB / seconds,
    }


def _read(store: FileStore) -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    gc.collect()
    baseline = _reset_peak()
    started = time.perf_counter()
    for chunk in store.read("incoming/big", MiB):
        digest.update(chunk)
        size += len(chunk)
    seconds = time.perf_counter() - started
    peak = _memory_status()["VmHWM"]
    store.delete("incoming/big")
    return {
        "sha256": digest.hexdigest(),
        "size": size,
        "baseline_mib": baseline / MiB,
        "growth_mib": (peak - baseline) / MiB,
        "mib_per_s": OBJECT_MIB / seconds,
    }


def _hold_everything() -> dict[str, Any]:
    """What a writer that buffers the whole object would show."""
    gc.collect()
    baseline = _reset_peak()
    held = bytearray()
    for _ in range(OBJECT_MIB // 3):
        held += os.urandom(MiB)
    peak = _memory_status()["VmHWM"]
    return {"held_mib": len(held) / MiB, "growth_mib": (peak - baseline) / MiB}


def measure(phase: str, config: dict[str, Any]) -> dict[str, Any]:
    """Write OBJECT_MIB MiB in 1 MiB chunks (phase "write") or read it back ("read")."""
    if phase == "control":
        return _hold_everything()
    store = _build_store(config)
    # Warm up so that lazy imports and the first connection are not counted.
    warm_up = store.writer("incoming/warm-up")
    warm_up.write(b"warm")
    warm_up.commit()
    assert b"".join(store.read("incoming/warm-up")) == b"warm"
    store.delete("incoming/warm-up")
    return _write(store) if phase == "write" else _read(store)


def _run_phase(phase: str, config: dict[str, Any]) -> dict[str, Any]:
    # Each phase in its own process, so the read does not reuse memory the
    # write left resident and hide its own peak.
    completed = subprocess.run(
        [sys.executable, __file__, phase, json.dumps(config)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.memory
@pytest.mark.timeout(110)
def test_300_mib_streams_in_bounded_memory(
    store_config: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    written = _run_phase("write", store_config)
    read = _run_phase("read", store_config)

    print(
        f"\n{store_config['kind']}: {OBJECT_MIB} MiB in 1 MiB chunks: "
        f"write {written['mib_per_s']:.0f} MiB/s, peak RSS +{written['growth_mib']:.1f} MiB; "
        f"read {read['mib_per_s']:.0f} MiB/s, peak RSS +{read['growth_mib']:.1f} MiB "
        f"(baseline {written['baseline_mib']:.0f} MiB)"
    )
    request.node.user_properties.append(("write", written))
    request.node.user_properties.append(("read", read))
    assert read["size"] == OBJECT_MIB * MiB
    assert read["sha256"] == written["sha256"]
    assert written["growth_mib"] * MiB < GROWTH_LIMIT
    assert read["growth_mib"] * MiB < GROWTH_LIMIT


def test_the_measurement_sees_memory_that_is_held() -> None:
    result = _run_phase("control", {})
    assert result["growth_mib"] >= result["held_mib"]


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1], json.loads(sys.argv[2]))))
