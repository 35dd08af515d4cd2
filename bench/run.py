"""`make bench`: the service against the bare stack, under wrk, on one real Redis.

python -m bench.run            # 10 s a case, 200-user load for 30 s, writes bench/RESULTS.md
python -m bench.run --smoke    # 1 s a case, a tiny load: proves the bench works (CI)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from statistics import median
from urllib.parse import parse_qs, urlsplit

import httpx
import redis

from bench.load import _token, run_load
from bench.round_trips import FlowSteps, RoundTrips, count_round_trips, fake_tesla_login
from tests.fakes.server import base_url_of, listening_socket, serving
from tests.fakes.tesla import OWNER_CLIENT, FakeTesla

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-jwt-secret-0123456789abcdefghijklmnopqrstuvwxyz"
CONNECTIONS = 32
USER = "bench-user"


@dataclass
class Case:
    """wrk's figures for one case: requests, the time they took, and every latency seen."""

    name: str
    requests: int
    seconds: float
    non_2xx: int
    latencies: Counter[int]
    """Latency in µs → how many requests took it (wrk's own histogram)."""

    @property
    def rps(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def p50_ms(self) -> float:
        """Median latency in ms."""
        return self.percentile_ms(50)

    @property
    def p99_ms(self) -> float:
        """99th percentile latency in ms."""
        return self.percentile_ms(99)

    def percentile_ms(self, percent: float) -> float:
        """The latency (ms) that percent of the requests stayed within (as wrk computes it)."""
        wanted = sum(self.latencies.values()) * percent / 100
        seen = 0
        for value in sorted(self.latencies):
            seen += self.latencies[value]
            if seen >= wanted:
                return value / 1000
        return 0.0


def combined(cases: list[Case]) -> Case:
    """Several runs of one case as one: requests, time and latencies summed."""
    latencies: Counter[int] = Counter()
    for case in cases:
        latencies.update(case.latencies)
    return Case(
        cases[0].name,
        sum(case.requests for case in cases),
        sum(case.seconds for case in cases),
        sum(case.non_2xx for case in cases),
        latencies,
    )


def free_port() -> int:
    """A free loopback port."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def split_cores() -> tuple[set[int], set[int]]:
    """(server cores, load cores): the app under test gets a core of its own, wrk and Redis
    the rest, so the service and the baseline meet the same conditions; one set on one core."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return set(cores), set(cores)
    return {cores[-1]}, set(cores[:-1])


def wait_http(url: str) -> None:
    """Wait until url answers 200."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def wrk(name: str, url: str, seconds: int, script: Path, env: dict[str, str]) -> Case:
    """Run wrk (2 threads, 32 connections) with a script from `lua` and read its report."""
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "5s", "-s"]
    output = subprocess.run(
        [*command, str(script), url], capture_output=True, text=True, env=env, check=True
    ).stdout
    report = re.search(r"^report (\d+) (\d+) (\d+)$", output, re.MULTILINE)
    assert report is not None, output
    latencies: Counter[int] = Counter()
    for value, count in re.findall(r"^latency (\d+) (\d+)$", output, re.MULTILINE):
        latencies[int(value)] += int(count)
    requests, duration_us, non_2xx = (int(group) for group in report.groups())
    return Case(name, requests, duration_us / 1e6, non_2xx, latencies)


# Appended to every wrk script: the totals and wrk's latency histogram, for `wrk` to read
# (runs of one case are summed, so percentiles come from the histogram, not wrk's summary).
REPORT_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("report %d %d %d\\n", summary.requests, summary.duration,
    summary.errors.status))
  for i = 1, #latency do
    local value, count = latency(i)
    io.write(string.format("latency %d %d\\n", value, count))
  end
end
"""


def lua(tmp: Path, name: str, body: str) -> Path:
    """A wrk Lua script: body, then the report."""
    path = tmp / f"{name}.lua"
    path.write_text(body + REPORT_LUA)
    return path


def expect(response: httpx.Response, *statuses: int) -> httpx.Response:
    """The response if its status is one of statuses; otherwise stop the bench, saying why."""
    if response.status_code not in statuses:
        raise SystemExit(f"{response.request.url.path}: {response.status_code} {response.text}")
    return response


RELAYS_PER_ROUND = 3000
RELAYS_SMOKE = 200


def _forget_binding(client: httpx.AsyncClient, session_id: str) -> None:
    """Drop a prepared session's binding cookie: the jar of one client preparing thousands of
    sessions would otherwise send them all on every request."""
    for cookie in list(client.cookies.jar):
        if cookie.name.endswith(session_id):
            client.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)


