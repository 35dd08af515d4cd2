"""Redis round trips per operation, counted with MONITOR (commands run inside scripts excluded).

Each operation runs between two marker commands (ECHO) the bench sends itself; every command a
client sent in between is one round trip of the service (it sends no pipelines). Commands a Lua
script runs (`[0 lua]` in MONITOR) are part of the script's one round trip; PING is a pooled
connection's periodic health check, not part of any operation.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import httpx
import redis

REPEAT = 5
STOP = "round-trips:stop"


@dataclass
class CommandLog:
    """Every command MONITOR showed, in order, read by a thread until the stop marker."""

    redis_url: str
    commands: list[tuple[str, str]] = field(default_factory=list)
    """(client type, command line)."""
    _ready: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        """Begin reading MONITOR in the background."""
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("MONITOR did not start")

    def _read(self) -> None:
        client = redis.Redis.from_url(self.redis_url, decode_responses=True)
        with client.monitor() as monitor:
            self._ready.set()
            while True:
                command = monitor.next_command()
                self.commands.append((command["client_type"], command["command"]))
                if STOP in command["command"]:
                    return

    def stop(self) -> None:
        """Send the stop marker and wait for the reader."""
        redis.Redis.from_url(self.redis_url).echo(STOP)
        assert self._thread is not None
        self._thread.join(10)


def _between(commands: list[tuple[str, str]], marker: str) -> list[str]:
    """The service's commands between `ECHO marker:begin` and `ECHO marker:end`."""
    lines = [line for _, line in commands]
    begin = next(i for i, line in enumerate(lines) if f"{marker}:begin" in line)
    end = next(i for i, line in enumerate(lines) if f"{marker}:end" in line)
    return [
        line.split(" ", 1)[0].strip('"').upper()
        for kind, line in commands[begin + 1 : end]
        if kind != "lua" and not line.startswith('"PING"')
    ]


@dataclass(frozen=True)
class RoundTrips:
    """An operation's round trips over its runs, and the commands of one run."""

    name: str
    counts: list[int]
    commands: Counter[str]

    def render(self) -> str:
        """`n` (or `min-max`) and the command names of a run."""
        low, high = min(self.counts), max(self.counts)
        figure = str(low) if low == high else f"{low}-{high}"
        names = ", ".join(
            f"{name} x{count}" if count > 1 else name
            for name, count in sorted(self.commands.items())
        )
        return f"{figure} ({names})"


def count_round_trips(
    redis_url: str, operations: list[tuple[str, Callable[[], Callable[[], object]]]]
) -> list[RoundTrips]:
    """Run each operation REPEAT times under MONITOR; its round trips per run.

    An operation is a preparation (not counted) that returns the call to count; each runs
    once uncounted first, so the figures are those of a warm service.
    """
    marker_client = redis.Redis.from_url(redis_url)
    log = CommandLog(redis_url)
    log.start()
    markers: list[tuple[str, str]] = []
    try:
        for name, prepare in operations:
            prepare()()  # not counted: the first use of a script loads it (SCRIPT LOAD)
            for _ in range(REPEAT):
                call = prepare()
                marker = f"round-trips:{len(markers)}"
                marker_client.echo(f"{marker}:begin")
                call()
                marker_client.echo(f"{marker}:end")
                markers.append((name, marker))
    finally:
        log.stop()
    found: dict[str, RoundTrips] = {}
    for name, marker in markers:
        sent = _between(log.commands, marker)
        known = found.get(name)
        if known is None:
            found[name] = RoundTrips(name, [len(sent)], Counter(sent))
        else:
            known.counts.append(len(sent))
    return list(found.values())


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


