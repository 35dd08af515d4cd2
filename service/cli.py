"""The `vehicle-connect` command: serve, token, openapi."""

from __future__ import annotations

import argparse
import json
import sys

from service.config import SettingsError, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vehicle-connect", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    token = commands.add_parser("token", help="print a user token signed with the configured key")
    token.add_argument("--user", required=True)
    token.add_argument("--client", default="default")
    token.add_argument("--ttl", type=int, default=3600, help="seconds (default 3600)")
    commands.add_parser("openapi", help="print the OpenAPI document")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except SettingsError as exc:
        print(f"vehicle-connect: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if args.command == "serve":
        from service.http.server import serve
        from service.main import create_app
        from service.observability.logs import configure_logging

        configure_logging(settings.log_level)
        app = create_app(settings)
        registry = app.state.metrics.registry
        serve(
            app,
            args.host,
            args.port,
            settings.metrics_port,
            registry,
            settings.forwarded_allow_ips,
        )
        return 0
    if args.command == "token":
        from service.config import load_clients
        from service.security.auth import mint_token
        from service.security.secrets import resolve_secrets

        secret = resolve_secrets(settings).jwt_secret
        if secret is None:
            raise SettingsError("invalid setting AUTH_JWT_SECRET: needed to sign tokens")
        if args.client not in load_clients(settings.clients_file):
            raise SettingsError(f"invalid setting CLIENTS_FILE: no client {args.client!r}")
        print(mint_token(secret, args.user, args.client, args.ttl))
        return 0
    from service.main import create_app

    print(json.dumps(create_app(settings).openapi(), indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
