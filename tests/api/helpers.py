"""Small helpers shared by the API tests."""

from django.db import connection


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content[:500]
    return {item["id"] for item in response.json()["results"]}


def pub(*evidence) -> set[str]:
    return {e.public_id for e in evidence}


def stale_documents() -> list[int]:
    """Items whose stored document is missing or differs from one built afresh."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.id FROM evidence_evidence e"
            " LEFT JOIN evidence_document d ON d.evidence_id = e.id"
            " LEFT JOIN exoresist_document(ARRAY(SELECT id FROM evidence_evidence)) f ON f.id = e.id"
            " WHERE d.document IS DISTINCT FROM f.document ORDER BY e.id"
        )
        return [row[0] for row in cursor.fetchall()]
