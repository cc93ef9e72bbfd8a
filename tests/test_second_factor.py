"""The second factor: set up with a code (or its QR code), asked for after the
password, each code accepted once, recovery codes single-use, kept hashed and
replaced on request, throttled, and required of administrators. The tests set
the clock; nothing sleeps."""

from __future__ import annotations

import hashlib
import re

import pyotp
import pytest
import segno
import sqlalchemy as sa

from eqia.extensions import db
from eqia.forms.second_factor import CODE_TOO_LONG
from eqia.models import AuditEvent, RecoveryCode, User
from eqia.services import second_factor
from eqia.services.errors import NUL_REFUSED, Invalid, NotPossible
from tests.conftest import PASSWORD
from tests.test_sessions import clock, sign_in, signed_in  # noqa: F401  (clock is a fixture)


def code_for(secret: str, clock, steps: int = 0) -> str:  # noqa: F811
    return pyotp.TOTP(secret).at(clock.now.timestamp() + steps * second_factor.STEP_SECONDS)


def turn_on(user: User, clock) -> list[str]:  # noqa: F811
    """Two-factor set up through the service, as the pages do; the recovery codes."""
    secret = second_factor.start_setup(user)
    codes = second_factor.confirm_setup(user, code_for(secret, clock))
    db.session.commit()
    clock.advance(seconds=second_factor.STEP_SECONDS * 3)  # past the step that confirmed it
    return codes


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def text(response) -> str:
    return response.get_data(as_text=True)


def test_setting_up_needs_a_code_from_the_offered_secret_and_shows_recovery_codes_once(client, auth, world, clock):
    auth.sign_in(world.author)
    assert "Set up two-factor authentication" in text(client.get("/account/two-factor"))
    client.post("/account/two-factor/start")
    page = text(client.get("/account/two-factor"))
    secret = fresh(world.author).totp_pending_secret
    assert " ".join(secret[i:i + 4] for i in range(0, 32, 4)) in page and "otpauth://totp/" in page
    wrong = client.post("/account/two-factor/confirm", data={"code": code_for(secret, clock, steps=5)})
    assert wrong.status_code == 422 and second_factor.SETUP_CODE_WRONG in text(wrong)
    assert not second_factor.enabled(fresh(world.author))
    done = client.post("/account/two-factor/confirm", data={"code": code_for(secret, clock)})
    assert done.status_code == 201 and done.headers["Cache-Control"] == "no-store"
    codes = [c for c in text(done).split("<code class=\"app-token\">")[1:]]
    codes = [c.split("</code>")[0] for c in codes]
    assert len(codes) == second_factor.RECOVERY_CODES
    user = fresh(world.author)
    assert user.totp_secret == secret and user.totp_pending_secret is None
    stored = set(db.session.execute(sa.select(RecoveryCode.code_sha256)).scalars())
    assert stored == {hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes}
    assert not any(c in text(client.get("/account/two-factor")) for c in codes)
    assert "On: sign-in asks for a code" in text(client.get("/account"))
    [event] = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == second_factor.TURNED_ON_ACTION)
                                 ).scalars()
    assert (event.actor_id, event.kind, event.details) == (user.id, "account",
                                                           {"user_id": user.id, "email": user.email})


@pytest.mark.parametrize(("code", "message"), [
    ("", second_factor.CODE_MISSING), ("   ", second_factor.CODE_MISSING),
    ("1" * 101, CODE_TOO_LONG), ("12\x003456", NUL_REFUSED),
    ("<script>alert(1)</script>", second_factor.SETUP_CODE_WRONG), ("１２３４５６", second_factor.SETUP_CODE_WRONG),
])
def test_hostile_set_up_codes_are_refused_with_a_message(client, auth, world, clock, code, message):
    auth.sign_in(world.author)
    client.post("/account/two-factor/start")
    response = client.post("/account/two-factor/confirm", data={"code": code})
    assert response.status_code == 422 and message in text(response)
    assert "<script>alert" not in text(response)
    assert not second_factor.enabled(fresh(world.author))


def test_confirming_without_starting_says_to_start_again(client, auth, world, clock):
    auth.sign_in(world.author)
    response = client.post("/account/two-factor/confirm", data={"code": "123456"})
    assert response.status_code == 422 and second_factor.SETUP_NOT_STARTED in text(response)


