"""Properties of every parser of outside input: no unhandled exception, round trips."""

from __future__ import annotations

import base64
import contextlib
import json
from urllib.parse import urlencode

from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain.models import Owner
from service.domain.providers import ProviderName
from service.errors import ConnectInvalidState, Forbidden, ValidationFailed
from service.flows.enode_events import parse_enode_events
from service.flows.relay import cookie_value, parse_captured_url, relayed_body
from service.flows.smartcar_events import verify_challenge
from service.security.crypto import Keyring
from service.security.sealed import leg_state, open_page_token, open_state, page_token

KEYRING = Keyring.from_setting("fz:" + base64.urlsafe_b64encode(b"\x07" * 32).decode())
COOKIE_SAFE = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=';",\\'),
    min_size=1,
    max_size=200,
)
PARAM_TEXT = st.text(min_size=1, max_size=40).filter(lambda t: "\x00" not in t)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(name=st.text(max_size=30), raw=st.text(max_size=300))
def test_cookie_values_never_crash(name: str, raw: str) -> None:
    try:
        value = cookie_value(name, raw)
    except ValidationFailed:
        return
    assert value and ";" not in value and all(ord(c) >= 32 for c in value)


@given(value=COOKIE_SAFE, domain=st.text(alphabet="abc.", max_size=20))
def test_cookie_value_round_trips_raw_and_as_devtools_row(value: str, domain: str) -> None:
    assert cookie_value("tesla-auth.sid", value) == value
    row = "\t".join(["tesla-auth.sid", value, domain, "/", "08/09/2022, 16:07:15", "96 B", "✓"])
    assert cookie_value("tesla-auth.sid", row) == value


@given(url=st.text(max_size=400))
def test_captured_urls_never_crash(url: str) -> None:
    with contextlib.suppress(ValidationFailed):
        parse_captured_url(url)


@given(
    scheme=st.sampled_from(["tesla", "https", "myapp"]),
    params=st.dictionaries(
        st.sampled_from(["code", "state", "issuer", "locale", "error"]), PARAM_TEXT, max_size=5
    ),
)
def test_captured_url_round_trips_its_query(scheme: str, params: dict[str, str]) -> None:
    url = f"{scheme}://auth/callback?{urlencode(params)}"
    assert parse_captured_url(url).params == params


@given(body=st.one_of(st.none(), st.text(max_size=300)))
def test_relayed_bodies_never_crash(body: str | None) -> None:
    result = relayed_body(body)
    assert result is None or isinstance(result, str)


@given(html=st.text(max_size=200))
def test_quoted_body_round_trips(html: str) -> None:
    assert relayed_body(json.dumps(html)) == html


@given(token=st.text(max_size=600))
@settings(max_examples=200)
def test_forged_state_and_page_tokens_are_refused_cleanly(token: str) -> None:
    with contextlib.suppress(ConnectInvalidState):
        open_state(KEYRING, token)
    with contextlib.suppress(Forbidden):
        open_page_token(KEYRING, token)


@given(
    user=st.text(min_size=1, max_size=128),
    client=st.text(min_size=1, max_size=20),
    nonce=st.text(min_size=1, max_size=30),
)
def test_state_and_page_tokens_round_trip(user: str, client: str, nonce: str) -> None:
    """Minted states and page tokens open to the parts they were minted from, and only those."""
    owner = Owner(client, user)
    kid = KEYRING.active_kid
    state = leg_state(KEYRING, kid, owner, "s-1", nonce, ProviderName.TESLA)
    claims = open_state(KEYRING, state)
    assert (claims.owner, claims.session_id, claims.nonce) == (owner, "s-1", nonce)
    assert claims.digest == KEYRING.digest(kid, state)
    assert leg_state(KEYRING, kid, owner, "s-1", nonce, ProviderName.TESLA) == state
    token = page_token(KEYRING, kid, owner, "s-1")
    page = open_page_token(KEYRING, token)
    assert (page.owner, page.session_id) == (owner, "s-1")
    assert token not in (page_token(KEYRING, kid, owner, "s-2"), state)


@given(raw=st.binary(max_size=300))
def test_enode_bodies_never_crash(raw: bytes) -> None:
    try:
        events = parse_enode_events(raw)
    except ValidationFailed:
        return
    assert all(isinstance(event, dict) for event in events)


@given(events=st.lists(st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=4), max_size=5))
def test_enode_event_lists_round_trip(events: list[dict[str, object]]) -> None:
    assert parse_enode_events(json.dumps(events).encode()) == events


@given(
    payload=st.dictionaries(
        st.sampled_from(["eventType", "eventName", "data", "payload"]), JSON_VALUES, max_size=4
    )
)
def test_smartcar_payloads_never_crash(payload: dict[str, object]) -> None:
    try:
        challenge = verify_challenge(payload)
    except ValidationFailed:
        return
    assert challenge is None or isinstance(challenge, str)
