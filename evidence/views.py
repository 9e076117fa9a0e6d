"""Public HTML pages: thin, declarative views over the managers' querysets."""

from django.http import Http404
from django.views.generic import DetailView, TemplateView

from evidence.models import Cargo, Cell, Citation, Drug, Evidence, Mechanism, TherapyClass, public_id_to_pk


class HomeView(TemplateView):
    template_name = "evidence/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["counts"] = {
            "evidence": Evidence.objects.public().count(),
            "citations": Citation.objects.count(),
            "drugs": Drug.objects.count(),
            "cargos": Cargo.objects.count(),
        }
        context["recent"] = Evidence.objects.public().with_related().order_by("-reviewed_at", "-id")[:10]
        return context


class EvidenceDetailView(DetailView):
    template_name = "evidence/evidence_detail.html"
    context_object_name = "evidence"

    def get_object(self, queryset=None):
        pk = public_id_to_pk(self.kwargs["public_id"])
        if pk is None:
            raise Http404("No such evidence item.")
        queryset = Evidence.objects.visible_to(self.request.user).with_related()
        try:
            return queryset.get(pk=pk)
        except Evidence.DoesNotExist:
            raise Http404("No such evidence item.") from None


class EntityDetailView(DetailView):
    template_name = "evidence/entity_detail.html"
    context_object_name = "entity"
    evidence_filter: str = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["evidence_list"] = (
            Evidence.objects.public().filter(**{self.evidence_filter: self.object}).with_related().distinct()
        )
        return context


class DrugDetailView(EntityDetailView):
    queryset = Drug.objects.select_related("therapy_class").prefetch_related("aliases")
    evidence_filter = "drugs"


class CargoDetailView(EntityDetailView):
    queryset = Cargo.objects.prefetch_related("aliases")
    evidence_filter = "cargos"


class CellDetailView(EntityDetailView):
    queryset = Cell.objects.select_related("parent").prefetch_related("aliases")

    def get_context_data(self, **kwargs):
        context = super(EntityDetailView, self).get_context_data(**kwargs)
        from django.db.models import Q

        context["evidence_list"] = (
            Evidence.objects.public().filter(Q(source_cell=self.object) | Q(recipient_cell=self.object)).with_related()
        )
        return context


class MechanismDetailView(EntityDetailView):
    queryset = Mechanism.objects.select_related("parent")
    evidence_filter = "mechanisms"


class TherapyClassDetailView(EntityDetailView):
    queryset = TherapyClass.objects.all()
    evidence_filter = "therapy_class"


class CitationDetailView(EntityDetailView):
    queryset = Citation.objects.all()
    evidence_filter = "citation"
