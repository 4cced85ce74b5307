"""The benchmark's bookkeeping: medians, ratios, goals, the table and the JSON file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.results import Figure, Goal, interleave, relative_spread, table, write_results


def test_a_figure_keeps_the_medians_and_the_median_of_the_per_round_ratios() -> None:
    figure = Figure("search", "search", "req/s", Goal(">=", 0.5))
    for value, baseline in ((40.0, 100.0), (60.0, 100.0), (90.0, 100.0)):
        figure.record(value, baseline)
    assert figure.value == 60.0
    assert figure.baseline == 100.0
    assert figure.ratio == pytest.approx(0.6)
    assert figure.met is True
    assert figure.spread == pytest.approx((90 - 40) / 60)


def test_a_ratio_above_an_upper_goal_is_missed() -> None:
    figure = Figure("p95", "p95", "ms", Goal("<=", 2.0))
    figure.record(30.0, 10.0)
    assert figure.ratio == 3.0
    assert figure.met is False


def test_a_value_goal_needs_no_baseline() -> None:
    figure = Figure("memory", "memory", "MiB", Goal("<=", 64, "value"))
    figure.record(70.0)
    assert figure.ratio is None
    assert figure.met is False


def test_an_unmeasured_figure_says_why_and_meets_nothing() -> None:
    figure = Figure("upload", "upload", "MiB/s", Goal(">=", 0.5))
    figure.not_measured("no upload endpoint")
    assert figure.value is None
    assert figure.met is None
    assert "no upload endpoint" in figure.note


def test_interleave_alternates_which_goes_first() -> None:
    calls: list[str] = []

    def measure() -> float:
        calls.append("figure")
        return 1.0

    def baseline() -> float:
        calls.append("baseline")
        return 2.0

    interleave(3, measure, baseline, Figure("x", "x", "u", Goal(">=", 0.1)))
    assert calls == ["baseline", "figure", "figure", "baseline", "baseline", "figure"]


def test_spread_needs_two_rounds() -> None:
    assert relative_spread([5.0]) is None
    assert relative_spread([4.0, 6.0]) == pytest.approx(0.4)


def test_the_table_has_a_row_per_figure_and_aligned_columns() -> None:
    met = Figure("creates", "c", "req/s", Goal(">=", 0.4))
    met.record(50.0, 100.0)
    missing = Figure("upload", "u", "MiB/s", Goal(">=", 0.5))
    missing.not_measured("later")
    lines = table([met, missing]).splitlines()
    assert len(lines) == 4
    assert len({len(line) for line in lines}) == 1
    assert "| yes |" in lines[2]
    assert "upload" in lines[3]


def test_results_are_written_whole_with_every_field_of_the_issue(tmp_path: Path) -> None:
    figure = Figure("creates", "c", "req/s", Goal(">=", 0.4))
    figure.record(50.0, 100.0)
    target = tmp_path / "bench" / "results.json"
    write_results(target, {"cpu_count": 2}, [figure])
    document = json.loads(target.read_text())
    assert document["machine"] == {"cpu_count": 2}
    (entry,) = document["figures"]
    for key in ("name", "value", "unit", "baseline", "ratio", "goal", "met", "spread"):
        assert key in entry
    assert entry["goal"] == "ratio >= 0.4"
    assert list(target.parent.iterdir()) == [target]
