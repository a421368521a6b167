"""Generated client: per-call overhead against respx vs plain httpx, and model parsing speed.

Targets (issue 3): overhead at most 1.3x a plain ``httpx.Client`` call of the same request (both
against the same respx-mocked transport, both decoding the JSON body); parsing the seed
``Recording`` sample response at least 20,000 per second.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import respx
import yaml

from benchmarks._common import ROOT, Result, per_second

UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
BASE = "https://us-east-1.recall.ai"
PATH = f"/api/v1/recording/{UUID}/"


def _sample() -> Any:
    spec = yaml.safe_load((ROOT / "spec" / "openapi.yaml").read_text())
    operation = spec["paths"]["/api/v1/recording/{id}/"]["patch"]
    return operation["responses"]["200"]["content"]["application/json"]["example"]


def _small(sample: Any) -> Any:
    """The sample with every required field kept and the big optional parts left out."""
    shortcuts = dict.fromkeys(("video_mixed", "transcript", "participant_events", "meeting_metadata"))
    return {**sample, "media_shortcuts": shortcuts, "realtime_endpoints": [], "bot": None, "desktop_sdk_upload": None}


def _overhead(body: Any) -> tuple[float, float]:
    """(client calls/s, plain httpx calls/s) for PATCH with a JSON body answered with ``body``.

    The client runs with its defaults (rate limiting on, so its bookkeeping is measured) but its
    waits are skipped: ``time.sleep`` is a no-op while measuring (the limit is 300 calls a minute).
    """
    from recall_client import RecallClient

    payload = {"metadata": {"team": "sales"}}
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        mock.patch(PATH).respond(200, json=body)
        plain = httpx.Client()
        headers = {"Authorization": "Token k", "Idempotency-Key": "fixed", "Accept": "application/json"}

        def plain_call() -> object:
            response = plain.patch(BASE + PATH, json=payload, headers=headers, timeout=60.0)
            response.raise_for_status()
            return response.json()

        client = RecallClient(api_key="k", rate_limit=True)

        def client_call() -> object:
            return client.recording.partial_update(UUID, metadata={"team": "sales"})

        real_sleep = time.sleep
        time.sleep = lambda seconds: None
        try:
            plain_rate = client_rate = 0.0
            for _ in range(3):  # interleaved, best of each: drift on a busy machine hits both
                plain_rate = max(plain_rate, per_second(plain_call, rounds=3))
                client_rate = max(client_rate, per_second(client_call, rounds=3))
        finally:
            time.sleep = real_sleep
        plain.close()
        client.close()
    return client_rate, plain_rate


def run() -> list[Result]:
    """Measure the generated client (the committed ``generated/`` package)."""
    from recall_client import models

    sample = _sample()
    small_client, small_plain = _overhead(_small(sample))
    full_client, full_plain = _overhead(sample)
    raw = json.dumps(sample).encode()
    parse_rate = per_second(lambda: models.Recording.model_validate_json(raw))
    json_rate = per_second(lambda: json.loads(raw))
    ratio = small_plain / small_client
    return [
        Result(
            "client call overhead vs plain httpx (small Recording)",
            ratio,
            "x",
            "<= 1.3",
            ratio <= 1.3,
            f"{1e6 / small_client:.0f} us vs {1e6 / small_plain:.0f} us per call",
        ),
        Result(
            "client call vs plain httpx (full seed sample, incl. model parsing)",
            full_plain / full_client,
            "x",
            "info",
            None,
            f"{1e6 / full_client:.0f} us vs {1e6 / full_plain:.0f} us per call",
        ),
        Result(
            "parse seed Recording sample into models",
            parse_rate,
            "/s",
            ">= 20,000",
            parse_rate >= 20_000,
            f"{len(raw)} bytes; json.loads alone: {json_rate:,.0f}/s",
        ),
    ]
