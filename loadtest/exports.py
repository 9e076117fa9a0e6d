"""Whole-table exports under a storm, against gunicorn on loopback (issue 15, items 2 and 15).

16 clients, each from its own address, ask for the full evidence CSV at once while 4
readers browse. Reported: how many exports arrived complete (body length equals
Content-Length, or the stream ended cleanly), how many were refused with a retry hint,
how many arrived cut short while claiming success, and the readers' latency before and
during the storm. A client honours Retry-After up to --retries times, as curl --retry does.

    .venv/bin/python loadtest/exports.py --database-url postgres://postgres@127.0.0.1:5432/exoresist_bench \\
        [--old-app-dir /tmp/exoresist-old]   # the same drill against an older checkout, in the same run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import OUT, ROOT, Server, app_env, manage, request  # noqa: E402
from redis_server import PrivateRedis  # noqa: E402

EXPORT = "/api/v1/evidence/?format=csv"
PAGES = ["/", "/evidence/", "/evidence/?level=B", "/api/v1/evidence/", "/drugs/", "/api/v1/evidence/EXR000123/"]


async def reader(port: int, stop: asyncio.Event, latencies: list[float], errors: list[int]) -> None:
    i = 0
    while not stop.is_set():
        started = time.perf_counter()
        try:
            response = await request(port, "GET", PAGES[i % len(PAGES)], timeout=60)
            if response.status >= 500:
                errors.append(response.status)
        except (TimeoutError, OSError, ConnectionError):
            errors.append(0)
        latencies.append((time.perf_counter() - started) * 1000)
        i += 1


async def exporter(port: int, address: str, retries: int) -> dict:
    started, first, attempts = time.perf_counter(), None, 0
    while True:
        attempts += 1
        try:
            response = await request(port, "GET", EXPORT, headers={"X-Forwarded-For": address}, timeout=120)
        except (TimeoutError, OSError, ConnectionError) as exc:
            return {"first": first or "error", "final": f"error: {type(exc).__name__}", "attempts": attempts}
        first = first or response.status
        wait = response.headers.get("retry-after")
        if response.status in (429, 503) and wait and attempts <= retries:
            await asyncio.sleep(float(wait))
            continue
        declared = response.headers.get("content-length")
        chunked = "chunked" in response.headers.get("transfer-encoding", "")
        if response.status != 200:
            final = str(response.status)
        elif declared is not None:
            final = "complete" if int(declared) == len(response.body) else "CUT SHORT"
        elif chunked:
            final = "complete" if response.body.endswith(b"0\r\n\r\n") else "CUT SHORT"
        else:  # no length, no chunking: completeness cannot be told, as for a client
            final = "unknown length"
        return {
            "first": first,
            "final": final,
            "attempts": attempts,
            "seconds": round(time.perf_counter() - started, 1),
            "bytes": len(response.body),
        }


async def drill(port: int, clients: int, readers: int, retries: int, baseline_s: float) -> dict:
    stop, base_lat, base_err = asyncio.Event(), [], []
    tasks = [asyncio.create_task(reader(port, stop, base_lat, base_err)) for _ in range(readers)]
    await asyncio.sleep(baseline_s)
    stop.set()
    await asyncio.gather(*tasks)
    stop, storm_lat, storm_err = asyncio.Event(), [], []
    tasks = [asyncio.create_task(reader(port, stop, storm_lat, storm_err)) for _ in range(readers)]
    started = time.perf_counter()
    exports = await asyncio.gather(*(exporter(port, f"10.9.0.{i + 1}", retries) for i in range(clients)))
    storm_s = time.perf_counter() - started
    stop.set()
    await asyncio.gather(*tasks)

    def summary(latencies, errors):
        latencies = sorted(latencies)
        return {
            "requests": len(latencies),
            "p50_ms": round(statistics.median(latencies)) if latencies else None,
            "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1]) if latencies else None,
            "errors": len(errors),
        }

    finals = [e["final"] for e in exports]
    return {
        "storm_s": round(storm_s, 1),
        "pages_before": summary(base_lat, base_err),
        "pages_during": summary(storm_lat, storm_err),
        "exports_first_status": {str(k): [e["first"] for e in exports].count(k) for k in {e["first"] for e in exports}},
        "exports_final": {k: finals.count(k) for k in set(finals)},
        "export_seconds_max": max((e.get("seconds") or 0) for e in exports),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--old-app-dir", type=Path, help="an older checkout to run the same drill against")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--retries", type=int, default=10)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--port", type=int, default=8062)
    parser.add_argument("--redis-port", type=int, default=6392)
    args = parser.parse_args()
    results = {}
    apps = [("new", ROOT)] + ([("old", args.old_app_dir)] if args.old_app_dir else [])
    manage(app_env(args.database_url), "collectstatic", "--noinput", "-v", "0")
    for name, app_dir in apps:
        with PrivateRedis(args.redis_port) as redis:
            env = app_env(args.database_url, redis.url, EXORESIST_NUM_PROXIES="1", EXORESIST_PAGE_CACHE="0")
            with Server(env, args.port, args.workers, f"exports-{name}", app_dir=app_dir) as server:
                results[name] = asyncio.run(drill(server.port, args.clients, args.readers, args.retries, 10))
        print(name, json.dumps(results[name], indent=1), flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / f"exports-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=1))
    print(f"full results: {out}")
    return 1 if any(r["exports_final"].get("CUT SHORT") for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
