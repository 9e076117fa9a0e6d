"""OpenAPI for the shared FilterSets: drf-spectacular knows nothing of ``ListFilter`` (a value repeated
or comma-separated), documented here as an exploded array, and each parameter gets an example."""

from __future__ import annotations

from drf_spectacular.contrib.django_filters import DjangoFilterExtension

from evidence.choices import ALSO_CALLED
from evidence.filtersets import MAX_VALUES, ChoiceListFilter, IdFilter, ListFilter, PmidListFilter, YearFilter

#: One example per parameter name, shared by every FilterSet; a choice's default is its first.
EXAMPLES: dict[str, object] = {
    "q": "miR-155",
    "drug": ["doxorubicin", "ADM"],
    "cargo": ["miR-155"],
    "therapy_class": ["chemotherapy"],
    "mechanism": ["drug-efflux"],
    "source_cell": ["MCF-7/ADR"],
    "recipient_cell": ["MCF-7"],
    "cell": ["MCF-7"],
    "level": ["C", "D"],
    "subtype": ["tnbc"],
    "drug_response_measured": True,
    "drug_role": ["modifier"],
    "cancer_type": ["breast cancer"],
    "year_min": 2015,
    "year_max": 2024,
    "year": 2017,
    "doi": ["10.1038/s41419-020-2250-5"],
    "pmid": ["28123456"],
    "citation": 1,
    "retracted": False,
    "status": ["accepted"],
    "drug_class": ["SERM"],
    "parent": ["drug-efflux"],
}


class ExoResistFilterExtension(DjangoFilterExtension):
    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        if isinstance(filter_field, ListFilter):
            items: dict = {"type": "string", "minLength": 1}
            description = filter_field.extra.get("help_text") or field_name
            if isinstance(filter_field, PmidListFilter):
                # As PmidListField reads it: "28123456", "PMID: 28123456"; anything else is a 400.
                items = {"type": "string", "pattern": r"^\s*(?:[Pp][Mm][Ii][Dd]:?\s*)?[1-9][0-9]{0,8}\s*$"}
            if isinstance(filter_field, ChoiceListFilter):
                items = {"type": "string", "enum": [value for value, _ in filter_field.extra["choices"]]}
                also = ALSO_CALLED.get(filter_field.vocabulary, {})
                accepted = "; ".join(
                    ", ".join(dict.fromkeys([value, label, *also.get(value, ())]))
                    for value, label in filter_field.extra["choices"]
                )
                description += f" Accepted in any case (code, label or usual name): {accepted}."
            parameter = {
                "in": "query",
                "name": field_name,
                "required": False,
                "description": f"{description} Repeat the parameter or give a comma list for OR. "
                f"At most {MAX_VALUES} values.",
                "schema": {"type": "array", "items": items, "maxItems": MAX_VALUES},
                "style": "form",
                "explode": True,
            }
            parameters = [parameter]
        elif isinstance(filter_field, IdFilter | YearFilter):
            # Whole numbers within the form field's bounds: anything else is a 400.
            parameters = super().resolve_filter_field(auto_schema, model, filterset_class, field_name, filter_field)
            bounds = {"minimum": filter_field.extra["min_value"], "maximum": filter_field.extra["max_value"]}
            for parameter in parameters:
                parameter["schema"] = {"type": "integer", **bounds}
        else:
            parameters = super().resolve_filter_field(auto_schema, model, filterset_class, field_name, filter_field)
        for parameter in parameters:
            enum = parameter.get("schema", {}).get("items", {}).get("enum")
            example = EXAMPLES.get(field_name)
            if field_name == "ordering":
                parameter["example"] = ["-year"] if "year" in str(filter_field.param_map) else ["name"]
            elif enum and (example is None or not set(example) <= set(enum)):
                parameter["example"] = enum[:1]
            elif example is not None:
                parameter["example"] = example
        return parameters


#: What a read may answer besides 200 (in the format asked for, like the 200).
READ_ERRORS = {
    "400": "A filter value, page or page size that is not valid, an unknown parameter or a format the "
    "endpoint does not offer; the body names each parameter with what is wrong and, for a name that "
    "matches nothing, the closest names.",
    "404": "No such record, or a page past the last one.",
    "429": "Too many requests from this client (anonymous reads are throttled per address); retry after "
    "the seconds in Retry-After. For exports: the client already has an export being built.",
    "503": "The database is briefly unavailable, or the server is building other exports; retry after "
    "the seconds in Retry-After.",
}


WRITE_ERRORS = {
    "400": "The body is not valid: each field with what is wrong; or the transition is not allowed in the "
    "item's status.",
    "401": "Not signed in: writes need a curator's token or session.",
    "403": "Signed in, but the role does not allow it (curators write, editors review; nobody reviews their "
    "own work), or a name, identifier or retraction of an existing record that only editors change.",
    "404": "No such record.",
    "409": "The edit or review is based on a version that has changed since; read it again.",
    "413": "The request body is larger than the server accepts.",
    "429": "Too many requests; retry after the seconds in Retry-After.",
    "503": "The database is briefly unavailable; retry after the seconds in Retry-After.",
}


#: What an anonymous request that reads by POST (recognition) may answer besides 200.
ANONYMOUS_POST_ERRORS = {
    "400": "The body is not valid: each field with what is wrong.",
    "429": READ_ERRORS["429"],
    "503": WRITE_ERRORS["503"],
}


#: The body of a 200 in a format whose shape is not the serializer's (CSL-JSON: a list of items).
SUCCESS_BODIES = {"application/vnd.citationstyles.csl+json": {"type": "array", "items": {"type": "object"}}}


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def document_errors(result, generator, request, public):
    """drf-spectacular hook: every status an operation answers is declared, and reads are anonymous (an
    empty security requirement). An anonymous POST (``AllowAny``) writes nothing: no 401, 403 or 409."""
    error_body = {"type": "object", "additionalProperties": True}
    for operations in result.get("paths", {}).values():
        read = operations.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
        for method, operation in operations.items():
            ok = operation["responses"].get("200", {}).get("content", {})
            # Errors come in the format asked for (``?format=``), as the path's reads do.
            media = list(dict.fromkeys([*read, *ok])) or ["application/json"]
            for name, schema in SUCCESS_BODIES.items():
                if name in ok:
                    ok[name] = {"schema": schema}
            if method == "get":
                errors = READ_ERRORS
                if {} not in operation.setdefault("security", []):
                    operation["security"].append({})
            elif {} in operation.get("security", []):
                errors = ANONYMOUS_POST_ERRORS
            else:
                errors = WRITE_ERRORS
            content = {name: {"schema": error_body if _is_json(name) else {"type": "string"}} for name in media}
            for status, description in errors.items():
                operation["responses"].setdefault(status, {"description": description, "content": content})
    return result
