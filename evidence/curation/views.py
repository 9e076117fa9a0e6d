"""Curation pages outside the admin: the release downloads and a reader's "flag an error" form."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import FormView, TemplateView

from evidence.api.reference_formats import LABELS as FORMAT_LABELS
from evidence.curation import workflow
from evidence.curation.release import MANIFEST, VERSION_RE, ReleaseError, read_manifest, releases_dir
from evidence.models import Evidence, public_id_to_pk
from evidence.models.curation import FlagReason
from exoresist.counters import increment
from exoresist.middleware import client_ip
from exoresist.transactions import AtomicWritesMixin


def list_releases() -> list[dict]:
    """Every complete release (one with a readable manifest), newest first."""
    directory = releases_dir()
    releases = []
    for path in directory.iterdir() if directory.is_dir() else []:
        if not path.is_dir() or not VERSION_RE.match(path.name):
            continue
        try:
            manifest = read_manifest(path)
        except ReleaseError:
            continue
        files = [{"name": name, **meta} for name, meta in sorted(manifest["files"].items())]
        files.append({"name": MANIFEST, "sha256": "", "bytes": (path / MANIFEST).stat().st_size})
        releases.append({**manifest, "files": files})
    return sorted(releases, key=lambda r: (r.get("date", ""), r["version"]), reverse=True)


class ReleaseListView(AtomicWritesMixin, TemplateView):
    template_name = "evidence/curation/releases.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(releases=list_releases(), **kwargs)


#: The live exports on the downloads page: (title, API path, what a row is, formats).
LIVE_EXPORTS = [
    ("Evidence", "evidence", "one accepted finding", ("csv", "tsv", "json")),
    ("Citations", "citations", "one publication", ("csv", "tsv", "bibtex", "ris", "csljson", "json")),
    ("Drugs", "drugs", "one drug, with its aliases and classes", ("csv", "tsv", "json")),
    ("Cargo molecules", "cargos", "one cargo molecule", ("csv", "tsv", "json")),
    ("Cells", "cells", "one cell line, derivative or biofluid", ("csv", "tsv", "json")),
    ("Mechanisms", "mechanisms", "one term of the mechanism vocabulary", ("csv", "tsv", "json")),
    ("Therapy classes", "therapy-classes", "one therapy class", ("csv", "tsv", "json")),
]


def _export_link(path: str, fmt: str) -> tuple[str, str]:
    return FORMAT_LABELS.get(fmt, fmt.upper()), f"/api/v1/{path}/" + ("" if fmt == "json" else f"?format={fmt}")


class DownloadsView(AtomicWritesMixin, TemplateView):
    """Everything one can take away: the live exports, the dated releases, the API."""

    template_name = "evidence/curation/downloads.html"

    def get_context_data(self, **kwargs):
        exports = [
            {"title": title, "rows": rows, "links": [_export_link(path, fmt) for fmt in formats]}
            for title, path, rows, formats in LIVE_EXPORTS
        ]
        releases = list_releases()
        latest = releases[0] if releases else None
        return super().get_context_data(exports=exports, latest=latest, older=releases[1:], **kwargs)


def release_file(request, version: str, filename: str):
    """Serve a file of a release, only when the release's manifest lists it."""
    if not VERSION_RE.match(version):
        raise Http404("No such release.")
    path = releases_dir() / version
    try:
        manifest = read_manifest(path)
    except ReleaseError:
        raise Http404("No such release.") from None
    if filename != MANIFEST and filename not in manifest["files"]:
        raise Http404("No such file in this release.")
    return FileResponse((path / filename).open("rb"), as_attachment=True, filename=filename)


class FlagForm(forms.Form):
    reason = forms.ChoiceField(choices=FlagReason.choices)
    description = forms.CharField(widget=forms.Textarea, max_length=5000, help_text="What is wrong, and how you know.")
    email = forms.EmailField(required=False, help_text="Optional: to hear how it was resolved.")


class FlagEvidenceView(AtomicWritesMixin, FormView):
    """Any reader may flag a possible error in public evidence; an editor resolves it."""

    template_name = "evidence/curation/flag_form.html"
    form_class = FlagForm

    def dispatch(self, request, *args, **kwargs):
        pk = public_id_to_pk(kwargs["public_id"])
        self.evidence = get_object_or_404(Evidence.objects.visible_to(request.user), pk=pk or 0)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(evidence=self.evidence, **kwargs)

    def post(self, request, *args, **kwargs):
        # Per client address and hour: a reader flags an error, a script floods the editors.
        if increment(f"exoresist:flags:{client_ip(request)}", 3600) > settings.EXORESIST_FLAGS_PER_HOUR:
            response = self.render_to_response(self.get_context_data(throttled=True))
            response.status_code = 429
            response["Retry-After"] = "3600"
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            workflow.raise_flag(
                self.evidence,
                form.cleaned_data["description"],
                reason=form.cleaned_data["reason"],
                user=self.request.user,
                email=form.cleaned_data["email"],
            )
        except workflow.WorkflowError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, "Thank you: an editor will check this evidence item.")
        return redirect(self.evidence.get_absolute_url())
