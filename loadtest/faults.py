"""Fault drills under load, each bounded in time, against gunicorn on loopback.

  db-restart   PostgreSQL restarted mid-load: requests fail with 503 and a clear body
               (never a traceback), recover by themselves, and no curator write is lost
               or half-applied (every drug written has its alias and its history row).
  redis-down   the page-cache Redis (a private redis-server on a spare port) stopped
               mid-load and started again: no errors, the site serves uncached.
  worker-kill  one gunicorn worker SIGKILLed mid-load: the others carry on and the
               master replaces it.

    .venv/bin/python loadtest/faults.py --database-url postgres://postgres@127.0.0.1:5432/exoresist_load \\
        --scenario all --restart-cmd "pg_ctlcluster --skip-systemctl-redirect 15 main restart"
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import OUT, Curator, Mix, Server, app_env, log, manage, prepare, run_load, summarise  # noqa: E402
from redis_server import PrivateRedis  # noqa: E402

WRITE_HEAVY = (0.70, 0.10, 0.20)


def healthz(port: int) -> dict:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return json.loads(exc.read() or b"{}") | {"http": exc.code}
    except OSError as exc:
        return {"status": f"unreachable: {exc}"}


def phase_table(samples, marks: list[tuple[str, float]], end: float) -> list[dict]:
    rows = []
    bounds = [*marks, ("end", end)]
    for (name, start), (_, stop) in zip(bounds, bounds[1:], strict=False):
        chunk = [s for s in samples if start <= s.started < stop]
        summary = summarise(chunk, max(stop - start, 0.001)) if chunk else {"requests": 0}
        rows.append({"phase": name, "from_s": round(start, 1), "to_s": round(stop, 1)} | summary)
    return rows


def check_writes(env: dict[str, str], tag: str, samples) -> dict:
    """Every drug the drill wrote exists whole: one alias and a history row; no orphans."""
    script = (
        "import json\n"
        "from evidence.models import Drug, DrugAlias\n"
        f"drugs = Drug.objects.filter(slug__startswith='load-{tag}')\n"
        "aliases = {d.slug: d.aliases.count() for d in drugs}\n"
        "history = Drug.history.filter(slug__in=list(aliases), history_type='+').values_list('slug', flat=True)\n"
        "alias_history = DrugAlias.history.filter(entity__slug__in=list(aliases)).count()\n"
        "print(json.dumps({'drugs': aliases, 'history': sorted(set(history)), 'alias_history': alias_history}))\n"
    )
    found = json.loads(manage(env, "shell", "-c", script).strip().splitlines()[-1])
    drugs, history = found["drugs"], set(found["history"])
    writes = [s for s in samples if s.kind == "write"]
    acknowledged = {s.note.split()[0] for s in writes if s.status == 302}
    failed = {s.note.split()[0] for s in writes if s.status != 302 and s.note}
    return {
        "writes_sent": len(writes),
        "acknowledged": len(acknowledged),
        "failed_or_unknown": len(failed),
        "acknowledged_but_missing": sorted(acknowledged - set(drugs)),
        "half_applied": sorted(slug for slug, aliases in drugs.items() if aliases != 1 or slug not in history),
        "failed_but_applied_whole": len(failed & set(drugs)),
        "alias_history_rows": found["alias_history"],
    }


async def drill(server: Server, mix: Mix, clients: int, duration: float, tag: str, events) -> tuple[list, list, float]:
    """Load for ``duration`` seconds while ``events`` (seconds, label, callable) fire on schedule."""
    curator = Curator(server.port)
    await curator.login()
    marks: list[tuple[str, float]] = [("before", 0.0)]

    async def scheduler(started: float) -> None:
        for at, label, action in events:
            await asyncio.sleep(max(0, started + at - time.monotonic()))
            marks.append((label, time.monotonic() - started))
            log(f"  t={marks[-1][1]:.1f}s {label}")
            await asyncio.to_thread(action)

    started = time.monotonic()
    samples = await run_load(server.port, mix, clients, duration, 10**9, curator, tag, on_tick=scheduler)
    return samples, marks, time.monotonic() - started


def db_restart(args, urls: Path) -> dict:
    env = app_env(args.database_url, EXORESIST_PAGE_CACHE="0")
    tag = "f" + time.strftime("%H%M%S")
    restart = shlex.split(args.restart_cmd)
    recovered: dict[str, float] = {}

    def do_restart() -> None:
        t0 = time.monotonic()
        subprocess.run(restart, check=True, capture_output=True)
        recovered["restart_seconds"] = round(time.monotonic() - t0, 2)

    with Server(env, args.port, args.workers, "fault-db-restart") as server:
        mix = Mix.load(urls, WRITE_HEAVY)
        samples, marks, elapsed = asyncio.run(
            drill(server, mix, args.clients, args.duration, tag, [(args.duration / 3, "database restart", do_restart)])
        )
        after = healthz(server.port)
    restart_at = marks[1][1]
    bad = [s for s in samples if s.status == 0 or s.status >= 500]
    unclear = [
        s for s in bad if s.status != 503 or "temporarily unavailable" not in s.note.lower() and s.kind != "write"
    ]
    tracebacks = [s for s in bad if "Traceback" in s.note]
    last_error = max((s.started for s in bad), default=restart_at)
    after_recovery = [s for s in samples if s.started > last_error]
    report = {
        "scenario": "db-restart",
        "restart_command": args.restart_cmd,
        **recovered,
        "503s": sum(1 for s in bad if s.status == 503),
        "other_errors": len(bad) - sum(1 for s in bad if s.status == 503),
        "unclear_error_bodies": len(unclear),
        "tracebacks_shown": len(tracebacks),
        "seconds_from_restart_to_last_error": round(last_error - restart_at, 2),
        "ok_after_recovery": sum(1 for s in after_recovery if 0 < s.status < 500),
        "healthz_after": after,
        "phases": phase_table(samples, marks, elapsed),
        "writes": check_writes(env, tag, samples),
    }
    writes = report["writes"]
    report["passed"] = (
        not tracebacks
        and not report["unclear_error_bodies"]
        and not writes["acknowledged_but_missing"]
        and not writes["half_applied"]
        and after.get("status") in ("ok", "degraded")
        and report["ok_after_recovery"] > 0
    )
    return report


def redis_down(args, urls: Path) -> dict:
    redis = PrivateRedis(args.redis_port).start()
    health: list[dict] = []
    try:
        env = app_env(args.database_url, redis.url, EXORESIST_PAGE_CACHE="1")
        with Server(env, args.port, args.workers, "fault-redis-down") as server:

            def stop() -> None:
                redis.stop()
                health.append({"after": "stop"} | healthz(server.port))

            def start() -> None:
                redis.start()
                time.sleep(0.5)
                health.append({"after": "start"} | healthz(server.port))

            mix = Mix.load(urls, (0.85, 0.15, 0.0))
            d = args.duration
            samples, marks, elapsed = asyncio.run(
                drill(
                    server,
                    mix,
                    args.clients,
                    d,
                    "r",
                    [(d / 4, "redis stopped", stop), (d * 2 / 3, "redis started", start)],
                )
            )
    finally:
        redis.stop()
    bad = [s for s in samples if s.status == 0 or s.status >= 500]
    phases = phase_table(samples, marks, elapsed)
    return {
        "scenario": "redis-down",
        "errors": len(bad),
        "healthz": health,
        "phases": phases,
        "passed": not bad
        and any(h.get("cache") == "unavailable" for h in health)
        and health[-1].get("cache") == "ok"
        and all(p["requests"] for p in phases),
    }


def worker_kill(args, urls: Path) -> dict:
    env = app_env(args.database_url, EXORESIST_PAGE_CACHE="0")
    with Server(env, args.port, args.workers, "fault-worker-kill") as server:
        killed: dict[str, int] = {}

        def kill_one() -> None:
            pid = server.worker_pids()[0]
            os.kill(pid, signal.SIGKILL)
            killed["pid"] = pid

        mix = Mix.load(urls, (0.85, 0.15, 0.0))
        samples, marks, elapsed = asyncio.run(
            drill(server, mix, args.clients, args.duration, "k", [(args.duration / 3, "worker killed", kill_one)])
        )
        workers_after = len(server.worker_pids())
    bad = [s for s in samples if s.status == 0 or s.status >= 500]
    phases = phase_table(samples, marks, elapsed)
    return {
        "scenario": "worker-kill",
        "killed_pid": killed.get("pid"),
        "workers_configured": args.workers,
        "workers_after": workers_after,
        "errors": len(bad),
        "error_kinds": sorted({s.note[:60] for s in bad}),
        "phases": phases,
        # Only the requests in flight on the killed worker may fail.
        "passed": len(bad) <= 2 and workers_after == args.workers and phases[-1]["requests"] > 0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--scenario", choices=["db-restart", "redis-down", "worker-kill", "all"], default="all")
    parser.add_argument(
        "--restart-cmd",
        default="pg_ctlcluster --skip-systemctl-redirect 15 main restart",
        help="how to restart the PostgreSQL that --database-url points at",
    )
    parser.add_argument("--duration", type=float, default=24, help="seconds of load per drill")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8071)
    parser.add_argument("--redis-port", type=int, default=6390)
    args = parser.parse_args()

    env = app_env(args.database_url)
    prepare(env)
    urls = OUT / "fault-urls.json"
    urls.write_text(manage(env, "loadtest_urls", "--samples", "100"))
    scenarios = ["db-restart", "redis-down", "worker-kill"] if args.scenario == "all" else [args.scenario]
    reports = []
    for name in scenarios:
        log(f"== {name}")
        report = {"db-restart": db_restart, "redis-down": redis_down, "worker-kill": worker_kill}[name](args, urls)
        reports.append(report)
        print(json.dumps(report, indent=1))
    out = OUT / f"faults-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps(reports, indent=1))
    print("\n" + "\n".join(f"{r['scenario']:12} {'PASSED' if r['passed'] else 'FAILED'}" for r in reports))
    print(f"full report: {out}")
    return 0 if all(r["passed"] for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
