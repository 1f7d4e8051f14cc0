"""Personnel writes tell the engine which people changed."""

from readiness.personnel.services import create_people, update_person
from readiness.signals import people_changed
from tests.factories import make_unit


def _person(sn: str, unit: str = "1BN") -> dict:
    return {"service_number": sn, "rank": "Private", "family_name": "Əliyev",
            "given_name": "Orxan", "unit": unit, "role": "rifleman"}


def test_creating_and_moving_people_sends_their_ids(app):
    make_unit("1BN")
    make_unit("2BN")
    seen: list[list[int]] = []

    def receiver(sender, person_ids):
        seen.append(sorted(person_ids))

    with people_changed.connected_to(receiver):
        people = create_people([_person("AZ-1"), _person("AZ-2")], None)
        update_person(people[0], {"unit": "2BN"}, None)
        update_person(people[1], {"rank": "Corporal"}, None)  # no readiness field
    ids = sorted(p.id for p in people)
    assert seen == [ids, [people[0].id]]