async def prepare_relays(base: str, count: int, first: int = 0) -> list[tuple[str, str, str]]:
    """Sessions taken to the sandbox redirect: (relay path, Authorization, JSON body) triples.

    Each session is a user of its own (relay-<n>, numbered from first), as in the field: every
    relay completes a user's first connection and binds their car.
    """
    async with httpx.AsyncClient(base_url=base, timeout=30, headers={"Origin": base}) as client:
        semaphore = asyncio.Semaphore(CONNECTIONS)

        async def one(number: int) -> tuple[str, str, str]:
            user = f"relay-{number}"
            authorization = f"Bearer {_token(SECRET, user)}"
            async with semaphore:
                created = await client.post(
                    f"/api/v1/users/{user}/vehicles/connect-sessions",
                    headers={"Authorization": authorization},
                    json={},
                )
                session = expect(created, 201).json()
                start = urlsplit(session["startUrl"])
                expect(await client.get(f"{start.path}?{start.query}"), 200)  # binds
                token = parse_qs(start.query)["token"][0]
                picked = await client.post(
                    "/web/start", data={"token": token, "provider": "sandbox"}
                )
                expect(picked, 303)
                login = {
                    k: v[0] for k, v in parse_qs(urlsplit(picked.headers["location"]).query).items()
                }
                approved = await client.post(
                    "/sandbox/authorize",
                    data={
                        "state": login["state"],
                        "redirect_uri": login["redirect_uri"],
                        "decision": "approve",
                        "account": f"acct-{number}",
                    },
                )
                expect(approved, 302, 303)
                _forget_binding(client, session["id"])
                path = f"/api/v1/users/{user}/connect-sessions/{session['id']}/info"
                body = '{"redirectUrl": "' + approved.headers["location"] + '"}'
                return path, authorization, body

        numbers = range(first, first + count)
        return list(await asyncio.gather(*(one(number) for number in numbers)))