def test_sign_in_asks_for_the_code_after_the_password_and_refuses_it_replayed(app, client, world, clock):
    turn_on(world.author, clock)
    response = sign_in(client, world.author)
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in/code")
    assert not signed_in(client)  # nothing signed in until the code
    code = code_for(world.author.totp_secret, clock)
    wrong = client.post("/sign-in/code", data={"code": code_for(world.author.totp_secret, clock, steps=-4)})
    assert wrong.status_code == 422 and second_factor.CODE_WRONG in text(wrong)
    assert client.post("/sign-in/code", data={"code": code}).headers["Location"].endswith("/my-work")
    assert signed_in(client)
    # Someone who watched the code typed, within its 30 seconds, with the password too.
    thief = app.test_client()
    sign_in(thief, world.author)
    assert client.post("/sign-in/code").status_code == 302  # signed in already: no pending sign-in here
    assert thief.post("/sign-in/code", data={"code": code}).status_code == 422
    # A code from the step before the one used is refused too; the next step's is accepted.
    assert thief.post("/sign-in/code", data={"code": code_for(world.author.totp_secret, clock, -1)}).status_code == 422
    clock.advance(seconds=second_factor.STEP_SECONDS)
    assert thief.post("/sign-in/code", data={"code": code_for(world.author.totp_secret, clock)}).status_code == 302


def test_a_recovery_code_signs_in_once(app, client, world, clock):
    codes = turn_on(world.author, clock)
    sign_in(client, world.author)
    assert client.post("/sign-in/code", data={"code": codes[3].upper()}).status_code == 302
    again = app.test_client()
    sign_in(again, world.author)
    assert again.post("/sign-in/code", data={"code": codes[3]}).status_code == 422
    assert second_factor.recovery_codes_left(fresh(world.author)) == second_factor.RECOVERY_CODES - 1


def test_the_code_page_without_a_password_first_goes_back_to_sign_in(client, world, clock):
    assert client.get("/sign-in/code").headers["Location"].endswith("/sign-in")
    assert client.post("/sign-in/code", data={"code": "123456"}).headers["Location"].endswith("/sign-in")


def test_a_half_done_sign_in_expires(client, world, clock):
    turn_on(world.author, clock)
    sign_in(client, world.author)
    clock.advance(minutes=6)
    response = client.post("/sign-in/code", data={"code": code_for(world.author.totp_secret, clock)})
    assert response.headers["Location"].endswith("/sign-in")
    assert not signed_in(client)


def test_a_password_change_ends_a_half_done_sign_in(app, client, world, clock):
    turn_on(world.author, clock)
    sign_in(client, world.author)
    fresh(world.author).set_password("another long password")
    db.session.commit()
    response = client.post("/sign-in/code", data={"code": code_for(world.author.totp_secret, clock)})
    assert response.headers["Location"].endswith("/sign-in")


@pytest.mark.parametrize(("code", "message"), [
    ("", second_factor.CODE_MISSING), ("9" * 101, CODE_TOO_LONG), ("1\x00", NUL_REFUSED),
    ("<b>123456</b>", second_factor.CODE_WRONG), ("' OR 1=1 --", second_factor.CODE_WRONG),
])
def test_hostile_sign_in_codes_are_refused_with_a_message(client, world, clock, code, message):
    turn_on(world.author, clock)
    sign_in(client, world.author)
    response = client.post("/sign-in/code", data={"code": code})
    assert response.status_code == 422 and message in text(response)
    assert "<b>123456" not in text(response)


def test_guessing_codes_is_throttled(make_app, world, clock):
    turn_on(world.author, clock)
    client = make_app(RATELIMIT_ENABLED=True, SIGN_IN_RATE_LIMIT="3 per minute").test_client()
    sign_in(client, world.author)
    answers = [client.post("/sign-in/code", data={"code": "000000"}).status_code for _ in range(4)]
    assert answers == [422, 422, 422, 429]
    assert client.post("/sign-in/code", data={"code": code_for(world.author.totp_secret, clock)}).status_code == 429


def test_turning_off_needs_a_code_or_the_password(client, auth, world, clock):
    turn_on(world.author, clock)
    sign_in(client, world.author)
    client.post("/sign-in/code", data={"code": code_for(world.author.totp_secret, clock)})
    for given in ("", "wrong password", "000000", "x" * 1001):
        response = client.post("/account/two-factor/turn-off", data={"code_or_password": given})
        assert response.status_code == 422, given
        assert second_factor.enabled(fresh(world.author))
    off = sa.select(AuditEvent).where(AuditEvent.action == second_factor.TURNED_OFF_ACTION)
    assert db.session.execute(off).first() is None  # refused: nothing on the trail
    assert client.post("/account/two-factor/turn-off",
                       data={"code_or_password": PASSWORD}).headers["Location"].endswith("/account")
    assert not second_factor.enabled(fresh(world.author))
    assert db.session.execute(off).scalar_one().details["with"] == "password"
    assert db.session.execute(sa.select(sa.func.count()).select_from(RecoveryCode)).scalar_one() == 0


