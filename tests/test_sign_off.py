import pytest
import sqlalchemy as sa
from eqia.extensions import db
from eqia.models import Assessment, EvidenceItem
from eqia.services.freeze import Frozen
from eqia.services import record


def test_expired_then_set(world):
    a = world.make_assessment("signed_off")
    h = record.content_hash(a)
    db.session.commit()
    a.title = "x"
    with pytest.raises(Frozen):
        db.session.commit()
    db.session.rollback()


def test_expired_evidence(world):
    a = world.make_assessment("signed_off")
    ev = a.evidence_items[0]
    db.session.commit()
    ev.summary = "x"
    with pytest.raises(Frozen):
        db.session.commit()
    db.session.rollback()


def test_expired_state_only(world):
    a = world.make_assessment("signed_off")
    db.session.expire(a, ["state"])
    a.title = "x"
    with pytest.raises(Frozen):
        db.session.commit()
    db.session.rollback()


def test_unfreeze(world):
    a = world.make_assessment("signed_off")
    a.state = "full_assessment"
    db.session.commit()
    db.session.expire_all()
    print(db.session.get(Assessment, a.id).state)
