"""Records of credit refusals that outlive the transactions the refusal rolls back (SPEC §5:
every refusal is recorded; docs/decisions/0009-credit-approval.md).

A refusal is an exception: it rolls back the service's transaction (the document is not
written), and with it every transaction of the caller that it leaves — an import that is all
or nothing, a caller's own ``transaction.atomic()``. The record of the refusal must stay.

No second connection writes it: SQLite has one writer, and the caller's transaction holds
the lock until it ends. Instead the record is written on the caller's connection at once — a
caller that commits keeps it, once — and remembered on the connection until the outermost
transaction ends:

- the savepoint that holds it is rolled back: it is written again at once, in the block
  around that savepoint;
- the outermost transaction is rolled back: it is written again right after, in a
  transaction of its own (when what it refers to is gone with the rollback — a customer
  created in the same import — there is nothing to record it against, and it is dropped);
- the outermost transaction commits: it is forgotten;
- the caller rolls back on purpose (an import's dry run): ``refusals_forget`` drops it first.

Django runs hooks after a commit (``on_commit``) but none after a rollback, so the
connection's two rollback methods are wrapped, once per connection, to call ``_rewrite``.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError, transaction

_PENDING = "kehu_credit_refusals"


@dataclass
class _Kept:
    write: Callable  # writes the record, returns it
    depth: int  # how many atomic blocks were open around it when it was last written
    pk: int


def refusal_keep(write: Callable, using: str | None = None):
    """Write a refusal's record with ``write()`` (which returns the saved row) and keep it
    through the rollbacks of the transactions around this call (see the module)."""
    connection = transaction.get_connection(using)
    record = write()
    if not connection.in_atomic_block:
        return record  # autocommit: written for good
    pending = _pending(connection)
    if not pending:
        # Forgotten when the outermost transaction commits; a hook registered outside every
        # savepoint (``on_commit`` would tie it to the current ones and drop it with them).
        connection.run_on_commit.append((set(), pending.clear, False))
    pending.append(_Kept(write, len(connection.savepoint_ids), record.pk))
    return record


def refusals_forget(using: str | None = None) -> None:
    """Drop the refusals kept on this connection: the caller rolls back on purpose, as a dry
    run does, and what was refused in it never happened."""
    pending = transaction.get_connection(using).__dict__.get(_PENDING)
    if pending:
        pending.clear()


def _pending(connection) -> list[_Kept]:
    pending = connection.__dict__.get(_PENDING)
    if pending is None:
        pending = connection.__dict__[_PENDING] = []
        savepoint_rollback, rollback = connection.savepoint_rollback, connection.rollback

        def savepoint_rollback_keeping(sid):
            savepoint_rollback(sid)
            # ``atomic`` has taken the savepoint off ``savepoint_ids`` already: what was
            # written deeper than the blocks still open is gone.
            depth = len(connection.savepoint_ids)
            for kept in pending:
                if kept.depth > depth:
                    kept.pk, kept.depth = kept.write().pk, depth

        def rollback_keeping():
            rollback()
            lost = list(pending)
            pending.clear()
            for kept in lost:
                try:
                    kept.write()
                    connection.commit()
                except DatabaseError:
                    rollback()

        connection.savepoint_rollback = savepoint_rollback_keeping
        connection.rollback = rollback_keeping
    return pending