def test_turning_off_with_a_code(client, world, clock):
    turn_on(world.author, clock)
    sign_in(client, world.author)
    client.post("/sign-in/code", data={"code": code_for(world.author.totp_secret, clock)})
    clock.advance(seconds=second_factor.STEP_SECONDS)
    client.post("/account/two-factor/turn-off", data={"code_or_password": code_for(world.author.totp_secret, clock)})
    assert not second_factor.enabled(fresh(world.author))
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == second_factor.TURNED_OFF_ACTION)
                               ).scalar_one()
    assert (event.actor_id, event.details["with"]) == (world.author.id, "code")


def test_an_admin_without_a_second_factor_sets_one_up_before_anything_else(make_app, world, clock):
    client = make_app(EQIA_ADMIN_TOTP_REQUIRED=True).test_client()
    sign_in(client, world.admin)
    for path in ("/my-work", "/account", "/account/sessions", "/assessments"):
        assert client.get(path).headers["Location"].endswith("/account/two-factor"), path
    assert client.post("/account/tokens", data={"label": "x"}).headers["Location"].endswith("/account/two-factor")
    page = text(client.get("/account/two-factor"))
    assert "Administrators must set up two-factor authentication" in page
    client.post("/account/two-factor/start")
    secret = fresh(world.admin).totp_pending_secret
    assert client.post("/account/two-factor/confirm", data={"code": code_for(secret, clock)}).status_code == 201
    assert signed_in(client)
    refused = client.post("/account/two-factor/turn-off", data={"code_or_password": PASSWORD})
    assert refused.status_code == 409 and second_factor.TURN_OFF_REQUIRED in text(refused)
    # Others are not asked.
    author = make_app(EQIA_ADMIN_TOTP_REQUIRED=True).test_client()
    sign_in(author, world.author)
    assert signed_in(author)


def test_guessing_the_set_up_code_or_turn_off_secret_is_throttled(make_app, world, clock):
    client = make_app(RATELIMIT_ENABLED=True, SIGN_IN_RATE_LIMIT="2 per minute").test_client()
    sign_in(client, world.author)
    client.post("/account/two-factor/start")
    answers = [client.post("/account/two-factor/confirm", data={"code": "000000"}).status_code for _ in range(3)]
    assert answers == [422, 422, 429]
    assert not second_factor.enabled(fresh(world.author))


def dark_modules(svg: str) -> set[tuple[int, int]]:
    """The (column, row) of each dark module the SVG draws, read from segno's path of
    horizontal runs ("M4 4.5h7m1 0h1..."), in modules, quiet zone included."""
    path = re.search(r'<path stroke="[^"]+" d="([^"]+)"', svg).group(1)
    x = y = 0.0
    dark = set()
    for command, a, b in re.findall(r"([Mmh])(-?[0-9.]+)(?: (-?[0-9.]+))?", path):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            dark.update((int(x) + i, int(y)) for i in range(int(a)))
            x += float(a)
    return dark


def test_the_qr_code_draws_the_address_on_white_with_a_quiet_zone_at_about_200_pixels():
    uri = ("otpauth://totp/Demo%20Borough%20Council:author%40example.test"
           "?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Demo%20Borough%20Council")
    svg = second_factor.qr_code_svg(uri)
    symbol = segno.make(uri, error="m", micro=False, boost_error=False)
    quiet = second_factor.QR_QUIET_ZONE
    expected = {(x + quiet, y + quiet)
                for y, row in enumerate(symbol.matrix) for x, dark in enumerate(row) if dark}
    assert dark_modules(svg) == expected
    assert dark_modules(second_factor.qr_code_svg(uri.replace("JBSW", "KBSW"))) != expected
    # Inline in the page, drawn without a style attribute, which the CSP would block.
    assert svg.startswith("<svg ") and "<?xml" not in svg and "style=" not in svg
    size = int(re.search(r'width="([0-9]+)"', svg).group(1))
    assert 180 <= size <= 240 and f'height="{size}"' in svg
    modules = symbol.symbol_size(scale=1, border=quiet)[0]
    assert f'fill="{second_factor.QR_LIGHT}" d="M0 0h{modules}v{modules}h-{modules}z"' in svg
    assert f'stroke="{second_factor.QR_DARK}"' in svg


def test_the_set_up_page_shows_the_pending_secret_as_a_qr_code_beside_the_key(client, auth, world, clock):
    auth.sign_in(world.author)
    client.post("/account/two-factor/start")
    secret = fresh(world.author).totp_pending_secret
    uri = (f"otpauth://totp/Demo%20Borough%20Council:author%40example.test?secret={secret}"
           "&issuer=Demo%20Borough%20Council")
    page = text(client.get("/account/two-factor"))
    assert second_factor.qr_code_svg(uri) in page and f"secret={secret}" in page
    assert '<div class="app-qr" id="totp-qr" role="img"' in page
    assert "If you cannot scan it, type in the key shown in the next step." in page
    assert " ".join(secret[i:i + 4] for i in range(0, 32, 4)) in page
    assert fresh(world.author).totp_pending_secret == secret  # showing it changed nothing


