"""One API process against two on the same database: create and search throughput.

The same 16 clients either all go to one `docintake serve`, or 8 to each of two (both
running, both holding a projection host; the read models' leases make one the writer and
the other its standby). Both loads run at once, in threads of the harness, and their rates
add up. On a machine of 2 cores the second process competes with PostgreSQL and the load
generator for the same cores; the ratio says what it buys here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from bench.load import LoadGenerator, LoadResult
from bench.results import Figure, interleave
from bench.search import searches
from bench.sizes import WRITERS, Sizes
from bench.writes import creates

Run = Callable[[str, list[str], int, float], LoadResult]


def _spread(
    run: Run, urls: Sequence[str], tokens: list[str], clients: int, seconds: float
) -> float:
    """`clients` clients split evenly over `urls`, all at once; the summed rate."""
    share = clients // len(urls)
    results: list[LoadResult] = []
    lock = threading.Lock()

    def drive(index: int, url: str) -> None:
        mine = tokens[index * share : (index + 1) * share] if len(tokens) >= clients else tokens
        result = run(url, mine, share, seconds)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=drive, args=(index, url)) for index, url in enumerate(urls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(result.rate for result in results)


def measure_processes(
    load: LoadGenerator,
    first: str,
    second: str,
    sizes: Sizes,
    writer_tokens: list[str],
    search_token: str,
    create_figure: Figure,
    search_figure: Figure,
) -> None:
    seconds = sizes.load_seconds

    def create_run(url: str, tokens: list[str], clients: int, span: float) -> LoadResult:
        return creates(load, url, tokens, clients, span)

    def search_run(url: str, tokens: list[str], clients: int, span: float) -> LoadResult:
        return searches(load, url, tokens[0], clients, span)

    searchers = [search_token]
    for url in (first, second):  # warm both up
        creates(load, url, writer_tokens, 2, 1)
        searches(load, url, search_token, 2, 1)
    interleave(
        sizes.rounds,
        lambda: _spread(create_run, [first, second], writer_tokens, WRITERS, seconds),
        lambda: _spread(create_run, [first], writer_tokens, WRITERS, seconds),
        create_figure,
    )
    interleave(
        sizes.rounds,
        lambda: _spread(search_run, [first, second], searchers, 16, seconds),
        lambda: _spread(search_run, [first], searchers, 16, seconds),
        search_figure,
    )
    for figure in (create_figure, search_figure):
        figure.tool = f"{load.name}, two loads at once (one per process)"
