"""datamodel-code-generator in a process of its own, started before the spec is read.

``recallgen generate`` spends a third of its time in datamodel-code-generator, importing it (with
pydantic) included. :func:`prestart_models` forks a process that imports it at once, while this
one reads the spec and prepares the models' input; :func:`generator.client.render.generate_models`
then hands that input to it (pickled through a pipe) and gets the module back, exactly as it would
have made it itself (:func:`models_answer` runs in both cases). The input can also be handed over
earlier (:func:`send_request`), so that the models are made while this process does other work
(``recallgen build`` validates the spec meanwhile); the answer is used only for the very request
that was sent. This module imports nothing heavy.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pickle
import signal
import struct
import sys
import threading
from typing import Any

#: What the process imports while it waits: datamodel-code-generator imports most of its parser and
#: model modules on its first run (half of that run); importing them changes nothing it writes.
AHEAD = (
    "datamodel_code_generator",
    "datamodel_code_generator.config",
    "datamodel_code_generator.parser.openapi",
    "datamodel_code_generator.model.pydantic_v2",
    "datamodel_code_generator.model.pydantic_v2.base_model",
    "datamodel_code_generator.model.enum",
    "datamodel_code_generator.model._compiled_templates.pydantic_v2_basemodel",
    "datamodel_code_generator.model._compiled_templates.enum",
    "generator.client.models_input",
)


def models_answer(
    document: dict[str, Any], package: str, header: str, aliases: dict[str, str] | None
) -> tuple[str, str, str | None]:
    """datamodel-code-generator's models module for ``document``: ``("ok", module, what
    check_models says)``, ``("failed", exception type, message)`` or ``("several", "", None)``."""
    from datamodel_code_generator import InputFileType, PythonVersion, generate
    from datamodel_code_generator.enums import DataModelType

    from generator.client.models_input import check_models

    try:
        result = generate(
            document,
            input_file_type=InputFileType.OpenAPI,
            output_model_type=DataModelType.PydanticV2BaseModel,
            target_python_version=PythonVersion.PY_311,
            disable_timestamp=True,
            snake_case_field=True,
            base_class=f"{package}._models.BaseModel",
            use_annotated=True,
            field_constraints=True,
            use_schema_description=True,
            use_field_description=True,
            parent_scoped_naming=True,
            use_specialized_enum=True,
            use_standard_collections=True,
            use_union_operator=True,
            formatters=[],
            custom_file_header=header,
            aliases=aliases,
        )
    except Exception as exc:  # any failure of the third-party generator is a diagnostic, not a traceback
        return "failed", type(exc).__name__, str(exc)
    if not isinstance(result, str):
        return "several", "", None
    return "ok", result, check_models(result)


#: The process :func:`prestart_models` started, until :func:`generator.client.render.generate_models` uses it.
PRESTARTED: list[_ModelsProcess] = []


def prestart_models() -> None:
    """Start, in a forked process, what :func:`generator.client.render.generate_models` runs next: that process imports
    datamodel-code-generator (and pydantic) while this one reads the spec, then waits for the
    models' input. Nothing is started without ``fork``, on one core or with ``RECALLGEN_JOBS=1``.
    :func:`stop_prestarted` ends it when it was not used."""
    if PRESTARTED or not hasattr(os, "fork") or (os.cpu_count() or 1) < 2 or os.environ.get("RECALLGEN_JOBS") == "1":
        return
    PRESTARTED.append(_ModelsProcess())


def send_request(request: tuple[Any, ...]) -> bool:
    """Hand ``request`` (the arguments of :func:`models_answer`) to the process :func:`prestart_models`
    started, without waiting: it makes the models while this process goes on. False when there is no
    such process. :func:`generator.client.render.generate_models` later takes the answer if it asks
    for the same request."""
    if not PRESTARTED:
        return False
    PRESTARTED[0].send(request)
    return True


def stop_prestarted() -> None:
    """End the process :func:`prestart_models` started, if it was not used."""
    while PRESTARTED:
        PRESTARTED.pop().close()


#: The length of a request, before its pickled bytes (the process reads exactly that many: a process
#: forked from this one later holds the pipe open too, so its end is not waited for).
_LENGTH = struct.Struct("<Q")


def _read_exactly(fd: int, size: int) -> bytes:
    chunks: list[bytes] = []
    while size > 0:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


class _ModelsProcess:
    """A forked process that answers one :func:`models_answer` request (pickled through pipes)."""

    def __init__(self) -> None:
        self._sent: tuple[Any, ...] | None = None
        self._writer: threading.Thread | None = None
        request_read, self._request = os.pipe()
        self._answer, answer_write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns
            code = 0
            try:
                os.close(self._request)
                os.close(self._answer)
                for module in AHEAD:  # an error here is met again by the request below, which answers it
                    with contextlib.suppress(Exception):
                        importlib.import_module(module)
                head = _read_exactly(request_read, _LENGTH.size)
                data = _read_exactly(request_read, _LENGTH.unpack(head)[0]) if len(head) == _LENGTH.size else b""
                if data:
                    answer = models_answer(*pickle.loads(data))
                    with os.fdopen(answer_write, "wb") as outgoing:
                        outgoing.write(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(request_read)
        os.close(answer_write)

    def send(self, request: tuple[Any, ...]) -> None:
        """Write ``request`` to the process from a thread (the process may still be importing: a
        large request would fill the pipe and block this one)."""
        if self._sent is not None:
            return
        self._sent = request
        data = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        self._writer = threading.Thread(target=self._write, args=(_LENGTH.pack(len(data)) + data,), daemon=True)
        self._writer.start()

    def _write(self, data: bytes) -> None:
        with contextlib.suppress(OSError), os.fdopen(self._request, "wb") as outgoing:
            outgoing.write(data)

    def run(self, request: tuple[Any, ...]) -> tuple[str, str, str | None] | None:
        """The child's answer to ``request``; None when it gave none (it died, or it was sent another
        request by :meth:`send`): run it here."""
        if self._sent is not None and self._sent != request:
            self.close()
            return None
        self.send(request)
        try:
            with os.fdopen(self._answer, "rb") as incoming:
                data = incoming.read()
        except OSError:
            data = b""
        finally:
            self._join()
        try:
            answer: tuple[str, str, str | None] = pickle.loads(data)
        except Exception:
            return None
        return answer

    def _join(self) -> None:
        if self._writer is not None:
            self._writer.join()
        os.waitpid(self.pid, 0)

    def close(self) -> None:
        """End the process: it exits when no request was sent; it is killed when one was (its
        answer is not wanted)."""
        if self._writer is None:
            with contextlib.suppress(OSError):
                os.close(self._request)
        else:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.close(self._answer)
        self._join()
