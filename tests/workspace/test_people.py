"""The personnel list, the person page and the search box."""

from __future__ import annotations

from tests.workspace.conftest import LONG_FAMILY, text


def test_people_list_shows_only_the_scope_of_the_user(browser):
    page = text(browser("to").get("/workspace/people"))
    assert "AZ-1001" in page
    assert "AZ-1003" in page
    assert "AZ-2001" not in page  # BN2 is outside the training officer's BN1
    assert "3 people" in page


def test_people_list_filters_by_unit_subtree_role_status_and_qualification(browser):
    admin = browser("admin")
    assert "AZ-1001" in text(admin.get("/workspace/people?unit=BN1"))
    assert "AZ-2001" not in text(admin.get("/workspace/people?unit=BN1"))
    page = text(admin.get("/workspace/people?role=staff_officer"))
    assert "AZ-1003" in page
    assert "AZ-1001" not in page
    page = text(admin.get("/workspace/people?status=deployed"))
    assert "AZ-2002" in page
    assert "AZ-2001" not in page
    qualified = text(admin.get("/workspace/people?qualified=yes"))
    assert "AZ-1001" in qualified
    assert "AZ-1002" not in qualified
    assert "AZ-1002" in text(admin.get("/workspace/people?qualified=no"))


def test_a_bad_filter_is_shown_beside_its_field_not_applied(browser):
    page = text(browser("to").get("/workspace/people?unit=BN2"))
    assert "No unit 'BN2' in your scope." in page
    assert 'aria-invalid="true"' in page


def test_people_list_pages(browser, app):
    from readiness.extensions import db
    from readiness.personnel.services import create_people
    from tests.workspace.conftest import person_row

    create_people([person_row(f"X-{i:03}", "BN2", f"Zeynalov{i:03}", "Test") for i in range(60)], None)
    db.session.commit()
    admin = browser("admin")
    first = text(admin.get("/workspace/people?unit=BN2"))
    assert "Page 1 of 2" in first
    assert "Zeynalov049" not in first
    second = text(admin.get("/workspace/people?unit=BN2&page=2"))
    assert "Zeynalov059" in second


def test_name_search_ignores_azerbaijani_letters_and_case(browser):
    admin = browser("admin")
    for query in ("aliyev", "ƏLİYEV", "Əliyev", "elvin aliyev"):
        page = text(admin.get(f"/workspace/people?q={query}"))
        assert "AZ-1001" in page, query
        assert "AZ-2001" not in page
    assert "AZ-2002" in text(admin.get("/workspace/people?q=sukurov cingiz"))
    assert "AZ-1002" in text(admin.get("/workspace/people?q=mammadaliyev"))


def test_search_box_finds_people_and_courses(browser):
    admin = browser("admin")
    page = text(admin.get("/workspace/search?q=ilkin"))
    assert "AZ-2001" in page
    page = text(admin.get("/workspace/search?q=life saver"))
    assert "CLS" in page
    assert "Combat Life Saver" in page
    assert "CPTM" in text(admin.get("/workspace/search?q=cptm"))


def test_search_by_exact_service_number_opens_the_person(browser):
    resp = browser("admin").get("/workspace/search?q=AZ-1001")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/workspace/people/AZ-1001")


def test_search_never_shows_people_outside_the_scope(browser):
    viewer = browser("viewer")
    page = text(viewer.get("/workspace/search?q=aliyev"))
    assert "AZ-1001" not in page
    assert viewer.get("/workspace/search?q=AZ-1001").status_code == 200  # no redirect to a hidden person


def test_person_page_shows_requirements_records_results_and_history(browser):
    page = text(browser("admin").get("/workspace/people/AZ-1003"))
    assert "Quliyeva" in page
    assert "1st Peacekeeping Battalion" in page
    assert "EN SLP 2222" in page
    assert "✓ Valid" in page
    assert "CPTM" in page
    assert "✗ Missing" in page
    assert "Not qualified today" in page
    assert "SLP 3322" in page
    assert "create" in page  # history: the person and the result were created


def test_person_page_shows_completions_with_certificate_links(browser):
    page = browser("to").get("/workspace/people/AZ-1001").get_data(as_text=True)
    assert "/api/v1/completions/" in page
    assert "certificate.pdf" in page
    assert "Qualified today" in page


def test_person_outside_scope_is_not_found(browser):
    assert browser("to").get("/workspace/people/AZ-2001").status_code == 404
    assert browser("viewer").get("/workspace/people/AZ-1001").status_code == 404
    assert browser("admin").get("/workspace/people/NOPE").status_code == 404


def test_readers_see_no_write_buttons(browser):
    page = text(browser("cdr").get("/workspace/people/AZ-1001"))
    assert "Record a completion" not in page
    assert "Record a completion" in text(browser("to").get("/workspace/people/AZ-1001"))


def test_long_names_are_shown_whole(browser):
    page = text(browser("admin").get("/workspace/people/AZ-1002"))
    assert LONG_FAMILY in page
    assert "Nizami oğlu" in page


def test_pages_need_a_login(client, world):
    resp = client.get("/workspace/people")
    assert resp.status_code == 302
    assert "/login" in resp.headers["Location"]


def test_a_renamed_person_is_found_by_the_new_name(browser, app):
    from readiness.extensions import db
    from readiness.personnel.services import get_person, update_person

    update_person(get_person("AZ-2001"), {"family_name": "Çələbiyev", "service_number": "AZ-2999"}, None)
    db.session.commit()
    admin = browser("admin")
    page = text(admin.get("/workspace/people?q=calabiyev"))
    assert "AZ-2999" in page
    assert "AZ-2999" not in text(admin.get("/workspace/people?q=hasanov"))
    assert "AZ-2999" in text(admin.get("/workspace/people?q=az-2999"))


def test_service_numbers_are_found_in_part_and_in_any_case(browser):
    page = text(browser("admin").get("/workspace/people?q=az-100"))
    assert "AZ-1001" in page
    assert "AZ-1003" in page
    assert "AZ-2001" not in page
