"""A Hypothesis state machine over a sandbox served in-process: create, update metadata, read back, delete.

The sandbox app runs behind :class:`SyncASGITransport` (an ``httpx`` transport, no socket), a
fresh app per run. A :class:`Driver` sends the requests: :class:`ClientDriver` through the
generated client (seed spec), :class:`HttpDriver` with plain httpx for specs the client was not
generated from (the corpus). Resources come in :class:`Family` groups found generically in the
spec: an item path ``/x/{id}/`` with a PATCH whose body takes ``metadata``, and where the spec has
them a GET (read), a DELETE, and a POST on the collection (create). Without a GET the read is a
PATCH without body (the seed spec documents no GET).

Invariants (:class:`ResourceMachine`): a read returns the last written metadata; a deleted or
never created resource answers 404 to read, update and delete; every response has a documented
status and a body valid against the schema declared for it (the spec is the judge).
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, multiple, rule

from conformance_tests import speclib
from conformance_tests.adapter import Call, client_operation, credential_arguments, invoke, security_headers
from conformance_tests.speclib import OperationSpec
from generator.spec.model import Spec

API_KEY = "sandbox-key"
CALENDAR_TOKEN = "sandbox-calendar-token"
BASE = "http://sandbox.invalid"
#: The model's value for a resource that was deleted or never created.
GONE = object()
#: The model's value for a seeded resource whose metadata was not read yet.
UNSEEN = object()
#: Metadata values: ``additionalProperties: string`` objects, small and varied.
METADATA = st.dictionaries(
    st.text(st.characters(codec="ascii", categories=("Ll", "Nd")), min_size=1, max_size=8),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=10),
    max_size=3,
)


def sandbox_secrets(within: Spec) -> dict[str, str]:
    """The sandbox's default credential for every security scheme of ``within`` (README, Sandbox): the
    API key for the scheme sent in ``Authorization``, the calendar token for any other header."""
    out = {}
    for name, scheme in within.security_schemes.items():
        header = scheme.format.parameter.lower() if scheme.format is not None else ""
        out[name] = API_KEY if header == "authorization" else CALENDAR_TOKEN
    return out


class SyncASGITransport(httpx.BaseTransport):
    """Serve ``httpx.Client`` requests from an ASGI app in-process (one event loop per request)."""

    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Run the app for ``request``; app exceptions propagate (they are sandbox bugs)."""

        async def run() -> httpx.Response:
            response = await self._inner.handle_async_request(request)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return asyncio.run(run())


@dataclass(frozen=True)
class Family:
    """Operations on one kind of resource: ``item`` template with its id parameter ``param``."""

    item: str
    param: str
    patch: OperationSpec
    read: OperationSpec | None
    delete: OperationSpec | None
    create: OperationSpec | None
    create_body: Any = None

    @property
    def name(self) -> str:
        """The item template, for messages."""
        return self.item


def families(path: Path) -> list[Family]:
    """The resource families of the spec at ``path`` (see the module docstring)."""
    ops = {(op.method, op.path): op for op in speclib.operations(path)}
    found = []
    for (method, template), patch in sorted(ops.items()):
        params = [p.name for p in patch.path_parameters]
        if method != "PATCH" or len(params) != 1 or not template.endswith("}/") or not _takes_metadata(patch):
            continue
        collection = template[: template.rindex("{")]
        create = ops.get(("POST", collection))
        body = _example(create) if create is not None else None
        if create is not None and (body is None or "id" not in _properties(create)):
            create = None
        found.append(
            Family(template, params[0], patch, ops.get(("GET", template)), ops.get(("DELETE", template)), create, body)
        )
    return found


def _properties(op: OperationSpec) -> dict[str, Any]:
    schema = op.success_schema
    return op.within.refs.unwrap(schema.node).get("properties", {}) if schema else {}


def _takes_metadata(op: OperationSpec) -> bool:
    schema = op.request_schema_ref
    if schema is None or "metadata" not in op.within.refs.unwrap(schema.node).get("properties", {}):
        return False  # an open schema accepts any field; the family's PATCH must declare metadata
    return speclib.is_valid({"metadata": {"k": "v"}}, schema, op.within)


def _example(op: OperationSpec) -> Any:
    """The create request's example when the spec accepts it (no example: not creatable)."""
    media = op.request_body.json if op.request_body is not None else None
    if media is None or not media.has_example or media.schema is None:
        return None
    return media.example if speclib.is_valid(media.example, media.schema, op.within) else None


