"""Running one call under a wall-clock budget in a forked child, so a runaway regex cannot hang the test run."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from typing import Any


class OverBudget(AssertionError):
    """The call did not finish within its budget (it was killed)."""


def run_within(budget_s: float, function: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """`function(*args)` and its duration in seconds, run in a forked child; OverBudget when it runs past `budget_s`.

    A regular expression stuck in the `re` engine ignores signals, so the call runs in a child that can be
    killed; the child inherits the loaded modules (fork), so only the call itself is timed.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_call, args=(sender, function, args), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(budget_s):
            raise OverBudget(f"{_name(function)} on {_shape(args)} ran past its budget of {budget_s:g} s")
        outcome, value, elapsed = receiver.recv()
    finally:
        child.kill()
        child.join()
        receiver.close()
    if outcome == "error":
        raise AssertionError(f"{_name(function)} on {_shape(args)} raised {value}")
    return value, elapsed


def _call(sender, function: Callable[..., Any], args: tuple) -> None:
    started = time.perf_counter()
    try:
        value = function(*args)
    except Exception as error:  # the child reports any failure to the test instead of dying silently
        sender.send(("error", f"{type(error).__name__}: {error}", time.perf_counter() - started))
    else:
        sender.send(("ok", value, time.perf_counter() - started))
    sender.close()


def _name(function: Callable[..., Any]) -> str:
    return getattr(function, "__qualname__", repr(function))


def _shape(args: tuple) -> str:
    texts = [arg for arg in args if isinstance(arg, str)]
    return ", ".join(f"a text of {len(text):,} characters" for text in texts) or "its arguments"
