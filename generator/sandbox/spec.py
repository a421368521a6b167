"""The spec the sandbox serves: the toolkit's spec model, and whether the sandbox can serve it.

:func:`load_spec` reads a YAML/JSON OpenAPI 3.1 document and :func:`build_spec` a parsed one into
a :class:`generator.spec.model.Spec` (operations, parameters, bodies, responses, security schemes
with their credential format, ``x-rate-limit`` as :class:`generator.spec.rules.RateLimit`;
``$ref``s resolved by :class:`generator.spec.refs.Refs`). :func:`servable` turns the problems the
model found into ``sandbox-*`` diagnostics (:mod:`generator.diagnostics`) with line numbers:

- ``sandbox-bad-ref`` (error): a ``$ref`` that is not local or points at nothing. When there is
  one, only these are reported: the other problems follow from them;
- ``sandbox-bad-operation`` (error): an operation, parameter, response or security requirement
  that cannot be read (a requirement naming an undeclared scheme included);
- ``sandbox-bad-rate-limit`` (error): a malformed ``x-rate-limit``; no odd limit reaches the
  request handling;
- ``sandbox-no-operations`` (error): nothing to serve;
- ``sandbox-unsupported-security`` (warning): a declared scheme whose credential is not sent in a
  header (``oauth2``, ``openIdConnect``, ``mutualTLS``, ``apiKey`` in a query or cookie); it is
  not enforced.

Nothing is raised: a spec the sandbox cannot serve yields ``None`` and at least one error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.diagnostics import Diagnostics, Severity
from generator.spec import model
from generator.spec.model import Operation, Problem, RequestBody, Response, Spec, SpecError
from generator.spec.refs import join_pointer

#: Problem kinds of the model reported as errors, and their codes.
_ERRORS = {
    "structure": "spec-invalid",
    "bad-operation": "sandbox-bad-operation",
    "rate-limit": "sandbox-bad-rate-limit",
    "no-operations": "sandbox-no-operations",
}
_SCHEMES = "/components/securitySchemes/"


def load_spec(path: Path, diags: Diagnostics) -> Spec | None:
    """Read the spec at ``path``; None (with ``spec-unreadable`` or ``sandbox-*`` errors) when it
    cannot be served. Diagnostics carry the 1-based line of the node in the file."""
    spec = model.load_spec(path, diags)
    return spec if spec is not None and servable(spec, diags) else None


def build_spec(document: Any, source: str, diags: Diagnostics, text: str | None = None) -> Spec | None:
    """The :class:`Spec` of a parsed document; None (with errors) when it cannot be served.

    ``source`` names it in diagnostics; ``text``, the document's YAML/JSON text, gives their lines.
    """
    try:
        spec = Spec.from_document(document, source, text)
    except SpecError as exc:
        diags.error(source, 0, "spec-unreadable", str(exc))
        return None
    return spec if servable(spec, diags) else None


def servable(spec: Spec, diags: Diagnostics) -> bool:
    """Report ``spec``'s problems as ``sandbox-*`` diagnostics (module docstring); True when there
    is no error among them."""
    before = diags.count(Severity.ERROR)
    if any(p.kind == "bad-ref" for p in spec.problems):
        spec.report(diags, {"bad-ref": "sandbox-bad-ref"}, frozenset({"bad-ref"}))
        return False

    def declared_scheme(problem: Problem) -> bool:
        return problem.pointer.startswith(_SCHEMES)

    spec.report(diags, _ERRORS, frozenset(_ERRORS))
    spec.report(diags, {"security": "sandbox-unsupported-security"}, frozenset(), only=declared_scheme)
    requirement = {"security": "sandbox-bad-operation"}
    spec.report(diags, requirement, frozenset(requirement), only=lambda p: not declared_scheme(p))
    for scheme in spec.security_schemes.values():
        if scheme.format is not None and scheme.format.location != "header":
            where = join_pointer("", "components", "securitySchemes", scheme.name)
            message = f"#{where}: {scheme.name}: the credential goes in a {scheme.format.location}; not enforced"
            diags.warning(spec.source, spec.line_of(where), "sandbox-unsupported-security", message)
    return diags.count(Severity.ERROR) == before


#: What an operation that declares no 2xx response answers: 200 without a body.
_BODILESS_200 = Response("200", "OK", ())


def success_of(op: Operation) -> Response:
    """The lowest 2xx response ``op`` declares; a bodiless 200 when it declares none."""
    return op.success or _BODILESS_200


def schema_of(part: Response | RequestBody | None) -> str | None:
    """The JSON pointer of the JSON body schema of a response or request body (None: no JSON body
    or no schema), the one :class:`generator.sandbox.schemas.Shaper` and ``Refs`` take."""
    media = part.json if part is not None else None
    return media.schema.pointer if media is not None and media.schema is not None else None
