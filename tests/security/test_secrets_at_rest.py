"""Secrets at rest: after full flows of every provider, neither Redis nor its AOF holds a bearer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, quote_plus, unquote, urljoin, urlsplit

import httpx
import pytest
import redis
from asgi_lifespan import LifespanManager

from service.domain.models import Owner
from service.main import create_app
from service.providers.enode import enode_user_id
from service.store.keys import owner_tag
from tests.fakes.enode import FakeEnode, enode_car, enode_delivery
from tests.fakes.server import base_url_of, listening_socket, serving
from tests.fakes.smartcar import FakeSmartcar
from tests.providers.tesla_support import TeslaFakes, TeslaRedirect, tesla_fakes
from tests.support import BASE_URL, RedisServer, auth, make_settings, start_redis_server

FLEET_CLIENT, FLEET_SECRET, WEBHOOK_SECRET = "fleet-app-client", "fleet-app-secret", "enode-hook"
KINDS = {"page token", "state", "code", "cookie", "verifier", "access token", "refresh token"}
KINDS |= {"enode link token"}
FLOWS = ("sandbox", "tesla", "smartcar", "enode", "fleet")
TAGS = {
    owner_tag(Owner("default", f"{s}-{f}")): f"{s}-{f}" for s in ("done", "open") for f in FLOWS
}


@pytest.fixture
def aof_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of our own: AOF on, fsync always, never rewritten while the test runs."""
    directory = tmp_path / "redis"
    directory.mkdir()
    server = start_redis_server(directory, "--auto-aof-rewrite-percentage", "0", appendonly=True)
    yield server
    assert server.process is not None
    server.process.terminate()
    server.process.wait(timeout=10)


@pytest.fixture
def providers() -> Iterator[tuple[TeslaFakes, FakeSmartcar, FakeEnode]]:
    """The fake Tesla regions (owner and Fleet clients), Smartcar and Enode on loopback."""
    sc_sock, en_sock = listening_socket(), listening_socket()
    callback = f"{BASE_URL}/callbacks/smartcar"
    smartcar = FakeSmartcar("sc-client", "sc-secret", callback, base_url=base_url_of(sc_sock))
    enode = FakeEnode("enode-client", "enode-secret", base_url=base_url_of(en_sock))
    with (
        tesla_fakes() as tesla,
        serving(smartcar.build(), sc_sock),
        serving(enode.build(), en_sock),
    ):
        tesla.global_.redirect_uris[FLEET_CLIENT] = {f"{BASE_URL}/callbacks/tesla"}
        tesla.global_.fleet_secrets[FLEET_CLIENT] = FLEET_SECRET
        tesla.global_.fleet_audience = tesla.global_.base_url
        yield tesla, smartcar, enode


class Seen:
    """Every bearer value met in the flows: value -> (kind, flow)."""

    def __init__(self) -> None:
        self.values: dict[str, tuple[str, str]] = {}

    def add(self, kind: str, value: object, flow: str) -> None:
        """Remember a value (8 characters at least: shorter ones would match by chance)."""
        if isinstance(value, str) and len(value) >= 8:
            self.values.setdefault(value, (kind, flow))

    def url(self, url: object, flow: str) -> None:
        """The page token, state and code in a URL's query, and an Enode link token."""
        parts = urlsplit(str(url))
        for name, kind in (("token", "page token"), ("state", "state"), ("code", "code")):
            for value in parse_qs(parts.query).get(name, []):
                self.add(kind, value, flow)
        if parts.path.startswith("/link/"):
            self.add("enode link token", parts.path.removeprefix("/link/"), flow)


