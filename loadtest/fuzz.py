"""Seeded random requests against every public list, detail and admin address: no 5xx.

The suite's hostile-input tests (tests/production/test_hostile_input.py) set every filter
to one hostile value at a time. This mixes one to three filters with values that have
found server errors before (a query with no word in it, a percent-escape a filter
decodes, a search that finds nothing exported as CSV, a public id where the admin wants
a key), as an anonymous reader, a curator and a superuser, on a database of any size:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/exoresist_bench \\
        .venv/bin/python loadtest/fuzz.py [--seed 1] [--per-endpoint 40]

It writes nothing but two users (fuzz-curator, in the Curators and Editors groups, and
fuzz-superuser). Prints every unexpected answer and exits 1 if there was one.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from common import setup_django  # noqa: E402

setup_django(EXORESIST_ANON_RATE="100000000/min", EXORESIST_LOGIN_THROTTLE="0")

from django.contrib.auth.models import Group, User  # noqa: E402
from django.test import Client  # noqa: E402

from evidence.models import Evidence  # noqa: E402
from exoresist.urlmap import list_endpoints  # noqa: E402
from tests.production.site_map import filter_params  # noqa: E402

VALUES = [
    "", "-", "-x", '"', "--", "or", "%00", "%", "zzqqxx", "doi:", "10.1000/x", "0", "-1", "9" * 30, "1e9", "C", "D",
    "biomarker", "accepted", "csv", "tsv", "bibtex", "ris", "csljson", "api", "json", "ü", "a" * 3000, "EXR000001",
    "<script>", "Santos 2018", "et al.", "miR-21", ":*", "a:b", "null", "[]",
]  # fmt: skip
ODD_IDS = ["0", "-1", "abc", "9" * 25, "%00", "EXR000001", "EXR" + "9" * 30, "..", "é"]
EXPECTED = {200, 301, 302, 304, 400, 403, 404, 405, 406, 409, 413, 429}


def user(name: str, *, superuser: bool = False, groups: tuple[str, ...] = ()) -> Client:
    account, _ = User.objects.get_or_create(username=name)
    account.is_staff, account.is_superuser = True, superuser
    account.save()
    account.groups.set(Group.objects.filter(name__in=groups))
    client = Client()
    client.force_login(account)
    return client


def addresses(rng: random.Random, per_endpoint: int) -> list[str]:
    params = sorted(filter_params() | {"format"})
    urls = []
    for endpoint in list_endpoints():
        for _ in range(per_endpoint):
            chosen = rng.sample(params, rng.randint(1, 3))
            urls.append(endpoint.url + "?" + "&".join(f"{p}={quote(rng.choice(VALUES), safe='')}" for p in chosen))
    first = Evidence.objects.order_by("pk").first()
    models = ("evidence", "citation", "drug", "cargo", "cell", "mechanism", "evidencerevision", "evidenceflag")
    for odd in (quote(odd, safe="") for odd in ODD_IDS):
        urls += [f"/evidence/{odd}/", f"/citations/{odd}/"]
        urls += [f"/api/v1/evidence/{odd}/{query}" for query in ("", "?format=csv", "?format=api")]
        urls += [f"/admin/evidence/{m}/{odd}/{page}" for m in models for page in ("history/", "changes/", "decide/")]
        urls += [f"/admin/evidence/{m}/{odd}/history/1/" for m in models]
        if first is not None:
            urls += [f"/admin/evidence/evidence/{first.pk}/history/{odd}/"]
    if first is not None:
        urls.append(f"/admin/evidence/evidence/{first.pk}/changes/")
    return urls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-endpoint", type=int, default=40, help="random queries per list address and visitor")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    visitors = {
        "anonymous": Client(),
        "curator": user("fuzz-curator", groups=("Curators", "Editors")),
        "superuser": user("fuzz-superuser", superuser=True),
    }
    statuses: Counter = Counter()
    unexpected = 0
    for who, client in visitors.items():
        for url in addresses(rng, args.per_endpoint):
            if who == "anonymous" and url.startswith("/admin/"):
                continue
            try:
                status = client.get(url).status_code
            except Exception as error:  # noqa: BLE001 - a crash is what this looks for
                status = f"{type(error).__name__}: {str(error)[:120]}"
            statuses[status if isinstance(status, int) else "exception"] += 1
            if status not in EXPECTED:
                unexpected += 1
                print(f"{who}: {status} {url[:200]}", flush=True)
    counted = dict(sorted(statuses.items(), key=str))
    print(f"{sum(statuses.values())} requests, {unexpected} unexpected; statuses {counted}")
    sys.exit(1 if unexpected else 0)


if __name__ == "__main__":
    main()