def signed_in_with_a_code(client, user: User, clock) -> None:  # noqa: F811
    sign_in(client, user)
    client.post("/sign-in/code", data={"code": code_for(user.totp_secret, clock)})
    clock.advance(seconds=second_factor.STEP_SECONDS)  # the next code is a new one


def replacements(user: User) -> list[AuditEvent]:
    return db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == second_factor.RECOVERY_CODES_REPLACED_ACTION)).scalars().all()


def test_new_recovery_codes_replace_the_old_ones_at_once_and_are_on_the_trail(app, world, clock):
    old = turn_on(world.author, clock)
    user = fresh(world.author)
    new = second_factor.replace_recovery_codes(user, code_for(user.totp_secret, clock))
    db.session.commit()
    assert len(set(new)) == second_factor.RECOVERY_CODES and not set(new) & set(old)
    user = fresh(world.author)
    assert not any(second_factor.check_code(user, code) for code in old)
    assert second_factor.check_code(user, new[0]) and not second_factor.check_code(user, new[0])
    assert second_factor.recovery_codes_left(user) == second_factor.RECOVERY_CODES - 1
    [event] = replacements(user)
    assert (event.actor_id, event.kind, event.details) == (
        user.id, "account", {"user_id": user.id, "email": "author@example.test"})


@pytest.mark.parametrize("given", ["", None, "000000", "recovery", "used", "<b>1</b>"])
def test_new_recovery_codes_need_a_current_code_from_the_app(app, world, clock, given):
    old = turn_on(world.author, clock)
    user = fresh(world.author)
    used = code_for(user.totp_secret, clock)
    assert second_factor.check_code(user, used)
    given = {"recovery": old[0], "used": used}.get(given, given)
    with pytest.raises(Invalid) as refused:
        second_factor.replace_recovery_codes(user, given)
    assert [p.message for p in refused.value.problems] == [second_factor.SETUP_CODE_WRONG]
    db.session.commit()
    user = fresh(world.author)
    assert second_factor.recovery_codes_left(user) == second_factor.RECOVERY_CODES
    assert second_factor.check_code(user, old[1]) and replacements(user) == []


def test_new_recovery_codes_need_the_second_factor_on(app, world, clock):
    with pytest.raises(NotPossible):
        second_factor.replace_recovery_codes(world.author, "123456")


def test_the_page_gives_new_recovery_codes_once_for_a_current_code(client, world, clock):
    old = turn_on(world.author, clock)
    signed_in_with_a_code(client, world.author, clock)
    page = text(client.get("/account/two-factor"))
    assert "Get new recovery codes" in page and "A recovery code cannot be used here" in page
    empty = client.post("/account/two-factor/recovery-codes", data={"code": " "})
    assert empty.status_code == 422 and "govuk-error-summary" in text(empty)
    assert second_factor.CODE_MISSING in text(empty)
    wrong = client.post("/account/two-factor/recovery-codes", data={"code": old[0]})
    assert wrong.status_code == 422 and second_factor.SETUP_CODE_WRONG in text(wrong)
    assert second_factor.recovery_codes_left(fresh(world.author)) == second_factor.RECOVERY_CODES
    done = client.post("/account/two-factor/recovery-codes",
                       data={"code": code_for(world.author.totp_secret, clock)})
    assert done.status_code == 201 and done.headers["Cache-Control"] == "no-store"
    assert "New recovery codes" in text(done)
    assert "again. Your old recovery codes no longer work." in text(done)
    new = re.findall(r'<code class="app-token">([a-z2-7-]+)</code>', text(done))
    assert len(new) == second_factor.RECOVERY_CODES
    stored = set(db.session.execute(sa.select(RecoveryCode.code_sha256)).scalars())
    assert stored == {hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in new}
    assert not any(c in text(client.get("/account/two-factor")) for c in new)


def test_the_page_refuses_new_recovery_codes_with_the_second_factor_off(client, auth, world, clock):
    auth.sign_in(world.author)
    refused = client.post("/account/two-factor/recovery-codes", data={"code": "123456"})
    assert refused.status_code == 409 and second_factor.NOT_ON in text(refused)


def test_guessing_the_code_for_new_recovery_codes_is_throttled(make_app, world, clock):
    turn_on(world.author, clock)
    client = make_app(RATELIMIT_ENABLED=True, SIGN_IN_RATE_LIMIT="2 per minute").test_client()
    signed_in_with_a_code(client, world.author, clock)
    answers = [client.post("/account/two-factor/recovery-codes", data={"code": "000000"}).status_code
               for _ in range(3)]
    assert answers == [422, 422, 429]