def judge_response(op: OperationSpec, response: httpx.Response) -> Any:
    """Assert a documented status and a schema-valid body; returns the JSON body (None when empty)."""
    where = f"{op.operation_id}: stateful_conformance: {op.method} {response.request.url.path}"
    declared = op.response(response.status_code)
    documented = sorted(r.status for r in op.responses)
    status = response.status_code
    assert declared is not None, f"{where}: status {status} not documented ({documented}): {response.text[:200]}"
    media = declared.json
    if not response.content:
        assert media is None, f"{where}: empty {status} body, the spec declares one"
        return None
    assert media is not None and media.schema is not None, f"{where}: a {status} body where the spec declares none"
    body = response.json()
    valid = speclib.is_valid(body, media.schema, op.within)
    assert valid, f"{where}: {status} body fails its schema: {speclib.errors(body, media.schema, op.within)[:3]}"
    return body


class Driver:
    """Sends the machine's requests; each method returns the (judged) ``httpx.Response``."""

    spec_path: Path

    def send(self, op: OperationSpec, rid: str, body: Any) -> httpx.Response:  # pragma: no cover - interface
        """Send ``op`` for resource ``rid`` (None for collections) with JSON ``body`` (None: no body)."""
        raise NotImplementedError


class HttpDriver(Driver):
    """Plain httpx with the sandbox's credentials (for specs without a generated client)."""

    def __init__(self, spec_path: Path, http: httpx.Client) -> None:
        self.spec_path = spec_path
        self.http = http

    def send(self, op: OperationSpec, rid: str | None, body: Any) -> httpx.Response:
        """See :meth:`Driver.send`; ``Idempotency-Key`` is not sent (a fresh request every time).
        The credentials are those ``op``'s security requires, each in its scheme's format."""
        path = op.path
        if rid is not None:
            path = path[: path.index("{")] + rid + path[path.index("}") + 1 :]
        headers = security_headers(op, sandbox_secrets(op.within))
        assert headers is not None, f"{op.operation_id}: the sandbox's credentials cannot satisfy its security"
        return self.http.request(op.method, BASE + path, json=body, headers=headers)


class ClientDriver(Driver):
    """The generated client, through the adapter of :mod:`conformance_tests.adapter`."""

    def __init__(self, spec_path: Path, http: httpx.Client) -> None:
        from recall_client import RecallClient

        self.spec_path = spec_path
        secrets = credential_arguments(sandbox_secrets(speclib.spec(spec_path)))
        self.client = RecallClient(base_url=BASE, http_client=http, max_retries=0, **secrets)

    def send(self, op: OperationSpec, rid: str | None, body: Any) -> httpx.Response:
        """See :meth:`Driver.send`: a raw call; error statuses come back as their response."""
        import recall_client

        cop = client_operation(op)
        call = Call(path={p.name: rid for p in cop.path_params}, body=body)
        try:
            raw = invoke(self.client, cop, call, raw=True)
        except recall_client.APIStatusError as exc:
            return exc.response
        raw.parse()  # the client must parse what the sandbox sends
        return raw.http_response  # type: ignore[no-any-return]


Ref = tuple[int, str]  # (family index, resource id)


