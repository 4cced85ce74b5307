"""Figures measured in rounds beside their baselines: medians, spreads, the table and the JSON."""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

Comparison = Literal[">=", "<="]


@dataclass(frozen=True)
class Goal:
    """`ratio >= 0.4`, `ratio <= 2.0`, or (without a baseline) `value <= 64`."""

    comparison: Comparison
    target: float
    of: Literal["ratio", "value"] = "ratio"

    def met(self, ratio: float | None, value: float | None) -> bool | None:
        subject = ratio if self.of == "ratio" else value
        if subject is None:
            return None
        return subject >= self.target if self.comparison == ">=" else subject <= self.target

    def __str__(self) -> str:
        return f"{self.of} {self.comparison} {self.target:g}"


@dataclass
class Figure:
    """One row of the table and one entry of `bench/results.json`.

    `value` and `baseline` are medians over the rounds; `ratio` is the median of
    the per-round ratios (each round's figure over the baseline measured right
    beside it, which cancels most of the noise of a shared machine); `spread`
    is (max - min) / median of the per-round values of the figure.
    """

    name: str
    title: str
    unit: str
    goal: Goal
    baseline_title: str = ""
    value: float | None = None
    baseline: float | None = None
    ratio: float | None = None
    met: bool | None = None
    spread: float | None = None
    rounds: list[float] = field(default_factory=list)
    baseline_rounds: list[float] = field(default_factory=list)
    ratio_rounds: list[float] = field(default_factory=list)
    tool: str = ""
    note: str = ""

    def record(self, value: float, baseline: float | None = None) -> None:
        """Add one round (and the baseline measured beside it)."""
        self.rounds.append(value)
        if baseline is not None:
            self.baseline_rounds.append(baseline)
            if baseline > 0:
                self.ratio_rounds.append(value / baseline)
        self._settle()

    def not_measured(self, reason: str) -> None:
        self.note = f"not measured: {reason}"
        self._settle()

    def _settle(self) -> None:
        self.value = statistics.median(self.rounds) if self.rounds else None
        self.baseline = statistics.median(self.baseline_rounds) if self.baseline_rounds else None
        self.ratio = statistics.median(self.ratio_rounds) if self.ratio_rounds else None
        self.spread = relative_spread(self.rounds)
        self.met = self.goal.met(self.ratio, self.value)

    def as_json(self) -> dict[str, Any]:
        entry = asdict(self)
        entry["goal"] = str(self.goal)
        return entry


def relative_spread(values: Sequence[float]) -> float | None:
    if len(values) < 2:
        return None
    middle = statistics.median(values)
    return (max(values) - min(values)) / middle if middle else None


def interleave(
    rounds: int,
    measure: Callable[[], float],
    baseline: Callable[[], float] | None,
    figure: Figure,
) -> None:
    """Alternate baseline and figure `rounds` times, so both see the same machine weather."""
    for number in range(rounds):
        # Alternate which goes first, so neither always runs on a warmer cache.
        if baseline is None:
            figure.record(measure())
        elif number % 2 == 0:
            base = baseline()
            figure.record(measure(), base)
        else:
            value = measure()
            figure.record(value, baseline())


def number(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


def table(figures: Sequence[Figure]) -> str:
    """The figures as an aligned text table (also valid Markdown)."""
    header = ("figure", "value", "unit", "baseline", "ratio", "goal", "met", "spread")
    rows = [header]
    for f in figures:
        met = "-" if f.met is None else ("yes" if f.met else "NO")
        rows.append(
            (
                f.name,
                number(f.value),
                f.unit,
                number(f.baseline),
                number(f.ratio),
                str(f.goal),
                met,
                "-" if f.spread is None else f"{f.spread:.0%}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    numeric = {1, 3, 4, 7}

    def line(cells: Sequence[str]) -> str:
        padded = [
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            "-" * (w + 1) + ":" if i in numeric else "-" * (w + 2) for i, w in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([line(rows[0]), rule, *(line(r) for r in rows[1:])])


def write_results(path: Path, machine: dict[str, Any], figures: Sequence[Figure]) -> None:
    """Write `{"machine", "figures"}` atomically: a reader never sees half a file."""
    document = {"machine": machine, "figures": [f.as_json() for f in figures]}
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".results-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=2, ensure_ascii=False)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
