"""A Python load generator in its own process: `python -m bench.load_python < config.json`.

The fallback where wrk cannot be installed. One thread per client, each with its
own persistent HTTP/1.1 connection (its own pool of one); bounded in time.
Prints one `BENCH_JSON {...}` line in the format `bench.load` reads.
"""

from __future__ import annotations

import http.client
import json
import statistics
import sys
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from bench.load import MARKER


def _client(
    config: dict[str, Any], number: int, stop_at: float, latencies: list[float], errors: list[int]
) -> None:
    url = urlsplit(config["base_url"])
    tokens: list[str] = config["tokens"]
    headers = {"Content-Type": "application/json"}
    if tokens:
        headers["Authorization"] = f"Bearer {tokens[number % len(tokens)]}"
    template: str | None = config["body"]
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    counter = 0
    while time.monotonic() < stop_at:
        counter += 1
        body = None
        if template is not None:
            body = template.replace("{client}", str(number)).replace("{n}", str(counter))
        started = time.perf_counter()
        try:
            connection.request(config["method"], config["path"], body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection(
                url.hostname or "127.0.0.1", url.port, timeout=30
            )
            status = 599
        latencies.append(time.perf_counter() - started)
        if status >= 400:
            errors.append(status)
    connection.close()


def main() -> None:
    config: dict[str, Any] = json.load(sys.stdin)
    per_client: list[list[float]] = [[] for _ in range(config["clients"])]
    errors: list[int] = []
    started = time.monotonic()
    stop_at = started + float(config["seconds"])
    threads = [
        threading.Thread(target=_client, args=(config, n, stop_at, per_client[n], errors))
        for n in range(config["clients"])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    latencies = sorted(x for client in per_client for x in client)
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [0.0] * 99
    result = {
        "requests": len(latencies),
        "errors": len(errors),
        "seconds": seconds,
        "p50_ms": cuts[49] * 1000,
        "p95_ms": cuts[94] * 1000,
        "p99_ms": cuts[98] * 1000,
    }
    print(MARKER + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
