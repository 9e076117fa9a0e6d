"""Load-test plumbing with the standard library only: a gunicorn server started and
stopped on loopback, and an asyncio HTTP client light enough to share two cores with it."""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
OUT = ROOT / "bench" / "out"
CURATOR = ("loadtest-curator", "loadtest-" + "curator-password-not-secret")


def app_env(database_url: str, redis_url: str | None = None, **extra: str) -> dict[str, str]:
    """A production environment for a server on plain-HTTP loopback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EXORESIST_", "GUNICORN_"))}
    env.pop("REDIS_URL", None)
    env.pop("CACHE_URL", None)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # Loopback has no TLS: these two are the only production settings a load test relaxes.
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        # One client address makes every request "one IP": lift the per-IP limits for the test.
        EXORESIST_ANON_RATE="100000000/min",
        EXORESIST_LOGIN_THROTTLE="0",
        DJANGO_LOG_LEVEL="WARNING",
        DJANGO_STATIC_ROOT=str(OUT / "static"),
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def prepare(env: dict[str, str]) -> None:
    """Hashed static files (production storage needs its manifest) and the load-test curator."""
    manage(env, "collectstatic", "--noinput", "-v", "0")
    ensure_curator(env)


def ensure_curator(env: dict[str, str]) -> None:
    username, password = CURATOR
    manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth.models import Group, User\n"
        f"u, _ = User.objects.get_or_create(username={username!r}, defaults={{'is_staff': True}})\n"
        f"u.is_staff = True; u.set_password({password!r}); u.save()\n"
        "u.groups.add(Group.objects.get(name='Curators'))\n",
    )


_RUNNING: list[subprocess.Popen] = []


def _stop_everything(signum, frame) -> None:
    # Ctrl-C or kill: stop our gunicorn (quick shutdown) and redis before leaving.
    for process in _RUNNING:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    for process in _RUNNING:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    raise SystemExit(128 + signum)


signal.signal(signal.SIGTERM, _stop_everything)
signal.signal(signal.SIGINT, _stop_everything)


def track(process: subprocess.Popen) -> subprocess.Popen:
    _RUNNING.append(process)
    return process


class Server:
    """gunicorn on 127.0.0.1 with the project's gunicorn.conf.py; always stopped on exit."""

    def __init__(self, env: dict[str, str], port: int, workers: int, log_name: str, app_dir: Path = ROOT):
        self.env = dict(env, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS=str(workers))
        self.app_dir = app_dir  # another checkout, to measure old and new code in one run
        self.port = port
        OUT.mkdir(parents=True, exist_ok=True)
        self.log_path = OUT / f"{log_name}.log"
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        log = open(self.log_path, "w")
        self.process = track(
            subprocess.Popen(
                [GUNICORN, "-c", "gunicorn.conf.py"],
                cwd=self.app_dir,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        raise SystemExit(f"gunicorn did not become healthy; see {self.log_path}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    cookies: dict[str, str] = field(default_factory=dict)


async def request(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    timeout: float = 15,
) -> Response:
    """One HTTP/1.1 request on a fresh connection (gunicorn's sync workers close it anyway)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head, _, content = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise ConnectionError(f"bad response: {status_line[:80]!r}")
    parsed, cookies = {}, {}
    for line in header_lines:
        name, _, value = line.partition(":")
        parsed[name.strip().lower()] = value.strip()
        if name.strip().lower() == "set-cookie":
            cookie, _, _ = value.strip().partition(";")
            key, _, val = cookie.partition("=")
            cookies[key] = val
    return Response(int(parts[1]), parsed, content, cookies)


class Curator:
    """A signed-in curator session (admin login with CSRF), shared by the writing clients."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    async def login(self) -> None:
        page = await request(self.port, "GET", "/admin/login/")
        self.cookies.update(page.cookies)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1).decode()
        form = f"csrfmiddlewaretoken={token}&username={CURATOR[0]}&password={CURATOR[1]}&next=/admin/"
        response = await self.post("/admin/login/", form.encode())
        if response.status != 302:
            raise SystemExit(f"curator login failed with {response.status}")
        self.cookies.update(response.cookies)

    async def post(self, path: str, body: bytes) -> Response:
        return await request(
            self.port,
            "POST",
            path,
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookie_header()},
        )

    async def get(self, path: str) -> Response:
        return await request(self.port, "GET", path, headers={"Cookie": self.cookie_header()})

    def write_form(self, slug: str, therapy_class: int) -> bytes:
        fields = {
            "csrfmiddlewaretoken": self.cookies.get("csrftoken", ""),
            "name": slug.replace("-", " "),
            "slug": slug,
            "drug_class": "load test",
            "therapy_class": str(therapy_class),
            "aliases-TOTAL_FORMS": "1",
            "aliases-INITIAL_FORMS": "0",
            "aliases-MIN_NUM_FORMS": "0",
            "aliases-MAX_NUM_FORMS": "1000",
            "aliases-0-name": slug.upper(),
        }
        return urlencode(fields).encode()

    def draft_form(self, marker: str, ids: dict) -> bytes:
        fields = {
            "csrfmiddlewaretoken": self.cookies.get("csrftoken", ""),
            "statement": f"Exosomal cargo alters drug response (load-test draft {marker}).",
            "citation": ids["citation"],
            "therapy_class": ids["therapy_class"],
            "drugs": ids["drug"],
            "cargos": ids["cargo"],
            "effect": "confers_resistance",
            "evidence_type": "predictive",
            "level": "D",
            "cancer_type": "breast cancer",
            "subtype": "unspecified",
            "status": "draft",
            "import_key": marker,
        }
        return urlencode(fields).encode()


@dataclass
class Sample:
    kind: str
    started: float
    latency_ms: float
    status: int  # 0 = connection error or timeout
    note: str = ""


@dataclass
class Mix:
    read: list[str]
    search: list[str]
    write_url: str
    therapy_class: int | None
    search_needs_login: bool
    weights: tuple[float, float, float] = (0.80, 0.15, 0.05)
    draft: dict | None = None  # set: curator writes are draft evidence items instead of drugs

    @classmethod
    def load(cls, path: Path, weights=(0.80, 0.15, 0.05), drafts: bool = False) -> Mix:
        data = json.loads(path.read_text())
        return cls(
            data["read"],
            data["search"],
            data["write"]["url"],
            data["write"]["therapy_class"],
            data["search_needs_login"],
            weights,
            data.get("draft") if drafts else None,
        )


async def run_load(
    port: int,
    mix: Mix,
    clients: int,
    duration: float,
    max_requests: int,
    curator: Curator | None,
    tag: str,
    on_tick=None,
) -> list[Sample]:
    """``clients`` concurrent users for ``duration`` seconds or ``max_requests`` requests, whichever first."""
    samples: list[Sample] = []
    started = time.monotonic()
    deadline = started + duration
    counter = {"n": 0, "writes": 0}
    rng = random.Random(clients)

    async def one_user(index: int) -> None:
        while time.monotonic() < deadline and counter["n"] < max_requests:
            counter["n"] += 1
            roll = rng.random()
            kind = "read" if roll < mix.weights[0] else "search" if roll < mix.weights[0] + mix.weights[1] else "write"
            if kind == "write" and (curator is None or mix.therapy_class is None):
                kind = "read"
            t0 = time.monotonic()
            note = ""
            try:
                if kind == "read":
                    response = await request(port, "GET", rng.choice(mix.read))
                elif kind == "search":
                    path = rng.choice(mix.search)
                    response = await (
                        curator.get(path) if mix.search_needs_login and curator else request(port, "GET", path)
                    )
                else:
                    counter["writes"] += 1
                    note = f"load-{tag}-{clients}-{counter['writes']}-{index}"
                    if mix.draft:
                        response = await curator.post(mix.draft["url"], curator.draft_form(note, mix.draft))
                    else:
                        response = await curator.post(mix.write_url, curator.write_form(note, mix.therapy_class))
                status = response.status
                if status >= 500:
                    note = (
                        response.body[:300].decode("utf-8", "replace")
                        if kind != "write"
                        else note + " " + response.body[:200].decode("utf-8", "replace")
                    )
            except (TimeoutError, OSError, ConnectionError) as exc:
                status, note = 0, (note + " " if kind == "write" else "") + type(exc).__name__
            samples.append(Sample(kind, t0 - started, (time.monotonic() - t0) * 1000, status, note))

    tasks = [asyncio.create_task(one_user(i)) for i in range(clients)]
    if on_tick is not None:
        tasks.append(asyncio.create_task(on_tick(started)))
    await asyncio.gather(*tasks)
    return samples


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def summarise(samples: list[Sample], elapsed: float) -> dict:
    ok = [s for s in samples if 0 < s.status < 500]
    latencies = [s.latency_ms for s in samples]
    by_kind = defaultdict(list)
    for s in samples:
        by_kind[s.kind].append(s.latency_ms)
    return {
        "requests": len(samples),
        "seconds": round(elapsed, 1),
        "rps": round(len(samples) / elapsed, 1) if elapsed else 0,
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None,
        "errors": len(samples) - len(ok),
        "statuses": dict(sorted(Counter(s.status for s in samples).items())),
        "by_kind": {
            k: {"n": len(v), "p50_ms": round(percentile(v, 50), 1), "p99_ms": round(percentile(v, 99), 1)}
            for k, v in sorted(by_kind.items())
        },
    }


def log(*parts) -> None:
    print(*parts, flush=True, file=sys.stderr)
