"""Small helpers shared by the API tests."""


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content[:500]
    return {item["id"] for item in response.json()["results"]}


def pub(*evidence) -> set[str]:
    return {e.public_id for e in evidence}