class ResourceMachine(RuleBasedStateMachine):
    """The rules and invariants of the module docstring; subclass with :func:`machine_for`."""

    spec_path: Path
    families: tuple[Family, ...] = ()
    driver_class: type[Driver] = HttpDriver
    refs = Bundle("refs")

    def __init__(self) -> None:
        super().__init__()
        from generator.sandbox import SandboxConfig, create_app
        from generator.sandbox.testing import FakeClock

        spec = _servable(self.spec_path)
        self.app = create_app(spec, SandboxConfig(clock=FakeClock(), check_responses=True))
        self.http = httpx.Client(transport=SyncASGITransport(self.app))
        self.driver = self.driver_class(self.spec_path, self.http)
        self.model: dict[Ref, Any] = {}  # last written metadata, or GONE

    def _send(self, op: OperationSpec, rid: str | None, body: Any) -> tuple[int, Any]:
        response = self.driver.send(op, rid, body)
        return response.status_code, judge_response(op, response)

    def _read(self, ref: Ref) -> tuple[int, Any]:
        family = self.families[ref[0]]
        return self._send(family.read, ref[1], None) if family.read else self._send(family.patch, ref[1], None)

    @initialize(target=refs)
    def stored(self) -> Any:
        """The resources the sandbox seeded (their metadata is learnt by the first read)."""
        found = []
        resources = self.app.state.sandbox.resources
        for index, family in enumerate(self.families):
            ref = (index, resources.sample_params(family.item)[family.param])
            self.model[ref] = UNSEEN
            found.append(ref)
        return multiple(*found)

    @rule(target=refs, data=st.data())
    def create(self, data: st.DataObject) -> Any:
        """POST the collection (families that can be created): 2xx with a new id."""
        creatable = [i for i, f in enumerate(self.families) if f.create is not None]
        if not creatable:
            return multiple()
        index = data.draw(st.sampled_from(creatable), label="family")
        family = self.families[index]
        assert family.create is not None
        metadata = data.draw(METADATA, label="metadata")
        status, body = self._send(family.create, None, {**family.create_body, "metadata": metadata})
        where = f"{family.create.operation_id}: stateful_conformance"
        assert 200 <= status < 300, f"{where}: create answered {status}"
        rid = str(body["id"])
        assert (index, rid) not in self.model, f"{where}: create returned the existing id {rid}"
        self.model[(index, rid)] = body.get("metadata")
        return (index, rid)

    @rule(target=refs, index=st.integers(0, 100), rid=st.uuids())
    def unknown(self, index: int, rid: uuid.UUID) -> Ref:
        """An id nobody created."""
        ref = (index % len(self.families), str(rid))
        self.model.setdefault(ref, GONE)
        return ref

    @rule(ref=refs, metadata=METADATA)
    def update(self, ref: Ref, metadata: dict[str, str]) -> None:
        """PATCH metadata: 200 with it when the resource exists, else 404."""
        family = self.families[ref[0]]
        status, body = self._send(family.patch, ref[1], {"metadata": metadata})
        where = f"{family.patch.operation_id}: stateful_conformance: PATCH {ref[1]}"
        if self.model[ref] is GONE:
            assert status == 404, f"{where}: a deleted/unknown resource answered {status}"
            return
        assert status == 200, f"{where}: answered {status}"
        assert body.get("metadata") == metadata, f"{where}: response metadata {body.get('metadata')!r}"
        self.model[ref] = metadata

    @rule(ref=refs)
    def read(self, ref: Ref) -> None:
        """Read back: the last written metadata, or 404 when gone."""
        status, body = self._read(ref)
        family = self.families[ref[0]]
        where = f"{(family.read or family.patch).operation_id}: stateful_conformance: read {ref[1]}"
        if self.model[ref] is GONE:
            assert status == 404, f"{where}: a deleted/unknown resource answered {status}"
            return
        assert status == 200, f"{where}: answered {status}"
        note(f"read {family.name} {ref[1]}: metadata {body.get('metadata')!r}")
        if self.model[ref] is UNSEEN:
            self.model[ref] = body.get("metadata")
        assert body.get("metadata") == self.model[ref], (
            f"{where}: metadata {body.get('metadata')!r}, last written {self.model[ref]!r}"
        )

    @rule(ref=refs)
    def delete(self, ref: Ref) -> None:
        """DELETE (families that document it): 2xx once, 404 afterwards."""
        family = self.families[ref[0]]
        if family.delete is None:
            return
        status, _ = self._send(family.delete, ref[1], None)
        where = f"{family.delete.operation_id}: stateful_conformance: DELETE {ref[1]}"
        if self.model[ref] is GONE:
            assert status == 404, f"{where}: a deleted/unknown resource answered {status}"
            return
        assert 200 <= status < 300, f"{where}: answered {status}"
        self.model[ref] = GONE

    def teardown(self) -> None:
        """Close the pool and the sandbox's store."""
        self.http.close()
        self.app.state.sandbox.close()


@functools.cache
def _servable(path: Path) -> Spec:
    """The judge's model of the spec at ``path`` (one read for judge and server), checked servable."""
    from generator.diagnostics import Diagnostics
    from generator.sandbox.spec import servable

    spec, diags = speclib.spec(path), Diagnostics()
    assert servable(spec, diags), [d.format() for d in diags]
    return spec


def machine_for(path: Path, driver: type[Driver]) -> type[ResourceMachine]:
    """A :class:`ResourceMachine` subclass over the spec at ``path`` sending through ``driver``."""
    found = tuple(families(path))
    assert found, f"{path}: no resource family (an item PATCH taking metadata)"
    return type(f"ResourceMachine_{driver.__name__}", (ResourceMachine,), {
        "spec_path": path, "families": found, "driver_class": driver,
    })  # fmt: skip
