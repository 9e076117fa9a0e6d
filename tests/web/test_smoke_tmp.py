import pytest
URLS = ["/", "/evidence/", "/evidence/?drug=ADM&level=C", "/drugs/", "/cargos/", "/cells/", "/mechanisms/", "/therapy-classes/", "/citations/",
 "/drugs/doxorubicin/", "/cargos/hsa-mir-155-5p/", "/cells/mcf-7/", "/mechanisms/drug-efflux/", "/therapy-classes/chemotherapy/",
 "/search/?q=taxol", "/search/?q=mir", "/search/typeahead/?q=adr", "/network.json", "/matrix.json", "/matrix.json?rows=drug", "/network/", "/matrix/"]
@pytest.mark.parametrize("url", URLS)
def test_smoke(client, demo, url):
    r = client.get(url)
    assert r.status_code in (200, 302), (url, r.status_code)
def test_detail(client, demo):
    e = demo.evidence[0]
    r = client.get(e.get_absolute_url()); assert r.status_code == 200
    r = client.get(demo.citations["review"].get_absolute_url()); assert r.status_code == 200
