"""API-wide facts come from the prose pages when they are inputs, from the overlay otherwise.

Pages: ``authentication`` (regions, ``Authorization: Token <key>``), ``errors`` (statuses and
retry advice), ``idempotency`` (the ``Idempotency-Key`` header on PUT, POST, PATCH).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from generator.normalize.pipeline import NormalizeResult
from tests.conftest import SEED_PAGES, run_normalize

ERROR_STATUSES = ["400", "401", "402", "403", "405", "409", "429", "502", "503", "504", "507"]


def _codes(result: NormalizeResult, code: str) -> list[str]:
    return [d.path.rsplit("/", 1)[-1] for d in result.diagnostics if d.code == code]


def _facts(doc: dict[str, Any]) -> dict[str, Any]:
    responses = doc["components"]["responses"]
    by_status = {}
    for item in doc["paths"].values():
        for op in item.values():
            for status, response in op["responses"].items():
                if "$ref" in response:
                    by_status[status] = response["$ref"].rsplit("/", 1)[-1]
    return {
        "servers": [s["url"] for s in doc["servers"]],
        "scheme": doc["components"]["securitySchemes"]["RecallApiKey"],
        "retry": {status: responses[name].get("x-retry") for status, name in sorted(by_status.items())},
        "html": [s for s, name in sorted(by_status.items()) if "text/html" in responses[name]["content"]],
        "idempotency": doc["components"]["parameters"]["IdempotencyKey"]["name"],
    }


def test_corpus_reads_api_wide_facts_from_its_prose_pages(corpus_result: NormalizeResult) -> None:
    doc = corpus_result.document
    facts = _facts(doc)
    assert facts["servers"] == [
        "https://us-east-1.recall.ai",
        "https://us-west-2.recall.ai",
        "https://eu-central-1.recall.ai",
        "https://ap-northeast-1.recall.ai",
    ]
    assert doc["servers"][1]["description"] == "Pay-as-you-go (us-west-2)"  # the page's words, not the overlay's
    assert facts["scheme"] | {"type": "apiKey", "in": "header", "name": "Authorization"} == facts["scheme"]
    assert facts["scheme"]["x-credential-prefix"] == "Token "
    assert doc["security"] == [{"RecallApiKey": []}]
    assert facts["retry"] == {
        "400": None,
        "401": None,
        "402": None,
        "403": None,
        "404": None,
        "405": None,
        "409": "backoff",
        "429": "retry-after",
        "502": "backoff",
        "503": "backoff",
        "504": "backoff",
        "507": {"delay": 30, "new-idempotency-key": True},
    }
    assert facts["html"] == ["403"]
    assert doc["components"]["responses"]["TooManyRequests"]["headers"]["Retry-After"] == {
        "$ref": "#/components/headers/Retry-After"
    }
    assert facts["idempotency"] == "Idempotency-Key"
    for item in doc["paths"].values():
        for method, op in item.items():
            assert set(ERROR_STATUSES) <= set(op["responses"])
            keyed = {"$ref": "#/components/parameters/IdempotencyKey"} in op.get("parameters", [])
            assert keyed == (method in ("post", "put", "patch"))
    # the overlay's fallbacks for these pages were skipped, and said so
    assert sorted(set(_codes(corpus_result, "api-wide-facts"))) == ["authentication.md", "errors.md", "idempotency.md"]
    assert len(_codes(corpus_result, "overlay-superseded")) == 8


def test_seed_pages_alone_get_the_same_facts_from_the_overlay(seed: NormalizeResult) -> None:
    facts = _facts(seed.document)
    assert facts["servers"][0] == "https://us-east-1.recall.ai" and len(facts["servers"]) == 4
    assert facts["scheme"]["x-credential-prefix"] == "Token "
    assert facts["retry"]["429"] == "retry-after" and facts["retry"]["507"] == {
        "delay": 30,
        "new-idempotency-key": True,
    }
    assert facts["html"] == ["403"]
    assert _codes(seed, "overlay-superseded") == [] and _codes(seed, "api-wide-facts") == []


@pytest.fixture()
def edited_pages(corpus: Path, tmp_path: Path) -> Path:
    """The seed pages with edited copies of the three prose pages beside them."""
    folder = tmp_path / "pages"
    shutil.copytree(SEED_PAGES, folder)
    docs = corpus / "recall-docs"
    auth = (docs / "authentication.md").read_text(encoding="utf-8")
    auth = auth.replace(
        "- [(JP) ap-northeast-1](https://ap-northeast-1.recall.ai/dashboard/api-keys)",
        "- [(JP) ap-northeast-1](https://ap-northeast-1.recall.ai/dashboard/api-keys)\n"
        "- [(BR) sa-east-1](https://sa-east-1.recall.ai/dashboard/api-keys)",
    )
    (folder / "authentication.md").write_text(auth.replace("Token YOUR_API_KEY", "Bearer YOUR_API_KEY"), "utf-8")
    errors = (
        (docs / "errors.md")
        .read_text(encoding="utf-8")
        .replace("Please retry in 30 seconds", "Please retry in 45 seconds")
    )
    (folder / "errors.md").write_text(errors, encoding="utf-8")
    idempotency = (docs / "idempotency.md").read_text(encoding="utf-8").replace("- PATCH\n", "")
    (folder / "idempotency.md").write_text(idempotency, encoding="utf-8")
    return folder


def test_facts_follow_the_pages_not_the_overlay(edited_pages: Path) -> None:
    result = run_normalize(edited_pages)
    assert not result.diagnostics.has_errors
    doc = result.document
    facts = _facts(doc)
    assert facts["servers"][-1] == "https://sa-east-1.recall.ai" and len(facts["servers"]) == 5
    assert facts["scheme"]["x-credential-prefix"] == "Bearer "
    assert facts["retry"]["507"] == {"delay": 45, "new-idempotency-key": True}
    patch = doc["paths"]["/api/v1/recording/{id}/"]["patch"]
    assert {"$ref": "#/components/parameters/IdempotencyKey"} not in patch.get("parameters", [])
    put = doc["paths"]["/api/v1/calendar/user/"]["put"]
    assert {"$ref": "#/components/parameters/IdempotencyKey"} in put["parameters"]


def test_a_prose_page_given_with_endpoint_pages_is_not_a_stray_file(corpus: Path) -> None:
    result = run_normalize(SEED_PAGES, corpus / "recall-docs" / "errors.md")
    assert not result.diagnostics.has_errors, [d.format() for d in result.diagnostics if d.severity.value == "error"]
    assert _codes(result, "api-wide-facts") == ["errors.md"]
    assert result.document["components"]["responses"]["Conflict"]["description"].startswith("Conflict -- please retry")
