"""Reads go to the replicas, writes (and the reads that must see them) to the primary.

The replica is a second real database (``<test database>_replica``) migrated like the
primary but holding different rows, so a test can tell from the answer which database served it.
"""

import copy

import pytest
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections

from evidence.models import Evidence, TherapyClass
from exoresist import db_router
from exoresist.db_router import PrimaryReplicaRouter
from exoresist.middleware import PIN_COOKIE
from tests.databases import create_database
from tests.factories import TherapyClassFactory, UserFactory
from tests.production.conftest import make_client

REPLICA = "replica1"


@pytest.fixture(scope="session")
def replica_database(django_db_setup, django_db_blocker):
    default = connections[DEFAULT_DB_ALIAS].settings_dict
    with django_db_blocker.unblock():
        conf = copy.deepcopy(create_database("replica"))
    conf["TEST"] = {"MIRROR": None, "NAME": None}
    conf["ATOMIC_REQUESTS"] = False
    connections.settings[REPLICA] = connections.configure_settings({DEFAULT_DB_ALIAS: default, REPLICA: conf})[REPLICA]
    with django_db_blocker.unblock():
        call_command("migrate", database=REPLICA, verbosity=0)
    yield REPLICA
    connections[REPLICA].close()
    del connections.settings[REPLICA]


@pytest.fixture
def replicated(replica_database, settings):
    """Same slug on both databases, different names: the answer says which one served."""
    settings.EXORESIST_REPLICAS = [REPLICA]
    settings.ROOT_URLCONF = "tests.production.replica_urls"
    TherapyClassFactory(slug="endocrine", name="Endocrine (primary)")
    TherapyClass.objects.using(REPLICA).create(slug="endocrine", name="Endocrine (replica)")


def test_without_replicas_everything_uses_the_primary(settings):
    settings.EXORESIST_REPLICAS = []
    router = PrimaryReplicaRouter()
    tokens = db_router.start_request(pinned=False)
    try:
        assert router.db_for_read(TherapyClass) == DEFAULT_DB_ALIAS
        assert router.db_for_write(TherapyClass) == DEFAULT_DB_ALIAS
    finally:
        db_router.end_request(tokens)


def test_reads_go_to_a_replica_until_the_request_writes(settings):
    settings.EXORESIST_REPLICAS = ["replica1", "replica2"]
    router = PrimaryReplicaRouter()
    chosen = set()
    for _ in range(50):
        tokens = db_router.start_request(pinned=False)
        try:
            # One replica for the whole request: its count and its rows agree.
            reads = {router.db_for_read(model) for model in (TherapyClass, TherapyClass, Evidence)}
            assert len(reads) == 1
            chosen |= reads
        finally:
            db_router.end_request(tokens)
    assert chosen == {"replica1", "replica2"}, "requests share the load"
    tokens = db_router.start_request(pinned=False)
    try:
        assert router.db_for_read(TherapyClass) in {"replica1", "replica2"}
        assert router.db_for_write(TherapyClass) == DEFAULT_DB_ALIAS
        assert router.db_for_read(TherapyClass) == DEFAULT_DB_ALIAS
    finally:
        db_router.end_request(tokens)
    tokens = db_router.start_request(pinned=False)
    try:
        assert router.db_for_read(TherapyClass) in {"replica1", "replica2"}, "the pin leaked into the next request"
    finally:
        db_router.end_request(tokens)


def test_a_pinned_request_reads_from_the_primary(settings):
    settings.EXORESIST_REPLICAS = ["replica1"]
    tokens = db_router.start_request(pinned=True)
    try:
        assert PrimaryReplicaRouter().db_for_read(TherapyClass) == DEFAULT_DB_ALIAS
    finally:
        db_router.end_request(tokens)


@pytest.mark.django_db(databases=[DEFAULT_DB_ALIAS, REPLICA])
def test_anonymous_reads_are_served_by_the_replica(replicated):
    response = make_client("anonymous").get("/name/endocrine/")
    assert response.content == b"Endocrine (replica)"


@pytest.mark.django_db(databases=[DEFAULT_DB_ALIAS, REPLICA])
def test_signed_in_curators_read_from_the_primary(replicated):
    client = make_client("anonymous")
    client.force_login(UserFactory(username="pinned-curator", groups=["Curators"]))
    assert client.get("/name/endocrine/").content == b"Endocrine (primary)"


@pytest.mark.django_db(databases=[DEFAULT_DB_ALIAS, REPLICA])
def test_a_write_then_a_read_in_one_request_hits_the_primary(replicated):
    client = make_client("anonymous")
    response = client.get("/write-then-read/")
    assert response.status_code == 200
    assert response.content == b"Written in this request"
    assert not TherapyClass.objects.using(REPLICA).filter(slug="written-in-request").exists()
    # ... and the writer's next requests stay on the primary while the replicas catch up.
    assert response.cookies[PIN_COOKIE]["max-age"] > 0
    assert client.get("/name/written-in-request/").content == b"Written in this request"
    assert make_client("anonymous").get("/name/written-in-request/").content == b"not found"


@pytest.mark.django_db(databases=[DEFAULT_DB_ALIAS, REPLICA])
def test_pages_are_served_from_the_replica(replicated, graph):
    """A whole page (not just one query) renders from the replica: the stand-in has none of the evidence."""
    response = make_client("anonymous").get(graph.get_absolute_url())
    assert response.status_code == 404


@pytest.mark.django_db(databases=[DEFAULT_DB_ALIAS, REPLICA])
def test_the_pictures_written_in_sql_read_the_database_of_their_items(replica_database, graph):
    """The network's and the matrix's SQL run where their queryset reads: the replica, which
    holds none of the primary's evidence, draws nothing."""
    from evidence.models import Evidence
    from evidence.site import graphs

    primary, replica = Evidence.objects.public(), Evidence.objects.using(REPLICA).public()
    assert graphs.network(primary)["links"] and graphs.matrix(primary)["max"] == 1
    assert graphs.network(replica)["links"] == [] and graphs.matrix(replica)["max"] == 0


@pytest.mark.django_db(databases=[DEFAULT_DB_ALIAS, REPLICA])
def test_a_list_read_from_the_replica_counts_its_facets_there(replicated, graph):
    """The facet counts are written SQL over the list's queryset and the stored counts: an
    anonymous list page reads all of it from the replica, not its rows from one database and
    its counts from another."""
    for url in ["/evidence/", f"/evidence/?level={graph.level}", "/evidence/?q=doxorubicin"]:
        response = make_client("anonymous").get(url)
        assert response.status_code == 200
        assert len(response.context["page"]) == 0, url
        counted = [(f.param, v.value) for f in response.context["facets"] for v in f.values if v.count]
        assert counted == [], url
