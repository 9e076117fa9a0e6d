"""The URL mix for loadtest/: every public list and detail route found at run time, list
routes with their FilterSet's filters filled from real data, and search queries."""

import json
import random
from urllib.parse import urlencode

from django.core.management.base import BaseCommand

from evidence.models import Cargo, Cell, Citation, Drug, Evidence, Mechanism, TherapyClass
from exoresist.urlmap import answers_get, endpoints, list_endpoints, urls_for


class Command(BaseCommand):
    help = "Print the load-test URL mix as JSON (read, search, write)."

    def add_arguments(self, parser):
        parser.add_argument("--samples", type=int, default=200, help="detail pages and filter combinations")
        parser.add_argument("--seed", type=int, default=6)

    def handle(self, *args, samples: int, seed: int, **options):
        rng = random.Random(seed)

        def pick(queryset, field, n=30):
            return [str(v) for v in queryset.order_by("?").values_list(field, flat=True)[:n]]

        values = {
            "drug": pick(Drug.objects.all(), "name"),
            "cargo": pick(Cargo.objects.all(), "symbol"),
            "source_cell": pick(Cell.objects.all(), "name"),
            "recipient_cell": pick(Cell.objects.all(), "name"),
            "cell": pick(Cell.objects.all(), "name"),
            "mechanism": pick(Mechanism.objects.all(), "slug"),
            "therapy_class": pick(TherapyClass.objects.all(), "slug"),
            "level": ["A", "B", "C", "D", "E", "A,B"],
            "effect": ["confers_resistance", "reverses_resistance", "biomarker"],
            "subtype": ["luminal", "her2", "tnbc"],
            "cargo_type": ["mirna", "lncrna", "protein"],
            "year_min": ["2015", "2020"],
            "kind": ["mirna", "cell_line"],
        }
        terms = values["cargo"][:10] + values["drug"][:10] + ["exosome", "resistance", "miR", "tamoxifen"]

        lists = list_endpoints()
        read, search = [], []
        for endpoint in lists:
            # A view that needs a parameter to answer (recognition's ``text``) names an example.
            example = getattr(endpoint.view_class, "example_query", None)
            read.append(endpoint.url + (f"?{urlencode(example)}" if example else ""))
            filterset = getattr(endpoint.view_class, "filterset_class", None)
            names = set(filterset.base_filters) if filterset is not None else set()
            usable = [name for name in names if values.get(name)]
            for _ in range(samples // max(1, len(lists)) if usable else 0):
                chosen = rng.sample(usable, k=min(len(usable), rng.choice([1, 1, 2])))
                read.append(f"{endpoint.url}?{urlencode({n: rng.choice(values[n]) for n in chosen})}")
            if "q" in names:
                search += [f"{endpoint.url}?{urlencode({'q': term})}" for term in terms]

        for item in Evidence.objects.public().order_by("?")[:samples]:
            read += urls_for(item)
        for model in (Drug, Cargo, Cell, Mechanism, TherapyClass):
            for obj in model.objects.order_by("?")[: max(1, samples // 10)]:
                read += urls_for(obj)
        read += [e.url for e in endpoints() if e.has_args][:20]

        # The read mix is GETs only: leave out POST-only workflow actions found by urls_for().
        read = [url for url in read if answers_get(url)]

        models = (("therapy_class", TherapyClass), ("citation", Citation), ("drug", Drug), ("cargo", Cargo))
        first = {field: model.objects.order_by("pk").values_list("pk", flat=True).first() for field, model in models}
        self.stdout.write(
            json.dumps(
                {
                    "read": sorted(set(read)),
                    "search": search,
                    # Every search route is public.
                    "search_needs_login": False,
                    # A new drug with an alias: public data, several rows in one transaction.
                    "write": {"url": "/admin/evidence/drug/add/", "therapy_class": first["therapy_class"]},
                    # A curator's everyday write: a draft evidence item with its drug and cargo.
                    "draft": {"url": "/admin/evidence/evidence/add/", **first},
                },
                indent=1,
            )
        )
