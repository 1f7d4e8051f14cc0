"""Who may open which readiness page: every role within its scope, 404 outside it, login first."""

from __future__ import annotations

import pytest

PAGES = ("/readiness/units/{code}", "/readiness/units/{code}/matrix", "/readiness/units/{code}/matrix.csv",
         "/readiness/units/{code}/matrix.xlsx", "/readiness/units/{code}/gaps",
         "/readiness/units/{code}/deployment")
# Users (see conftest): admin the whole force, cdr BN, viewer A, to (training officer) B.
IN_SCOPE = {"admin": ("BN", "A", "B", "A1"), "cdr": ("BN", "A", "B", "A1"), "viewer": ("A", "A1"),
            "to": ("B",)}
OUT_OF_SCOPE = {"viewer": ("BN", "B"), "to": ("BN", "A", "A1")}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("user", sorted(IN_SCOPE))
def test_every_role_reads_the_units_of_its_scope(browser, user, page):
    client = browser(user)
    for code in IN_SCOPE[user]:
        assert client.get(page.format(code=code)).status_code == 200, (user, code)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("user", sorted(OUT_OF_SCOPE))
def test_a_unit_outside_the_scope_is_not_found(browser, user, page):
    client = browser(user)
    for code in OUT_OF_SCOPE[user]:
        resp = client.get(page.format(code=code))
        assert resp.status_code == 404, (user, code)
        assert f"Unit &#39;{code}&#39; not found" in resp.get_data(as_text=True)


def test_an_unknown_unit_is_not_found(browser):
    assert browser("admin").get("/readiness/units/NOPE").status_code == 404


@pytest.mark.parametrize("page", [*PAGES, "/readiness/"])
def test_without_login_every_page_sends_to_the_login_form(client, force, page):
    resp = client.get(page.format(code="BN"))
    assert resp.status_code == 302
    assert "/login" in resp.headers["Location"]


@pytest.mark.parametrize(("user", "home"), [("cdr", "BN"), ("viewer", "A"), ("to", "B"), ("admin", "BN")])
def test_home_opens_the_scope_root(browser, user, home):
    resp = browser(user).get("/readiness/")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/readiness/units/{home}")


def test_home_lists_the_roots_when_the_force_has_several(browser, force):
    force.unit("OTHER")
    from readiness.extensions import db

    db.session.commit()
    resp = browser("admin").get("/readiness/")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert 'href="/readiness/units/BN"' in page
    assert 'href="/readiness/units/OTHER"' in page


def test_the_navigation_offers_readiness_to_every_role(browser):
    for user in ("admin", "cdr", "viewer", "to"):
        page = browser(user).get("/readiness/units/" + IN_SCOPE[user][0]).get_data(as_text=True)
        assert '<a href="/readiness/"' in page, user


def test_a_sub_unit_outside_the_unit_is_refused_as_a_matrix_filter(browser):
    page = browser("cdr").get("/readiness/units/A/matrix?sub_unit=B").get_data(as_text=True)
    assert "B is not a unit under A." in page
    assert 'data-person="P3"' not in page
