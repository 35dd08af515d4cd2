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
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import redis

from bench.load import _token, run_load

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-jwt-secret-0123456789abcdefghijklmnopqrstuvwxyz"
CONNECTIONS = 32
USER = "bench-user"


@dataclass
class Case:
    """One wrk measurement."""

    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int


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


def wrk(name: str, url: str, seconds: int, script: Path | None, env: dict[str, str]) -> Case:
    """Run wrk (2 threads, 32 connections) and parse its figures."""
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, env=env, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Case(
        name,
        rps,
        _percentile(output, "50%"),
        _percentile(output, "99%"),
        int(non_2xx.group(1)) if non_2xx else 0,
    )


def _percentile(output: str, label: str) -> float:
    found = re.search(rf"^\s+{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    assert found is not None, output
    value, unit = float(found.group(1)), found.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def lua(tmp: Path, name: str, body: str) -> Path:
    """A wrk Lua script."""
    path = tmp / f"{name}.lua"
    path.write_text(body)
    return path


async def prepare_relays(base: str, count: int) -> list[tuple[str, str]]:
    """Sessions taken to the sandbox redirect: (relay path, JSON body) pairs."""
    headers = {"Authorization": f"Bearer {_token(SECRET, USER)}"}
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        semaphore = asyncio.Semaphore(CONNECTIONS)

        async def one(_: int) -> tuple[str, str]:
            async with semaphore:
                created = await client.post(
                    f"/api/v1/users/{USER}/vehicles/connect-sessions", headers=headers, json={}
                )
                session = created.json()
                token = parse_qs(urlsplit(session["startUrl"]).query)["token"][0]
                picked = await client.post(
                    "/web/start", data={"token": token, "provider": "sandbox"}
                )
                login = {
                    k: v[0] for k, v in parse_qs(urlsplit(picked.headers["location"]).query).items()
                }
                approved = await client.post(
                    "/sandbox/authorize",
                    data={
                        "state": login["state"],
                        "redirect_uri": login["redirect_uri"],
                        "decision": "approve",
                        "account": f"acct-{_}",
                    },
                )
                path = f"/api/v1/users/{USER}/connect-sessions/{session['id']}/info"
                body = '{"redirectUrl": "' + approved.headers["location"] + '"}'
                return path, body

        return list(await asyncio.gather(*(one(i) for i in range(count))))


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
            "RATE_LIMIT_USER_PER_MINUTE": "0",
            "RATE_LIMIT_IP_PER_MINUTE": "0",
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


def measure(
    tmp: Path, service: str, baseline: str, redis_url: str, seconds: int, smoke: bool
) -> None:
    """The cases, the memory per session, the load run, the table."""
    token = _token(SECRET, USER)
    auth_header = f'wrk.headers["Authorization"] = "Bearer {token}"\n'
    created = httpx.post(
        f"{service}/api/v1/users/{USER}/vehicles/connect-sessions",
        headers={"Authorization": f"Bearer {token}"},
        json={},
    ).json()
    relays = asyncio.run(prepare_relays(service, 200 if smoke else 3000))
    (tmp / "relays.txt").write_text("".join(f"{p}\t{b}\n" for p, b in relays))
    env = {**os.environ, "RELAYS": str(tmp / "relays.txt")}
    post_json = 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
    cases = {
        "baseline GET": wrk("baseline GET", baseline + "/baseline/get", seconds, None, env),
        "baseline write": wrk(
            "baseline write",
            baseline + "/baseline/write",
            seconds,
            lua(tmp, "write", 'wrk.method = "POST"\n'),
            env,
        ),
        "GET session": wrk(
            "GET session",
            f"{service}/api/v1/users/{USER}/connect-sessions/{created['id']}",
            seconds,
            lua(tmp, "get", auth_header),
            env,
        ),
        "create session": wrk(
            "create session",
            f"{service}/api/v1/users/{USER}/vehicles/connect-sessions",
            seconds,
            lua(tmp, "create", auth_header + post_json + 'wrk.body = "{}"\n'),
            env,
        ),
        "/info relay": wrk(
            "/info relay",
            service,
            seconds,
            lua(tmp, "relay", auth_header + post_json + RELAY_LUA),
            env,
        ),
    }
    per_session = memory_per_session(redis_url, 1000 if smoke else 10_000)
    users, load_seconds = (20, 3.0) if smoke else (200, 30.0)
    totals = asyncio.run(run_load(service, SECRET, users, load_seconds))
    table = render(cases, per_session, totals.summary(), relays=len(relays))
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
  local line = lines[((counter - 1) % #lines) + 1]
  local tab = string.find(line, "\\t")
  return wrk.format(nil, string.sub(line, 1, tab - 1), nil, string.sub(line, tab + 1))
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


def render(cases: dict[str, Case], per_session: tuple[float, int], load: str, relays: int) -> str:
    """The results as Markdown."""
    base_get, base_write = cases["baseline GET"], cases["baseline write"]
    rows = [
        ("GET session / baseline GET", cases["GET session"], base_get, 0.8),
        ("create session / baseline write", cases["create session"], base_write, 0.6),
        ("/info relay (sandbox) / baseline write", cases["/info relay"], base_write, None),
    ]
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {machine()}.",
        f"wrk, 2 threads, {CONNECTIONS} connections; one uvicorn process each (httptools, "
        "uvloop); one redis-server; all on one machine: the service and the baseline each "
        "pinned to the last core, wrk and Redis to the others.",
        "",
        "| case | req/s | p50 ms | p99 ms | throughput ratio (target) | p99 ratio (target ≤ 1.5) |",
        "|---|---|---|---|---|---|",
    ]
    for label, case, ref in [
        ("baseline GET", base_get, None),
        ("baseline write", base_write, None),
    ]:
        del ref
        lines.append(f"| {label} | {case.rps:.0f} | {case.p50_ms:.2f} | {case.p99_ms:.2f} | | |")
    for label, case, ref, target in rows:
        ratio = case.rps / ref.rps if ref.rps else 0.0
        p99 = case.p99_ms / ref.p99_ms if ref.p99_ms else 0.0
        wanted = f" (≥ {target})" if target else ""
        lines.append(
            f"| {label} | {case.rps:.0f} | {case.p50_ms:.2f} | {case.p99_ms:.2f} | "
            f"{ratio:.2f}{wanted} | {p99:.2f} |"
        )
    average, count = per_session
    non_2xx = {name: case.non_2xx for name, case in cases.items() if case.non_2xx}
    lines += [
        "",
        f"Redis memory per session: {average:.0f} bytes (MEMORY USAGE averaged over {count} "
        "session records; target ≤ 2048).",
        f"/info relays: {relays} prepared sessions, each completed by its first relay; wrk "
        "cycles through them, so later requests are replays answered from the store.",
        f"Non-2xx responses: {non_2xx or 'none'}.",
        "",
        f"Load: {load}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
