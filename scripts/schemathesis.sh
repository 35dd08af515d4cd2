#!/usr/bin/env bash
# Run schemathesis against the service on a real Redis: every operation, --checks all
# (less use_after_free: DELETE is a soft delete by contract, see schemathesis.toml).
# Needs REDIS_URL (a real redis-server); uses the project's .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${REDIS_URL:?set REDIS_URL to a real redis-server}"
BIN=.venv/bin
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
tesla_port=$(free_port)
export AUTH_JWT_SECRET="schemathesis-secret-0123456789abcdefghijklmnop"
export ENCRYPTION_KEY="st:$(python3 -c 'import base64,os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')"
export PUBLIC_BASE_URL="http://127.0.0.1:$port"
# One user and one client IP send everything here: the rate limits would only get in the way.
export RATE_LIMIT_USER_PER_MINUTE=0 RATE_LIMIT_IP_PER_MINUTE=0 METRICS_PORT=0
# Tesla answers from a fake on loopback (no provider host is reachable from here).
export TESLA_AUTH_URL="http://127.0.0.1:$tesla_port" TESLA_OWNER_API_URL="http://127.0.0.1:$tesla_port"
log=$(mktemp)
$BIN/python -m tests.fakes "$tesla_port" >"$log.fake" 2>&1 &
fake_pid=$!
$BIN/vehicle-connect serve --port "$port" >"$log" 2>&1 &
pid=$!
trap 'kill $pid $fake_pid 2>/dev/null || true; wait $pid $fake_pid 2>/dev/null || true; [ -n "${ST_KEEP_LOG:-}" ] && cp "$log" "$ST_KEEP_LOG"; rm -f "$log" "$log.fake"' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
ST_TOKEN=$($BIN/vehicle-connect token --user schemathesis-user --ttl 3600)
export ST_TOKEN
$BIN/schemathesis run openapi/openapi.json --url "http://127.0.0.1:$port" \
  --checks all --exclude-checks use_after_free --max-examples "${ST_MAX_EXAMPLES:-25}" --workers 2 --no-color "$@"