def relay_outcomes(base: str, relays: list[tuple[str, str, str]]) -> dict[str, int]:
    """Statuses of a sample of the relayed sessions (those wrk did not reach still wait)."""
    sample = relays[:: max(1, len(relays) // 50)]
    statuses = [
        httpx.get(base + path.removesuffix("/info"), headers={"Authorization": authorization})
        .json()
        .get("status")
        for path, authorization, _ in sample
    ]
    return {status: statuses.count(status) for status in set(statuses)}


def cpu_times() -> tuple[int, int]:
    """(stolen, all) CPU time of the machine since boot, in ticks (/proc/stat)."""
    ticks = [int(field) for field in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return ticks[7], sum(ticks)


def steal_percent(before: tuple[int, int], after: tuple[int, int]) -> float:
    """Share of the CPU time between two cpu_times() the hypervisor gave to someone else."""
    elapsed = after[1] - before[1]
    return 100 * (after[0] - before[0]) / elapsed if elapsed else 0.0


def machine() -> str:
    """What this ran on."""
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    redis_version = subprocess.run(
        ["redis-server", "--version"], capture_output=True, text=True, check=True
    ).stdout.split()[2]
    wrk_version = subprocess.run(
        ["wrk", "--version"], capture_output=True, text=True, check=False
    ).stdout.split("\n")[0]
    return (
        f"{os.cpu_count()} cores ({cpu}), {int(memory) // 1024 // 1024} GiB, "
        f"{platform.platform()}, Python {platform.python_version()}, Redis "
        f"{redis_version.removeprefix('v=')}, {wrk_version.strip()}"
    )


def main() -> None:
    """Run the whole bench."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="short run, no RESULTS.md")
    args = parser.parse_args()
    seconds = 1 if args.smoke else 10
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as folder:
        run(Path(folder), seconds, args.smoke)


def run(tmp: Path, seconds: int, smoke: bool) -> None:
    """Start Redis, the service and the baseline; measure; stop them."""
    processes: list[subprocess.Popen[bytes]] = []
    server_cores, load_cores = split_cores()
    os.sched_setaffinity(0, load_cores)  # Redis and wrk inherit it
    # The fake Tesla (for the round-trip count of a Tesla relay), served by a thread here.
    tesla_socket = listening_socket()
    tesla_base = base_url_of(tesla_socket)
    tesla = FakeTesla(redirect_uris={OWNER_CLIENT: {"tesla://auth/callback"}}, base_url=tesla_base)
    with serving(tesla.build(), tesla_socket):
        start_and_measure(tmp, seconds, smoke, processes, server_cores, tesla_base)


def start_and_measure(
    tmp: Path,
    seconds: int,
    smoke: bool,
    processes: list[subprocess.Popen[bytes]],
    server_cores: set[int],
    tesla_base: str,
) -> None:
    """Start Redis, the service (its Tesla at tesla_base) and the baseline; measure; stop."""
    try:
        redis_port, service_port, baseline_port = free_port(), free_port(), free_port()
        processes.append(
            subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(redis_port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(tmp),
                ],
                stdout=subprocess.DEVNULL,
            )
        )
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "AUTH_JWT_SECRET": SECRET,
            "ENCRYPTION_KEY": "bench:" + "A" * 43,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{service_port}",
            "LOG_LEVEL": "WARNING",
            "METRICS_PORT": "0",
            # The create case makes sessions for one user without end: with the cap of 10
            # each create would also cancel the oldest (a measured operation of its own).
            "MAX_OPEN_SESSIONS_PER_USER": "1000000",
            "RATE_LIMIT_USER_PER_MINUTE": "0",
            "RATE_LIMIT_IP_PER_MINUTE": "0",
            # A shared machine can stall a process for over a second; the bench measures
            # throughput, so a stall shows as latency rather than as 503s.
            "REDIS_TIMEOUT_SECONDS": "5",
            "TESLA_AUTH_URL": tesla_base,
            "TESLA_OWNER_API_URL": tesla_base,
        }
        time.sleep(0.3)
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "service", "--port", str(service_port)], env=env, cwd=ROOT
            )
        )
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "bench.baseline:app",
                    "--port",
                    str(baseline_port),
                    "--http",
                    "httptools",
                    "--loop",
                    "uvloop",
                    "--no-access-log",
                    "--log-level",
                    "warning",
                ],
                env=env,
                cwd=ROOT,
            )
        )
        for server in processes[1:]:
            os.sched_setaffinity(server.pid, server_cores)
        service = f"http://127.0.0.1:{service_port}"
        baseline = f"http://127.0.0.1:{baseline_port}"
        wait_http(service + "/readyz")
        wait_http(baseline + "/baseline/get")
        measure(tmp, service, baseline, redis_url, seconds, smoke)
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=10)


ROUNDS = 3
SLICES = 2
"""Each case's seconds in a round are run as this many slices, alternating with its baseline.

Each wrk run starts with all 32 connections sending at once, and that first wave waits 2-9
times the median (measured: in 1 s runs of the service's create, the 32nd slowest request took
55-108 ms and the slowest up to 226 ms, at a 16-24 ms median). With 1 s slices that wave was
2 % of the requests and set the p99; with 5 s slices it stays under half a percent."""


@dataclass
class Pair:
    """A service case and the baseline case run next to it (one round, or rounds pooled)."""

    service: Case
    baseline: Case

    @property
    def ratio(self) -> float:
        """Service throughput over the baseline's."""
        return self.service.rps / self.baseline.rps if self.baseline.rps else 0.0

    @property
    def p99_ratio(self) -> float:
        """Service p99 over the baseline's."""
        return self.service.p99_ms / self.baseline.p99_ms if self.baseline.p99_ms else 0.0


def pooled(pairs: list[Pair]) -> Pair:
    """Every round of a case as one: each side's runs summed."""
    return Pair(
        combined([pair.service for pair in pairs]), combined([pair.baseline for pair in pairs])
    )


def paired(
    service_first: bool, ours: Callable[[], Case], theirs: Callable[[], Case], slices: int
) -> Pair:
    """A service case and its baseline case in alternating slices, each side's slices summed.

    Which side runs first alternates from slice to slice, so a stretch of slow machine (this
    VM's CPU steal comes and goes within minutes) falls on both sides alike.
    """
    mine: list[Case] = []
    reference: list[Case] = []
    for index in range(slices):
        if (index % 2 == 0) == service_first:
            mine.append(ours())
            reference.append(theirs())
        else:
            reference.append(theirs())
            mine.append(ours())
    return Pair(combined(mine), combined(reference))


def measure(
    tmp: Path, service: str, baseline: str, redis_url: str, seconds: int, smoke: bool
) -> None:
    """The cases in alternating rounds, the memory per session, the load run, the table."""
    token = _token(SECRET, USER)
    auth_header = f'wrk.headers["Authorization"] = "Bearer {token}"\n'
    created = httpx.post(
        f"{service}/api/v1/users/{USER}/vehicles/connect-sessions",
        headers={"Authorization": f"Bearer {token}"},
        json={},
    ).json()
    post_json = 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
    scripts = {
        "baseline GET": lua(tmp, "read", ""),
        "baseline write": lua(tmp, "write", 'wrk.method = "POST"\n'),
        "GET session": lua(tmp, "get", auth_header),
        "FastAPI form GET": lua(tmp, "form", auth_header),
        "create session": lua(tmp, "create", auth_header + post_json + 'wrk.body = "{}"\n'),
        "/info relay": lua(tmp, "relay", 'wrk.method = "POST"\n' + RELAY_LUA),
    }
    get_url = f"{service}/api/v1/users/{USER}/connect-sessions/{created['id']}"
    create_url = f"{service}/api/v1/users/{USER}/vehicles/connect-sessions"
    relay_count = RELAYS_SMOKE if smoke else RELAYS_PER_ROUND
    form_url = f"{baseline}/baseline/idiom/users/{USER}/sessions/{created['id']}"
    rounds: dict[str, list[Pair]] = {"GET": [], "create": [], "relay": [], "form": []}
    steal: list[float] = []
    # Warm-up, not measured: both apps open their Redis connections and load their scripts.
    warm_up = max(1, seconds // 5)
    slices = SLICES if seconds % SLICES == 0 else 1
    piece = seconds // slices
    env = dict(os.environ)
    wrk("warm-up", get_url, warm_up, scripts["GET session"], env)
    wrk("warm-up", create_url, warm_up, scripts["create session"], env)
    wrk("warm-up", baseline + "/baseline/get", warm_up, scripts["baseline GET"], env)
    wrk("warm-up", baseline + "/baseline/write", warm_up, scripts["baseline write"], env)
    steps = FlowSteps(service, lambda user: f"Bearer {_token(SECRET, user)}", fake_tesla_login)
    trips = count_round_trips(redis_url, steps.operations())
    for counted in trips:
        print(f"Redis round trips, {counted.name}: {counted.render()}", flush=True)
    for number in range(1 if smoke else ROUNDS):
        started = time.monotonic()
        relays = asyncio.run(prepare_relays(service, relay_count, first=number * relay_count))
        took = time.monotonic() - started
        print(f"round {number + 1}: {relay_count} relays prepared in {took:.0f} s", flush=True)
        relay_file = tmp / f"relays-{number}.txt"
        relay_file.write_text("".join("\t".join(relay) + "\n" for relay in relays))
        env = {**os.environ, "RELAYS": str(relay_file)}
        # Which side runs first alternates between rounds too.
        service_first = number % 2 == 1
        cpu_before = cpu_times()
        baseline_get = partial(
            wrk, "baseline GET", baseline + "/baseline/get", piece, scripts["baseline GET"], env
        )
        get = paired(
            service_first,
            partial(wrk, "GET session", get_url, piece, scripts["GET session"], env),
            baseline_get,
            slices,
        )
        create = paired(
            service_first,
            partial(wrk, "create session", create_url, piece, scripts["create session"], env),
            partial(
                wrk,
                "baseline write",
                baseline + "/baseline/write",
                piece,
                scripts["baseline write"],
                env,
            ),
            slices,
        )
        relay = Pair(
            wrk("/info relay", service, seconds, scripts["/info relay"], env), create.baseline
        )
        form = paired(
            service_first,
            partial(wrk, "FastAPI form GET", form_url, piece, scripts["FastAPI form GET"], env),
            baseline_get,
            slices,
        )
        steal.append(steal_percent(cpu_before, cpu_times()))
        outcomes = relay_outcomes(service, relays)
        if not outcomes.get("authorized") or set(outcomes) - {"authorized", "awaiting_external"}:
            raise SystemExit(f"relayed sessions did not end authorized: {outcomes}")
        rounds["GET"].append(get)
        rounds["create"].append(create)
        rounds["relay"].append(relay)
        rounds["form"].append(form)
        print(
            f"round {number + 1}: GET {get.ratio:.2f}, create {create.ratio:.2f}, "
            f"relay {relay.ratio:.2f}, FastAPI form {form.ratio:.2f}; CPU steal {steal[-1]:.0f} %",
            flush=True,
        )
    per_session = memory_per_session(redis_url, 1000 if smoke else 10_000)
    users, load_seconds = (20, 3.0) if smoke else (200, 30.0)
    totals = asyncio.run(run_load(service, SECRET, users, load_seconds))
    table = render(
        rounds,
        trips,
        per_session,
        totals.summary(),
        relays=relay_count,
        seconds=seconds,
        slices=slices,
        steal=", ".join(f"{share:.0f} %" for share in steal) + " of the machine's CPU time",
    )
    print(table)
    if not smoke:
        (ROOT / "bench" / "RESULTS.md").write_text(table)
    if totals.server_errors or totals.failures or totals.stuck_sessions:
        raise SystemExit("the load run broke a rule")


RELAY_LUA = """
local lines = {}
for line in io.lines(os.getenv("RELAYS")) do lines[#lines + 1] = line end
local counter = 0
request = function()
  counter = counter + 1
  local path, authorization, body = string.match(lines[((counter - 1) % #lines) + 1],
    "^([^\\t]*)\\t([^\\t]*)\\t(.*)$")
  local headers = {["Authorization"] = authorization, ["Content-Type"] = "application/json"}
  return wrk.format(nil, path, headers, body)
end
"""


def memory_per_session(redis_url: str, wanted: int) -> tuple[float, int]:
    """Average MEMORY USAGE over up to `wanted` session records."""
    client = redis.Redis.from_url(redis_url)
    sizes: list[int] = []
    for key in client.scan_iter(match="vc:*:s:*", count=1000):
        sizes.append(int(client.memory_usage(key, samples=0) or 0))
        if len(sizes) >= wanted:
            break
    return (sum(sizes) / len(sizes) if sizes else 0.0), len(sizes)


def render(
    rounds: dict[str, list[Pair]],
    trips: list[RoundTrips],
    per_session: tuple[float, int],
    load: str,
    relays: int,
    seconds: int,
    slices: int,
    steal: str,
) -> str:
    """The results as Markdown: each case over all rounds, and every round's ratios."""
    get, create, relay = (pooled(rounds[name]) for name in ("GET", "create", "relay"))
    rows = [
        ("GET session / baseline GET", get, 0.9),
        ("create session / baseline write", create, 0.7),
        ("/info relay (sandbox) / baseline write", relay, 0.4),
    ]
    count = len(rounds["GET"])
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {machine()}.",
        f"wrk, 2 threads, {CONNECTIONS} connections, {seconds} s a case in each round (after "
        "a warm-up); one uvicorn process each "
        "(httptools, uvloop); one redis-server; all on one machine: the service and the "
        "baseline each pinned to the last core, wrk and Redis to the others. "
        f"{count} round{'s' if count != 1 else ''}; in each, a service case and its baseline "
        f"case run in {slices} alternating slice{'s' if slices != 1 else ''} of "
        f"{seconds // slices} s (which side goes first alternates), so a slow stretch of the "
        "machine falls on both sides alike. The "
        "table pools every round: a side's requests over its time, percentiles from wrk's "
        "latency histograms merged. The relay runs its seconds in one piece a round. "
        f"CPU steal while the cases ran: {steal}.",
        "",
        "| case | req/s | p50 ms | p99 ms | throughput ratio (target) | p99 ratio (target ≤ 1.5) |",
        "|---|---|---|---|---|---|",
    ]
    for label, case in [
        ("baseline GET", get.baseline),
        ("baseline write", create.baseline),
    ]:
        lines.append(f"| {label} | {case.rps:.0f} | {case.p50_ms:.2f} | {case.p99_ms:.2f} | | |")
    for label, chosen, target in rows:
        case = chosen.service
        lines.append(
            f"| {label} | {case.rps:.0f} | {case.p50_ms:.2f} | {case.p99_ms:.2f} | "
            f"{chosen.ratio:.2f} (≥ {target}) | {chosen.p99_ratio:.2f} |"
        )
    form = pooled(rounds["form"])
    lines.append(
        f"| FastAPI form, no work (reference) / baseline GET | {form.service.rps:.0f} | "
        f"{form.service.p50_ms:.2f} | {form.service.p99_ms:.2f} | {form.ratio:.2f} | "
        f"{form.p99_ratio:.2f} |"
    )
    average, sessions = per_session
    non_2xx = {
        chosen.service.name: chosen.service.non_2xx
        for _, chosen, _ in rows
        if chosen.service.non_2xx
    }
    lines += [
        "",
        "Every round (throughput ratio / p99 ratio): "
        + "; ".join(
            f"{name} "
            + ", ".join(f"{pair.ratio:.2f} / {pair.p99_ratio:.2f}" for pair in rounds[name])
            for name in ("GET", "create", "relay", "form")
        )
        + ".",
        "Median round (throughput ratio / p99 ratio; one round stalled by the machine moves "
        "it least): "
        + "; ".join(
            f"{name} {median(pair.ratio for pair in rounds[name]):.2f} / "
            f"{median(pair.p99_ratio for pair in rounds[name]):.2f}"
            for name in ("GET", "create", "relay", "form")
        )
        + ".",
        "The FastAPI form row is the baseline app's third route: a GET declared as the "
        "service's session read is (one bearer security dependency resolving the path's user, "
        "a second length-checked path parameter) doing no work of its own (no token check, no "
        "session, no metrics): what FastAPI's dependency solving and parameter validation "
        "alone cost against the bare GET.",
        "",
        f"Redis memory per session: {average:.0f} bytes (MEMORY USAGE averaged over {sessions} "
        "session records; target ≤ 2048).",
        f"/info relays: each round prepares {relays} sessions up to the sandbox redirect, each "
        "a user of its own; wrk relays them in turn, so the first pass completes each one "
        "(code exchange, vehicle bound) and later requests are replays answered from the "
        "store.",
        f"Non-2xx responses: {non_2xx or 'none'}.",
        "",
        "Redis round trips per operation (MONITOR; commands a Lua script runs are part of its "
        "one round trip; counted over 5 runs each, rate limits off as in the cases above: the "
        "per-user or per-IP limit adds one where it is on):",
        "",
        "| operation | round trips (commands sent) |",
        "|---|---|",
        *(f"| {counted.name} | {counted.render()} |" for counted in trips),
        "",
        f"Load: {load}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
