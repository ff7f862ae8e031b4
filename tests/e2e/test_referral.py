"""Intake to a partner's acceptance in a real browser: a village chief's report about three
siblings is screened and opened as a case; the worker records the mother's consent and refers
the children to the temple's meals, sharing names, ages and village only; the partner sees
exactly that and accepts; the worker sees the answer."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from casework.models import Case, ConcernCategory, Person, Team, User
from referrals.models import HelpKind, Intake, OutgoingReferral, Service

from .conftest import sign_in

pytestmark = pytest.mark.e2e

SIBLINGS = [("Sreyneang", "ស្រីនាង", 11), ("Vuthy", "វុទ្ធី", 8), ("Rachana", "រចនា", 5)]
FAMILY = "Intake Household"


def fill_date(page: Page, name: str) -> None:
    today = timezone.localdate()
    page.locator(f"input[name={name}_0]").fill(str(today.day))
    page.locator(f"input[name={name}_1]").fill(str(today.month))
    page.locator(f"input[name={name}_2]").fill(str(today.year))


def test_a_village_chiefs_report_becomes_a_referral_the_temple_accepts(
    page: Page, live_server: object, demo: None
) -> None:
    base = str(live_server)
    worker = User.objects.get(username="worker")
    team = Team.objects.get(members=worker)
    village = team.villages.order_by("pk").first()
    assert village is not None
    neglect = ConcernCategory.objects.get(code="neglect")
    temple = Service.objects.get(partner_users__username="partner")

    # The supervisor takes the village chief's call.
    sign_in(page, base, "supervisor")
    page.goto(f"{base}/intake/new/")
    page.locator("input[name=referrer_kind][value=community]").check()
    page.locator("input[name=referrer_name]").fill("The village chief (synthetic)")
    page.locator("input[name=referrer_contact]").fill("000 999 000")
    page.locator("input[name=family_name]").fill(FAMILY)
    page.locator("select[name=village]").select_option(str(village.pk))
    page.locator(f"input[name=concerns][value='{neglect.pk}']").check()
    page.locator("input[name=urgency][value=two_weeks]").check()
    page.locator("textarea[name=description]").fill(
        "Three children are alone most days since their father left; they look hungry."
    )
    rows = [
        ("Mother", "ម្តាយ", 33, "mother", False),
        *[(latin, khmer, age, "child", True) for latin, khmer, age in SIBLINGS],
    ]
    for index, (latin, khmer, age, relationship, of_concern) in enumerate(rows):
        prefix = f"people-{index}-"
        page.locator(f"input[name={prefix}given_name_latin]").fill(latin)
        page.locator(f"input[name={prefix}family_name_latin]").fill(FAMILY)
        page.locator(f"input[name={prefix}given_name_km]").fill(khmer)
        page.locator(f"input[name={prefix}approximate_age]").fill(str(age))
        page.locator(f"select[name={prefix}relationship]").select_option(relationship)
        if of_concern:
            page.locator(f"input[name={prefix}is_child_of_concern]").check()
    page.get_by_role("button", name="Record the referral").click()
    expect(page.locator(".error-summary")).to_have_count(0)
    intake = Intake.objects.get(family_name=FAMILY)

    # Screening: families of the same village with children of those ages are offered as
    # possible matches, none by name; the screener judges this a family not on record and
    # opens a case for `worker`.
    page.goto(f"{base}/intake/{intake.pk}/screen/")
    why = page.get_by_text("Why it matched:").all_inner_texts()
    assert all("name" not in line for line in why)
    page.locator("select[name=family]").select_option("")
    page.locator("input[name=decision][value=open_case]").check()
    page.locator("select[name=team]").select_option(str(team.pk))
    page.locator("select[name=worker]").select_option(str(worker.pk))
    page.locator("select[name=tier]").select_option("early")
    page.locator("select[name=risk_level]").select_option("medium")
    page.locator("textarea[name=reason]").fill(
        "Young children alone all day: assess with the mother."
    )
    page.get_by_role("button", name="Record the decision").click()
    case = Case.objects.get(family__family_name=FAMILY)
    expect(page).to_have_url(f"{base}/cases/{case.pk}/")
    assert case.worker_id == worker.pk
    assert case.children.count() == 3

    # The worker records the mother's consent for food and education services.
    page.context.clear_cookies()
    sign_in(page, base, "worker")
    mother = Person.objects.get(family=case.family, relationship=Person.Relationship.MOTHER)
    page.goto(f"{base}/cases/{case.pk}/consents/new/")
    page.locator("select[name=given_by]").select_option(str(mother.pk))
    page.locator("input[name=given_by_kind][value=caregiver]").check()
    for code in ("food", "education"):
        kind = HelpKind.objects.get(code=code)
        page.locator(f"input[name=kinds][value='{kind.pk}']").check()
    for code in ("names", "age", "village"):
        page.locator(f"input[name=information][value={code}]").check()
    page.locator("textarea[name=purpose]").fill("Meals and school support for the three children.")
    page.locator("textarea[name=how_explained]").fill(
        "Explained in Khmer at home: who would know what, and that she can say no."
    )
    page.get_by_role("button", name="Record the consent").click()
    expect(page.locator(".error-summary")).to_have_count(0)

    # The referral to the temple's meals: names, ages and village only.
    page.goto(f"{base}/cases/{case.pk}/referrals/new/?service={temple.pk}")
    page.locator("select[name=help_kind]").select_option(str(HelpKind.objects.get(code="food").pk))
    page.locator("textarea[name=need]").fill("A school-day meal for each child.")
    for child in case.children.all():
        page.locator(f"input[name=children][value='{child.pk}']").check()
    boxes = page.locator("input[name=shared_fields]")
    for index in range(boxes.count()):
        box = boxes.nth(index)
        value = box.get_attribute("value")
        if value in ("names", "age", "village"):
            box.check()
        else:
            box.uncheck()
    page.get_by_role("button", name="Save as a draft").click()
    expect(page.locator(".error-summary")).to_have_count(0)
    page.get_by_role("button", name="Send the referral").click()
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "sent")
    referral = OutgoingReferral.objects.get(case=case)
    assert sorted(referral.shared_fields) == ["age", "names", "village"]

    # The partner sees exactly those fields, nothing else about the family, and accepts.
    page.context.clear_cookies()
    sign_in(page, base, "partner")
    page.goto(f"{base}/partner/referrals/{referral.pk}/")
    shared = page.locator("[data-shared]")
    codes = {shared.nth(i).get_attribute("data-shared") for i in range(shared.count())}
    assert codes == {"names", "age", "village"}
    main = page.locator("main")
    for latin, _khmer, _age in SIBLINGS:
        expect(main).to_contain_text(latin)
    for absent in ("Mother", "000 999 000", case.reference, "A school-day meal"):
        expect(main).not_to_contain_text(absent)
    response = page.goto(f"{base}/cases/{case.pk}/")
    assert response is not None
    assert response.status == 404
    page.goto(f"{base}/partner/referrals/{referral.pk}/")
    # The partner's organisation works in Khmer: the buttons are found by what they do.
    page.locator("form:has(input[name=action][value=acknowledge]) button").click()
    page.locator("form:has(input[name=action][value=accept]) button").click()
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "accepted")

    # The worker sees the answer on the case.
    page.context.clear_cookies()
    sign_in(page, base, "worker")
    page.goto(f"{base}/cases/{case.pk}/referrals/{referral.pk}/")
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "accepted")
