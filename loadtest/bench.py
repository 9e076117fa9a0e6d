"""Throughput and latency of the realistic mix against gunicorn on loopback.

80% browse and API reads across filters, 15% search, 5% curator writes (admin: a drug
with an alias, in one transaction), at several concurrency levels, with and without the
Redis page cache. Every run is bounded by --duration and --max-requests.

    .venv/bin/python loadtest/bench.py --database-url postgres://postgres@127.0.0.1:5432/exoresist_load
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import OUT, Curator, Mix, Server, app_env, log, manage, prepare, run_load, summarise  # noqa: E402
from redis_server import PrivateRedis  # noqa: E402

MIXES = {"full": (0.80, 0.15, 0.05), "read": (0.85, 0.15, 0.0), "browse": (1.0, 0.0, 0.0)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--clients", type=int, nargs="+", default=[8, 32, 128])
    parser.add_argument("--duration", type=float, default=20, help="seconds per run (each run stops by itself)")
    parser.add_argument("--max-requests", type=int, default=30_000, help="cap per run")
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--port", type=int, default=8061)
    parser.add_argument("--redis-port", type=int, default=6391, help="a private redis-server is started here")
    parser.add_argument("--cache", choices=["off", "on", "both"], default="both")
    parser.add_argument("--mix", choices=["full", "read", "browse", "both"], default="both")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument(
        "--write",
        choices=["draft", "drug"],
        default="draft",
        help="curator write: a draft evidence item (everyday curation) or a new drug with an alias (public data)",
    )
    parser.add_argument("--exclude", default="", help="regex of read URLs to leave out of the mix")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    base_env = app_env(args.database_url)
    prepare(base_env)
    urls_path = OUT / "urls.json"
    urls = json.loads(manage(base_env, "loadtest_urls", "--samples", str(args.samples)))
    if args.exclude:
        urls["read"] = [url for url in urls["read"] if not re.search(args.exclude, url)]
    urls_path.write_text(json.dumps(urls, indent=1))
    log(f"mix: {len(urls['read'])} read URLs, {len(urls['search'])} searches, writes to {urls['write']['url']}")
    results = []
    modes = ["off", "on"] if args.cache == "both" else [args.cache]
    mixes = ["full", "read"] if args.mix == "both" else [args.mix]
    tag = time.strftime("%H%M%S")
    for mode in modes:
        redis = PrivateRedis(args.redis_port).start() if mode == "on" else None
        try:
            env = app_env(args.database_url, redis.url if redis else None, EXORESIST_PAGE_CACHE="1" if redis else "0")
            with Server(env, args.port, args.workers, f"bench-cache-{mode}") as server:
                for mix_name in mixes:
                    mix = Mix.load(urls_path, MIXES[mix_name], drafts=args.write == "draft")
                    for clients in args.clients:
                        results.append(asyncio.run(one_run(server, mix, mix_name, mode, clients, args, tag)))
        finally:
            if redis:
                redis.stop()

    print()
    print(
        f"{'mix':5} {'cache':5} {'clients':>7} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'errors':>6}"
    )
    for r in results:
        print(
            f"{r['mix']:5} {r['cache']:5} {r['clients']:>7} {r['requests']:>8} {r['rps']:>7} {r['p50_ms']:>7} "
            f"{r['p95_ms']:>7} {r['p99_ms']:>7} {r['errors']:>6}"
        )
    out = OUT / f"bench-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=1))
    print(f"\nfull results: {out}")
    return 1 if any(r["errors"] for r in results) else 0


async def one_run(server: Server, mix: Mix, mix_name: str, mode: str, clients: int, args, tag: str) -> dict:
    curator = Curator(server.port)
    await curator.login()
    # A short warm-up fills connections and the cache; it is not counted.
    await run_load(server.port, mix, min(clients, 8), 1.5, 500, curator, f"{tag}w")
    started = time.monotonic()
    samples = await run_load(server.port, mix, clients, args.duration, args.max_requests, curator, tag)
    summary = summarise(samples, time.monotonic() - started)
    summary.update(mix=mix_name, cache=mode, clients=clients)
    failures = [s for s in samples if s.status == 0 or s.status >= 500]
    if failures:
        summary["first_errors"] = [f"{s.kind} {s.status} {s.note[:200]}" for s in failures[:5]]
    log(
        f"{mix_name} mix, cache {mode}, {clients} clients: {summary['rps']} req/s, p50 {summary['p50_ms']} ms, "
        f"p99 {summary['p99_ms']} ms, errors {summary['errors']}"
    )
    return summary


if __name__ == "__main__":
    sys.exit(main())
