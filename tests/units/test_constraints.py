"""The database itself refuses a broken unit tree, whatever writes to it."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from readiness.extensions import db
from tests.factories import make_unit


def _set_parent(child_id: int, parent_id: int) -> None:
    db.session.execute(text("UPDATE units SET parent_id = :p WHERE id = :c"),
                       {"p": parent_id, "c": child_id})
    db.session.flush()


def test_database_refuses_a_unit_as_its_own_parent(app):
    unit = make_unit("PKB")
    with pytest.raises(DBAPIError):
        _set_parent(unit.id, unit.id)
    db.session.rollback()


def test_database_refuses_a_unit_under_its_own_descendant(app):
    root = make_unit("PKB")
    make_unit("1BN", "PKB")
    leaf = make_unit("1BN-A", "1BN")
    with pytest.raises(DBAPIError, match="own ancestor"):
        _set_parent(root.id, leaf.id)
    db.session.rollback()


def test_database_allows_a_move_to_another_branch(app):
    make_unit("PKB")
    other = make_unit("OTHER")
    bn = make_unit("1BN", "PKB")
    _set_parent(bn.id, other.id)
    db.session.commit()
    assert db.session.scalar(text("SELECT parent_id FROM units WHERE code = '1BN'")) == other.id


def test_database_refuses_negative_strength(app):
    make_unit("PKB")
    with pytest.raises(DBAPIError):
        db.session.execute(text("UPDATE units SET authorized_strength = -1"))
    db.session.rollback()
