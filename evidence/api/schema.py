"""OpenAPI for the shared FilterSets: list parameters as exploded arrays, each with an example.

drf-spectacular's django-filter extension knows nothing of ``ListFilter`` (a value
repeated or comma-separated); this one documents it as ``?drug=a&drug=b`` (an array,
form style, exploded) and adds the example a reader needs.
"""

from __future__ import annotations

from drf_spectacular.contrib.django_filters import DjangoFilterExtension

from evidence.filtersets import ChoiceListFilter, ListFilter

#: One example per parameter name, shared by every FilterSet.
EXAMPLES: dict[str, object] = {
    "q": "miR-155",
    "drug": ["doxorubicin", "ADM"],
    "cargo": ["miR-155"],
    "cargo_type": ["mirna"],
    "therapy_class": ["chemotherapy"],
    "mechanism": ["drug-efflux"],
    "source_cell": ["MCF-7/ADR"],
    "recipient_cell": ["MCF-7"],
    "cell": ["MCF-7"],
    "effect": ["confers_resistance"],
    "level": ["C", "D"],
    "evidence_type": ["predictive"],
    "subtype": ["tnbc"],
    "cancer_type": ["breast cancer"],
    "year_min": 2015,
    "year_max": 2024,
    "year": 2017,
    "doi": ["10.1038/s41419-020-2250-5"],
    "pmid": ["28123456"],
    "citation": 1,
    "retracted": False,
    "status": ["accepted"],
    "drug_class": ["anthracycline"],
    "kind": ["mirna"],
    "parent": ["drug-efflux"],
    "publication_type": ["primary"],
}


class ExoResistFilterExtension(DjangoFilterExtension):
    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        if isinstance(filter_field, ListFilter):
            items: dict = {"type": "string", "minLength": 1}
            description = filter_field.extra.get("help_text") or field_name
            if isinstance(filter_field, ChoiceListFilter):
                items = {"type": "string", "enum": [value for value, _ in filter_field.extra["choices"]]}
                also = filter_field.extra["also_called"]
                accepted = "; ".join(
                    ", ".join(dict.fromkeys([value, label, *also.get(value, ())]))
                    for value, label in filter_field.extra["choices"]
                )
                description += f" Accepted in any case (code, label or usual name): {accepted}."
            parameter = {
                "in": "query",
                "name": field_name,
                "required": False,
                "description": f"{description} Repeat the parameter or give a comma list for OR.",
                "schema": {"type": "array", "items": items},
                "style": "form",
                "explode": True,
            }
            parameters = [parameter]
        else:
            parameters = super().resolve_filter_field(auto_schema, model, filterset_class, field_name, filter_field)
        for parameter in parameters:
            enum = parameter.get("schema", {}).get("items", {}).get("enum")
            if field_name in EXAMPLES:
                example = EXAMPLES[field_name]
                if enum and not set(example) <= set(enum):
                    example = enum[:1]
                parameter["example"] = example
            elif field_name == "ordering":
                parameter["example"] = ["-year"] if "year" in str(filter_field.param_map) else ["name"]
        return parameters
