"""Provider HTTP calls: timeouts, retries of transport failures before sending, error mapping."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx

from service.errors import ProviderUnavailable
from service.observability.metrics import Metrics

log = logging.getLogger("vehicle_connect.providers")

_RETRY_DELAYS = (0.2, 0.6)
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class ProviderHttp:
    """The one HTTP client every provider calls through, timed per provider and outcome."""

    def __init__(self, client: httpx.AsyncClient, metrics: Metrics) -> None:
        self._client = client
        self._seconds = metrics.provider_call_seconds

    async def request(self, provider: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One provider call; 503 PROVIDER_UNAVAILABLE on timeouts, transport errors and 5xx.

        The client's timeout is PROVIDER_TIMEOUT_SECONDS (see main.create_app).

        Failures that happen before the request left (connect errors) are retried with
        backoff; anything that may have reached the provider is not, so a code is never
        posted twice.
        """
        for attempt in range(len(_RETRY_DELAYS) + 1):
            started = time.perf_counter()
            try:
                response = await self._client.request(method, url, **kwargs)
            except _NOT_SENT as exc:
                self._observe(provider, "unreachable", started)
                if attempt < len(_RETRY_DELAYS):
                    await asyncio.sleep(_RETRY_DELAYS[attempt])
                    continue
                log.warning("%s unreachable: %s", provider, type(exc).__name__)
                raise ProviderUnavailable(f"{provider} cannot be reached; retry later") from None
            except httpx.HTTPError as exc:
                outcome = "timeout" if isinstance(exc, httpx.TimeoutException) else "error"
                self._observe(provider, outcome, started)
                log.warning("%s call failed: %s", provider, type(exc).__name__)
                raise ProviderUnavailable(
                    f"{provider} did not answer in time; retry later"
                ) from None
            self._observe(provider, f"{response.status_code // 100}xx", started)
            if response.status_code >= 500:
                log.warning("%s answered %d", provider, response.status_code)
                raise ProviderUnavailable(f"{provider} is unavailable ({response.status_code})")
            return response
        raise AssertionError("unreachable")

    def _observe(self, provider: str, outcome: str, started: float) -> None:
        self._seconds.labels(provider.lower(), outcome).observe(time.perf_counter() - started)


def json_body(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a response, or {} when the body is not one."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
