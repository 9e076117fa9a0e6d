"""Screenshots of the main pages at a laptop's and a phone's width, for docs/screenshots/.

    make screenshots                       # seeds the make run database, serves it, shoots, stops
    python scripts/screenshots.py --base-url http://127.0.0.1:8000   # against a server already running

Uses Playwright with Debian's chromium (/usr/bin/chromium), as the browser tests do.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
WIDTHS = (1366, 390)
PAGES = {
    "home": "/",
    "evidence-list": "/evidence/?drug=doxorubicin",
    "drug": "/drugs/doxorubicin/",
    "network": "/network/",
    "matrix": "/matrix/",
    "matrix-by-drug": "/matrix/?rows=drug",
    "help": "/help/",
    "downloads": "/downloads/",
}


def shoot(base_url: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        args = ["--headless", "--no-sandbox", "--disable-gpu"]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        for name, path in PAGES.items():
            for width in WIDTHS:
                context = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1)
                page = context.new_page()
                page.goto(base_url.rstrip("/") + path)
                if page.locator("[data-network]").count():
                    page.wait_for_selector(".network[data-rendered=true] canvas", timeout=30_000)
                target = out / f"{name}-{width}.png"
                page.screenshot(path=str(target), full_page=True)
                written.append(target)
                context.close()
        browser.close()
    return written


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_and_shoot(out: Path) -> list[Path]:
    """Serve the make run database on a free loopback port for as long as the screenshots take."""
    port = _free_port()
    env = {**os.environ, "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "1")}
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(base_url + "/network.json", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise SystemExit("the development server did not answer within a minute")
        return shoot(base_url, out)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", help="a running server; without it, one is started on the make run database")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    written = shoot(args.base_url, args.out) if args.base_url else serve_and_shoot(args.out)
    for path in written:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()
