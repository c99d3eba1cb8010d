"""Threads that collide on purpose, for the concurrency tests (PostgreSQL)."""

import threading

from django.db import connections


def run_together(jobs, timeout: float = 60):
    """Start every job at the same moment (a barrier) in its own thread with its own database
    connection; return (results, errors) in job order. A thread still running after
    ``timeout`` seconds fails the test (a deadlock, or a lock never released)."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:  # collected and checked by the caller
            errors[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a thread is still waiting (a deadlock?)"
    return results, errors