class _Form(HTMLParser):
    """A page's form: its action, its fields, and its first button (what Enter presses)."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.button: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.action = found.get("action", "")
        elif tag == "input" and "name" in found and found.get("type") != "checkbox":
            self.fields[found["name"]] = found.get("value", "")
        elif tag == "button" and "name" in found and not self.button:
            self.button = {found["name"]: found.get("value", "")}


class Browser:
    """One web view: a cookie jar, redirects followed, every URL it visits remembered."""

    def __init__(self, app: Any, seen: Seen, flow: str) -> None:
        async def visit(request: httpx.Request) -> None:
            seen.url(request.url, flow)

        self.seen, self.flow = seen, flow
        self.client = httpx.AsyncClient(
            mounts={BASE_URL: httpx.ASGITransport(app=app)},
            follow_redirects=True,
            trust_env=False,
            timeout=10,
            event_hooks={"request": [visit]},
        )

    async def submit(self, page: httpx.Response, **button: str) -> httpx.Response:
        """Send the page's form from the page's origin, with `button` or its first button."""
        form = _Form()
        form.feed(page.text)
        origin = f"{page.url.scheme}://{page.url.netloc.decode()}"
        return await self.client.post(
            urljoin(str(page.url), form.action),
            data={**form.fields, **(button or form.button)},
            headers={"Origin": origin},
        )

    async def close(self) -> None:
        """Keep its cookies (the relayed SSO cookie, a binding cookie) and close."""
        for cookie in self.client.cookies.jar:
            self.seen.add("cookie", cookie.value, self.flow)
        await self.client.aclose()


@asynccontextmanager
async def deployment(store: RedisServer, tmp_path: Path, **env: str) -> AsyncIterator[Any]:
    """The app on our Redis, with its lifespan, until the block ends."""
    secrets_file = str(tmp_path / "dev-secrets.json")
    app = create_app(make_settings(None, **store.settings(), DEV_SECRETS_FILE=secrets_file, **env))
    async with LifespanManager(app):
        yield app


async def api_call(app: Any, user: str, method: str, path: str, **kw: Any) -> httpx.Response:
    """One request of the app to the API (or of a provider to an absolute path)."""
    url = path if path.startswith("/") else f"/api/v1/users/{user}/{path}"
    headers = {**auth(user), **kw.pop("headers", {})}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as api:
        return await api.request(method, url, headers=headers, **kw)


async def leg(app: Any, seen: Seen, flow: str, finish: bool) -> None:
    """One session of a flow: to `authorized`, or left open at the provider's sign-in page."""
    user = f"{'done' if finish else 'open'}-{flow}"
    provider = {"sandbox": None, "fleet": "tesla"}.get(flow, flow)
    body = {"provider": provider} if provider else {}
    created = await api_call(app, user, "POST", "vehicles/connect-sessions", json=body)
    assert created.status_code == 201, created.text
    session = dict(created.json())
    seen.url(session["startUrl"], flow)
    browser = Browser(app, seen, flow)
    try:
        page = await browser.client.get(session["startUrl"])
        assert page.status_code == 200, page.text
        if flow == "sandbox":
            page = await browser.submit(page, provider="sandbox")
            assert page.status_code == 200 and "Sandbox" in page.text, page.text
        if finish:  # approve at the provider; Tesla owner mode: the app relays what it saw
            landed = await browser.submit(page)
            if flow == "tesla":
                assert landed.status_code == 404, landed.text  # Tesla's void page
                cookie = browser.client.cookies.get("tesla-auth.sid")
                relay = TeslaRedirect(str(landed.url), cookie).jedlix_relay()
                path = f"connect-sessions/{session['id']}/info"
                answer = await api_call(app, user, "POST", path, json=relay)
                assert answer.status_code == 200, answer.text
            else:
                assert landed.status_code == 200 and landed.url.path == "/web/end", landed.text
    finally:
        await browser.close()
    if finish and flow == "enode":
        await enode_discovers(app, user)
    read = await api_call(app, user, "GET", f"connect-sessions/{session['id']}")
    assert read.json()["status"] == ("authorized" if finish else "awaiting_external"), read.text


async def enode_discovers(app: Any, user: str) -> None:
    """Enode's signed webhook: the user's vehicle was discovered."""
    owner = Owner("default", user)
    event: dict[str, Any] = {"event": "user:vehicle:discovered", "version": "2024-10-01"}
    event |= {"createdAt": "2026-11-22T10:00:00Z", "user": {"id": enode_user_id(owner)}}
    body, headers = enode_delivery(WEBHOOK_SECRET, [{**event, "vehicle": enode_car(7)}])
    hook = await api_call(app, user, "POST", "/webhooks/enode", content=body, headers=headers)
    assert hook.status_code == 200, hook.text


def harvest(seen: Seen, tesla: TeslaFakes, smartcar: FakeSmartcar, enode: FakeEnode) -> None:
    """What the fakes issued and received: codes, verifiers, access and refresh tokens."""
    fake = tesla.global_
    for request in fake.token_requests:
        seen.add("verifier", request["body"].get("code_verifier"), "tesla token request")
    for source, codes, access, refresh in (
        ("tesla", fake.grants, fake.access_tokens, fake.refresh_tokens),
        ("smartcar", smartcar.codes, smartcar.access, smartcar.refresh),
        ("enode", {}, enode.tokens, {}),
    ):
        for kind, values in (("code", codes), ("access token", access), ("refresh token", refresh)):
            for value in values:
                seen.add(kind, value, f"{source} fake")
    for link in enode.link_requests:
        seen.url(link["redirectUri"], "enode link request")


