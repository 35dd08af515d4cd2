"""Redis key names. All keys of one owner share the hash tag `{<digest of the owner>}`."""

from __future__ import annotations

import hashlib

from service.domain.models import Owner

PREFIX = "vc"


def owner_tag(owner: Owner) -> str:
    """The hash tag of an owner's keys (a digest, so any user id is safe inside braces)."""
    return "{" + hashlib.sha256(owner.key.encode()).hexdigest()[:24] + "}"


def session_key(owner: Owner, session_id: str) -> str:
    """The session record: `<version>:<json>`."""
    return f"{PREFIX}:{owner_tag(owner)}:s:{session_id}"


def session_index_key(owner: Owner) -> str:
    """Sorted set of the user's session ids by creation time."""
    return f"{PREFIX}:{owner_tag(owner)}:sessions"


def open_sessions_key(owner: Owner) -> str:
    """Sorted set of the user's sessions that may still be open, by creation time (pruned as
    they are found finished)."""
    return f"{PREFIX}:{owner_tag(owner)}:open"


def claim_key(owner: Owner, session_id: str) -> str:
    """Lease held while one request exchanges a session's code at the provider."""
    return f"{PREFIX}:{owner_tag(owner)}:claim:{session_id}"


def vehicles_key(owner: Owner) -> str:
    """Hash of the user's vehicles: id -> json."""
    return f"{PREFIX}:{owner_tag(owner)}:vehicles"


def active_vehicles_key(owner: Owner) -> str:
    """Set of the ids of the user's connected vehicles (what the limit counts)."""
    return f"{PREFIX}:{owner_tag(owner)}:active"


def credentials_key(owner: Owner) -> str:
    """Hash of encrypted provider credentials: vehicle id -> envelope."""
    return f"{PREFIX}:{owner_tag(owner)}:creds"


def refresh_lock_key(owner: Owner, vehicle_id: str) -> str:
    """Lease held while one request refreshes a vehicle's credentials."""
    return f"{PREFIX}:{owner_tag(owner)}:refresh:{vehicle_id}"


def provider_user_key(provider: str, provider_user_id: str) -> str:
    """Which owner a provider's user id (Enode's userId) stands for."""
    return f"{PREFIX}:{provider}:user:{provider_user_id}"


def webhook_delivery_key(provider: str, delivery_id: str) -> str:
    """Marks a webhook delivery as being processed or done (deduplication)."""
    return f"{PREFIX}:{provider}:delivery:{delivery_id}"


def rate_key(scope: str, subject: str, window: int) -> str:
    """Requests of one subject (a user, a client IP) in one window."""
    digest = hashlib.sha256(subject.encode()).hexdigest()[:24]
    return f"{PREFIX}:rate:{scope}:{digest}:{window}"


def sandbox_code_key(code_digest: str) -> str:
    """An authorization code issued by the sandbox provider."""
    return f"{PREFIX}:sandbox:code:{code_digest}"
