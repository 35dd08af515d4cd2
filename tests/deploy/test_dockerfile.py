"""The image runs the app: its command, port, user and health check match the service."""

from __future__ import annotations

import json
import re
import tomllib

import httpx
from asgi_lifespan import LifespanManager

from service.cli import _parser
from service.config import Settings
from service.main import create_app
from tests.support import BASE_URL, REPO_ROOT, make_settings

DOCKERFILE = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")


def _runtime_stage() -> str:
    return DOCKERFILE.split(" AS runtime", 1)[1]


def _instruction(name: str) -> str:
    found = re.findall(rf"^{name} (.+?)(?<!\\)$", _runtime_stage(), re.MULTILINE | re.DOTALL)
    assert found, f"no {name} in the runtime stage"
    return str(found[-1]).replace("\\\n", " ")


def test_command_is_the_console_script_serving_on_the_exposed_port() -> None:
    command = json.loads(_instruction("CMD"))
    scripts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert command[0] in scripts and scripts[command[0]] == "service.cli:main"
    args = _parser().parse_args(command[1:])
    assert args.command == "serve" and args.host == "0.0.0.0"
    assert _instruction("EXPOSE").split() == [str(args.port), str(Settings().metrics_port)]


async def test_health_check_probes_a_route_the_app_answers(tmp_path: object) -> None:
    probe = re.search(r"http://127\.0\.0\.1:(\d+)(/\w+)", _instruction("HEALTHCHECK"))
    assert probe is not None
    command = json.loads(_instruction("CMD"))
    assert probe.group(1) == command[command.index("--port") + 1]
    app = create_app(make_settings(None))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            assert (await client.get(probe.group(2))).status_code == 200


def test_runs_as_a_non_root_user_without_compilers() -> None:
    user = _instruction("USER").split(":")[0]
    assert user not in ("root", "0")
    runtime = _runtime_stage()
    assert "apt-get install" not in runtime and "gcc" not in runtime
    assert "COPY --from=builder /opt/venv /opt/venv" in runtime
    ignored = (REPO_ROOT / ".dockerignore").read_text().split()
    assert ".git" in ignored and "tests" in ignored and ".venv" in ignored