def stored_bytes(store: RedisServer) -> dict[str, bytes]:
    """Every key of Redis with its value, and every file of the AOF, by where it was found."""
    client: Any = redis.Redis.from_url(store.url)  # bytes: values need not be text
    found: dict[str, bytes] = {}
    readers: dict[bytes, Callable[[bytes], list[bytes]]] = {
        b"string": lambda k: [client.get(k) or b""],
        b"hash": lambda k: [b for pair in client.hgetall(k).items() for b in pair],
        b"list": lambda k: client.lrange(k, 0, -1),
        b"set": lambda k: list(client.smembers(k)),
        b"zset": lambda k: [m for m, _ in client.zrange(k, 0, -1, withscores=True)],
        b"stream": lambda k: [repr(e).encode() for e in client.xrange(k)],
    }
    for key in client.scan_iter(count=500):
        kind = client.type(key)
        values = readers[kind](key) if kind in readers else []
        name = key.decode(errors="replace")
        users = [user for tag, user in TAGS.items() if tag in name]
        where = f"key {name} ({kind.decode()}{', user ' + users[0] if users else ''})"
        found[where] = b"\n".join([key, *values])
    config = client.config_get("dir", "appenddirname")
    client.close()
    aof_dir = Path(config["dir"]) / config["appenddirname"]
    files = sorted(aof_dir.iterdir())
    assert files, f"no AOF files in {aof_dir}"
    for path in files:
        found[f"AOF file {path.name}"] = path.read_bytes()
    assert any(b"vc:" in found[f"AOF file {p.name}"] for p in files), "the AOF holds no writes"
    return found


async def test_no_bearer_value_is_stored_in_redis_or_its_aof(
    aof_redis: RedisServer,
    providers: tuple[TeslaFakes, FakeSmartcar, FakeEnode],
    tmp_path: Path,
) -> None:
    """After full and open flows of every provider, no bearer value is in a key, value or AOF."""
    tesla, smartcar, enode = providers
    seen = Seen()
    sc, en = smartcar, enode
    common = {**tesla.settings(), "SMARTCAR_MODE": "test", "ENODE_WEBHOOK_SECRET": WEBHOOK_SECRET}
    common |= {f"SMARTCAR_{name}_URL": sc.base_url for name in ("CONNECT", "AUTH", "API")}
    common |= {"SMARTCAR_CLIENT_ID": sc.client_id, "SMARTCAR_CLIENT_SECRET": sc.client_secret}
    common |= {f"ENODE_{name}_URL": en.base_url for name in ("API", "OAUTH", "LINK")}
    common |= {"ENODE_CLIENT_ID": en.client_id, "ENODE_CLIENT_SECRET": en.client_secret}
    owner_mode = {"TESLA_REDIRECT_URI": f"{tesla.global_.base_url}/void/callback"}
    async with deployment(aof_redis, tmp_path, **common, **owner_mode) as app:
        for flow in FLOWS[:-1]:
            await leg(app, seen, flow, finish=True)
            await leg(app, seen, flow, finish=False)
    fleet_mode = {"TESLA_CLIENT_ID": FLEET_CLIENT, "TESLA_CLIENT_SECRET": FLEET_SECRET}
    fleet_mode |= {f"TESLA_FLEET_{name}_URL": tesla.global_.base_url for name in ("AUTH", "API")}
    async with deployment(aof_redis, tmp_path, **common, **fleet_mode) as app:
        await leg(app, seen, "fleet", finish=True)
        await leg(app, seen, "fleet", finish=False)
    harvest(seen, tesla, smartcar, enode)
    kinds = {kind for kind, _ in seen.values.values()}
    assert kinds == KINDS, f"collected only {sorted(kinds)}"
    states = {flow.split()[0] for kind, flow in seen.values.values() if kind == "state"}
    assert states == set(FLOWS), f"states seen only in {sorted(states)}"

    needles: dict[bytes, tuple[str, str]] = {}
    for value, label in seen.values.items():
        for form in {value, quote(value), quote(value, safe=""), quote_plus(value), unquote(value)}:
            if len(form) >= 8:
                needles.setdefault(form.encode(), label)
    found = sorted(
        {
            f"{kind} (from {flow}) in {where}"
            for where, blob in stored_bytes(aof_redis).items()
            for needle, (kind, flow) in needles.items()
            if needle in blob
        }
    )
    if found:
        listed = "\n".join(found[:40]) + ("\n..." if len(found) > 40 else "")
        pytest.fail(f"{len(found)} bearer value(s) at rest in Redis:\n{listed}")
