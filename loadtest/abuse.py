"""The security probe's load and abuse cases (issue 15), re-run against gunicorn on loopback.

  deep-pages   ten deep API pages at once (?page=1500, ?q=m&page=19999): each must be
               answered fast (a 400 that explains the offset cap), never a worker timeout.
  spoofing     400 anonymous reads, each with a new X-Forwarded-For, at the default rate
               limit (120/min): the header must not give each request a fresh allowance.
  burst        16 clients at once, 10 reads each, from one address at 120/min: at most
               120 served (DRF's own throttle let 134 through).
  flags        100 anonymous error flags from one address: 10 accepted, the rest 429, and
               the public pages' ETag (the data version) unchanged by all of them.

Exports under 16 concurrent clients are loadtest/exports.py. Figures: docs/operations.md.

    .venv/bin/python loadtest/abuse.py --database-url postgres://postgres@127.0.0.1:5432/exoresist_bench
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import OUT, Server, app_env, manage, request  # noqa: E402
from redis_server import PrivateRedis  # noqa: E402


async def timed(port: int, path: str, **kwargs) -> tuple[int, float, bytes]:
    started = time.perf_counter()
    response = await request(port, "GET", path, timeout=60, **kwargs)
    return response.status, (time.perf_counter() - started) * 1000, response.body


async def deep_pages(port: int) -> dict:
    paths = ["/api/v1/evidence/?page=1500", "/api/v1/evidence/?q=m&page=19999"] * 5
    results = await asyncio.gather(*(timed(port, path) for path in paths))
    return {
        "requests": len(results),
        "statuses": sorted({status for status, _, _ in results}),
        "max_ms": round(max(ms for _, ms, _ in results)),
        "explains_cap": all(b"not served" in body for _, _, body in results),
    }


async def spoofing(port: int) -> dict:
    statuses = []
    for i in range(400):
        status, _, _ = await timed(
            port, "/api/v1/drugs/", headers={"X-Forwarded-For": f"203.0.113.{i % 250}, 10.0.{i}.1"}
        )
        statuses.append(status)
    return {"requests": 400, "ok": statuses.count(200), "throttled": statuses.count(429)}


async def burst(port: int) -> dict:
    """The probe's 16 concurrent clients, 10 requests each, from one address at 120/min."""

    async def client() -> list[int]:
        return [(await timed(port, "/api/v1/cells/"))[0] for _ in range(10)]

    statuses = [s for group in await asyncio.gather(*(client() for _ in range(16))) for s in group]
    return {"requests": len(statuses), "ok": statuses.count(200), "throttled": statuses.count(429)}


async def flags(port: int, public_id: str) -> dict:
    etag_before = (await request(port, "GET", "/evidence/")).headers.get("etag")
    statuses, started = [], time.perf_counter()
    for i in range(100):
        page = await request(port, "GET", f"/evidence/{public_id}/flag/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        form = urlencode(
            {
                "csrfmiddlewaretoken": token.group(1).decode() if token else "",
                "reason": "other",
                "description": f"probe flag {i}",
            }
        )
        response = await request(
            port,
            "POST",
            f"/evidence/{public_id}/flag/",
            body=form.encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": "; ".join(f"{k}={v}" for k, v in page.cookies.items()),
                "Referer": f"http://127.0.0.1:{port}/evidence/{public_id}/flag/",
            },
        )
        statuses.append(response.status)
    etag_after = (await request(port, "GET", "/evidence/")).headers.get("etag")
    return {
        "posts": 100,
        "seconds": round(time.perf_counter() - started, 1),
        "accepted": sum(1 for s in statuses if s in (200, 302)),
        "throttled": statuses.count(429),
        "other": sorted({s for s in statuses if s not in (200, 302, 429)}),
        "public_etag_unchanged": etag_before == etag_after and etag_before is not None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--port", type=int, default=8063)
    parser.add_argument("--redis-port", type=int, default=6393)
    args = parser.parse_args()
    manage(app_env(args.database_url), "collectstatic", "--noinput", "-v", "0")
    public_id = "EXR000123"
    results = {}
    with PrivateRedis(args.redis_port) as redis:
        # Page cache off: a cached answer is served before the API's throttle (and costs little).
        env = app_env(args.database_url, redis.url, EXORESIST_PAGE_CACHE="0", EXORESIST_ANON_RATE="120/min")
        with Server(env, args.port, args.workers, "abuse") as server:
            results["deep_pages"] = asyncio.run(deep_pages(server.port))
            results["spoofing"] = asyncio.run(spoofing(server.port))
        redis.stop()
    with PrivateRedis(args.redis_port) as redis:  # a fresh allowance for the burst
        env = app_env(args.database_url, redis.url, EXORESIST_PAGE_CACHE="0", EXORESIST_ANON_RATE="120/min")
        with Server(env, args.port, args.workers, "abuse-burst") as server:
            results["burst"] = asyncio.run(burst(server.port))
    with PrivateRedis(args.redis_port) as redis:  # a fresh rate-limit allowance for the flags
        env = app_env(args.database_url, redis.url, EXORESIST_PAGE_CACHE="1")
        with Server(env, args.port, args.workers, "abuse-flags") as server:
            results["flags"] = asyncio.run(flags(server.port, public_id))
    print(json.dumps(results, indent=1))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"abuse-{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(json.dumps(results, indent=1))
    ok = (
        results["deep_pages"]["statuses"] == [400]
        and results["spoofing"]["ok"] <= 120
        and results["burst"]["ok"] <= 120
        and results["flags"]["accepted"] <= 10
        and results["flags"]["public_etag_unchanged"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
