"""Stored files that follow their transaction (SEC-1: a failed write leaves no trace).

A service saves an uploaded photo or a signature inside its transaction; if the
transaction rolls back, the file must go too, or a stray copy of personal data (a
signature, a photo of the customer's home) stays on disk with no record pointing to it.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

_open = threading.local()


def _delete(stored: list) -> None:
    for field_file in stored:
        if field_file and field_file.name:
            field_file.storage.delete(field_file.name)


@contextmanager
def files_removed_on_failure():
    """Yields a list to put each stored ``FieldFile`` in; if the block fails they are
    deleted again. Use it around the service's ``transaction.atomic()`` so a failure at the
    commit counts too.

    Nested use (a service calling another inside its transaction) hands the inner block's
    files to the outer one when the inner block succeeds: the outer transaction may still
    fail and roll back what the inner one wrote.
    """
    stack = _open.__dict__.setdefault("stack", [])
    stored: list = []
    stack.append(stored)
    try:
        yield stored
    except BaseException:
        _delete(stored)
        raise
    else:
        if len(stack) > 1:
            stack[-2].extend(stored)
    finally:
        stack.pop()
