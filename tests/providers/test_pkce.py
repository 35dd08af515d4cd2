"""PKCE S256 against RFC 7636's own test vector."""

from __future__ import annotations

from service.providers.pkce import challenge_for, new_pkce_pair
from tests.fakes.tesla import s256

VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_rfc7636_vector() -> None:
    assert challenge_for(VERIFIER) == CHALLENGE
    assert s256(VERIFIER) == CHALLENGE


def test_new_pairs_are_fresh_and_well_formed() -> None:
    pairs = {new_pkce_pair() for _ in range(20)}
    assert len({p.verifier for p in pairs}) == 20
    for pair in pairs:
        assert 43 <= len(pair.verifier) <= 128
        assert "=" not in pair.verifier and "=" not in pair.challenge
        assert s256(pair.verifier) == pair.challenge