@dataclass
class FlowSteps:
    """The requests an app, a browser and the sandbox or Tesla sign-in make, one at a time."""

    base: str
    authorization: Callable[[str], str]
    tesla_login: Callable[[str], str] | None = None
    """Tesla's sign-in (the fake's): authorize URL -> the redirect URL the web view captures."""
    users: int = 0

    def _user(self) -> tuple[str, dict[str, str]]:
        self.users += 1
        user = f"trips-{self.users}"
        return user, {"Authorization": self.authorization(user)}

    def create(self, user: str, headers: dict[str, str], body: dict[str, str]) -> dict[str, str]:
        """POST a session (201)."""
        response = httpx.post(
            f"{self.base}/api/v1/users/{user}/vehicles/connect-sessions", headers=headers, json=body
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def sandbox_redirect(self) -> tuple[str, dict[str, str], str, str]:
        """A session up to the sandbox's redirect: user, headers, session id, redirect URL."""
        user, headers = self._user()
        session = self.create(user, headers, {})
        with httpx.Client(headers={"Origin": self.base}) as browser:
            start = urlsplit(session["startUrl"])
            browser.get(f"{self.base}{start.path}?{start.query}")  # the web view opens it
            picked = browser.post(
                f"{self.base}/web/start",
                data={"token": _query(session["startUrl"])["token"], "provider": "sandbox"},
            )
            login = _query(picked.headers["location"])
            approved = browser.post(
                f"{self.base}/sandbox/authorize",
                data={
                    "state": login["state"],
                    "redirect_uri": login["redirect_uri"],
                    "decision": "approve",
                },
            )
        return user, headers, session["id"], approved.headers["location"]

    def tesla_redirect(self) -> tuple[str, dict[str, str], str, str]:
        """A Tesla owner session up to Tesla's redirect: user, headers, id, redirect URL."""
        assert self.tesla_login is not None
        user, headers = self._user()
        session = self.create(user, headers, {"provider": "tesla"})
        return user, headers, session["id"], self.tesla_login(session["startUrl"])

    def relay(self, user: str, headers: dict[str, str], session_id: str, url: str) -> None:
        """POST /info with the captured redirect URL (200, authorized)."""
        response = httpx.post(
            f"{self.base}/api/v1/users/{user}/connect-sessions/{session_id}/info",
            headers=headers,
            json={"redirectUrl": url},
        )
        assert response.status_code == 200 and response.json()["status"] == "authorized", (
            response.text
        )

    def operations(self) -> list[tuple[str, Callable[[], Callable[[], object]]]]:
        """Every operation the bench counts, each with its preparation."""
        kept: dict[str, tuple[str, dict[str, str], str, str]] = {}

        def get_session() -> Callable[[], object]:
            user, headers = self._user()
            session = self.create(user, headers, {})
            url = f"{self.base}/api/v1/users/{user}/connect-sessions/{session['id']}"
            return lambda: httpx.get(url, headers=headers).raise_for_status()

        def create_session() -> Callable[[], object]:
            user, headers = self._user()
            return lambda: self.create(user, headers, {})

        def first(kind: str, redirect: Callable[[], tuple[str, dict[str, str], str, str]]):
            def prepare() -> Callable[[], object]:
                kept[kind] = redirect()
                return lambda: self.relay(*kept[kind])

            return prepare

        def replay(kind: str):
            def prepare() -> Callable[[], object]:
                if kind not in kept:
                    raise RuntimeError(f"no {kind} relay to replay")
                return lambda: self.relay(*kept[kind])

            return prepare

        found: list[tuple[str, Callable[[], Callable[[], object]]]] = [
            ("GET session", get_session),
            ("create session", create_session),
            ("first sandbox relay", first("sandbox", self.sandbox_redirect)),
            ("sandbox relay replay", replay("sandbox")),
        ]
        if self.tesla_login is not None:
            found += [
                ("first Tesla relay", first("tesla", self.tesla_redirect)),
                ("Tesla relay replay", replay("tesla")),
            ]
        return found


def fake_tesla_login(authorize_url: str) -> str:
    """Sign in at the fake Tesla's page; the redirect URL it sends the web view to."""
    parts = urlsplit(authorize_url)
    query = _query(authorize_url)
    with httpx.Client(base_url=f"{parts.scheme}://{parts.netloc}") as client:
        client.get("/oauth2/v3/authorize", params=query).raise_for_status()
        response = client.post(
            "/oauth2/v3/authorize", data={**query, "email": "owner@example.com", "action": "login"}
        )
    assert response.status_code == 302, response.text
    return str(response.headers["location"])
