"""factory_boy factories: one per curated model, valid by default."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from evidence import models
from evidence.choices import CargoKind, CellKind, Effect, EvidenceLevel, EvidenceType, Status


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.is_staff = True
            self.groups.add(*[Group.objects.get(name=name) for name in extracted])
        if create:
            self.save()


class TherapyClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.TherapyClass
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"therapy-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").capitalize())


class MechanismFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Mechanism
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"mechanism-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").capitalize())


class DrugFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Drug
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"drugamab {n}")
    slug = factory.LazyAttribute(lambda o: o.name.replace(" ", "-"))
    drug_class = "anthracycline"
    therapy_class = factory.SubFactory(TherapyClassFactory, slug="chemotherapy", name="Chemotherapy")


class DrugAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.DrugAlias

    entity = factory.SubFactory(DrugFactory)
    name = factory.Sequence(lambda n: f"DRG{n}")


class CargoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Cargo
        django_get_or_create = ["slug"]

    symbol = factory.Sequence(lambda n: f"GENE{n}")
    slug = factory.LazyAttribute(lambda o: o.symbol.lower())
    kind = CargoKind.PROTEIN


class CargoAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CargoAlias

    entity = factory.SubFactory(CargoFactory)
    name = factory.Sequence(lambda n: f"PROT{n}")


class CellFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Cell
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"CELL-{n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower())
    kind = CellKind.CELL_LINE


class CellAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CellAlias

    entity = factory.SubFactory(CellFactory)
    name = factory.Sequence(lambda n: f"CELL{n}")


class CancerTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CancerType
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"cancer-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " "))


class DrugClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.DrugClass
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"class-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " "))


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Citation

    doi = factory.Sequence(lambda n: f"10.1000/exo.{n}")
    bibtex_key = factory.Sequence(lambda n: f"author{n}")
    title = factory.Sequence(lambda n: f"Exosomes transfer resistance, part {n}")
    authors = factory.LazyFunction(lambda: ["Smith, Jane", "Doe, John"])
    journal = "J. Extracell. Vesicles"
    year = 2020


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Evidence
        skip_postgeneration_save = True

    statement = factory.Sequence(lambda n: f"Exosomal cargo {n} from resistant cells confers resistance.")
    citation = factory.SubFactory(CitationFactory)
    therapy_class = factory.SubFactory(TherapyClassFactory, slug="chemotherapy", name="Chemotherapy")
    effect = Effect.CONFERS_RESISTANCE
    evidence_type = EvidenceType.PREDICTIVE
    level = EvidenceLevel.D
    status = Status.ACCEPTED

    @factory.post_generation
    def drugs(self, create, extracted, **kwargs):
        if create and extracted:
            self.drugs.set(extracted)

    @factory.post_generation
    def cargos(self, create, extracted, **kwargs):
        if create and extracted:
            self.cargos.set(extracted)

    @factory.post_generation
    def mechanisms(self, create, extracted, **kwargs):
        if create and extracted:
            self.mechanisms.set(extracted)
