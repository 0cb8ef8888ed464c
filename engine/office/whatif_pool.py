"""模拟测算 on several cores: the year's persons split between worker processes.

Each worker opens the same database for reading (engine/store/database.py `open_reader`), reads its
share of the persons (consecutive person row ids holding about as many cases each:
queries.year_person_bounds) and re-runs them under the changed book, exactly as one process would;
the parent adds the shares up in order (whatif.merged), so the report is the one a single process
makes. Processes are started with "spawn" on every system, as Windows and the PyInstaller bundle do
(main.py calls multiprocessing.freeze_support). The parent tells progress and asks `stop()` while
it waits; a stop ends the workers (they only read) and raises whatif.Cancelled.
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
import queue as queues
from pathlib import Path
from typing import Callable

from .. import whatif
from ..store.database import Store, open_reader
from ..store.errors import StoreError
from ..store.queries import year_cases, year_person_bounds

# Below this many cases a worker's start (a fresh interpreter importing the engine, about a second)
# costs more than it saves: one worker, in this process.
CASES_PER_WORKER = 20_000
POLL_SECONDS = 0.1     # how often the parent looks at the workers (and lets a window repaint) while waiting


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # (Windows, macOS)
        return os.cpu_count() or 1


def worker_count(cases: int, requested: int | None = None) -> int:
    """`requested` if given; else one per core, with at least CASES_PER_WORKER cases each."""
    if requested is not None:
        return max(requested, 1)
    return max(min(cores(), cases // CASES_PER_WORKER), 1)


def shareable(store: Store) -> bool:
    """Whether workers can open the store's database again: its SQLite file, or the server at its URL."""
    return store.backend == "sqlite" or store.url is not None


def run(store: Store, year: int, changes: tuple[whatif.Change, ...], workers: int, *, total: int,
        progress: Callable[[int, int], None] | None = None, stop: Callable[[], bool] | None = None) -> whatif.Report:
    """The what-if of `year` over `workers` processes (the store's book plus `changes`)."""
    shares = year_person_bounds(store, year, workers)
    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    procs = [context.Process(target=_work, args=(store.folder, store.url, year, changes, share, k, messages),
                             name=f"whatif-{k}", daemon=True) for k, share in enumerate(shares)]
    try:
        for p in procs:
            p.start()
        return whatif.merged(year, changes, _gather(procs, messages, total, progress, stop))
    except BaseException:   # stopped, or a worker failed: the others only read, so they are ended
        for p in procs:
            if p.pid is not None:
                p.terminate()
        raise
    finally:
        for p in procs:
            if p.pid is not None:
                p.join()
        messages.close()


def _gather(procs: list, messages, total: int, progress: Callable[[int, int], None] | None,
            stop: Callable[[], bool] | None) -> list[whatif.Report]:
    """The workers' reports in order, telling progress (their cases done, summed) as they come."""
    done, reports = [0] * len(procs), [None] * len(procs)
    every, told = max(-(-total // whatif.PROGRESS_STEPS), 1), 0
    while any(r is None for r in reports):
        message = _next_message(procs, reports, messages)
        if message is None and progress:   # nothing for POLL_SECONDS (workers starting): the window repaints
            progress(told, total)           # and 取消 can be clicked meanwhile
        if message is not None:
            kind, k, value = message
            if kind == "error":
                raise value if isinstance(value, BaseException) else StoreError(*value)
            if kind == "done":
                reports[k], done[k] = value, value.cases
            else:
                done[k] = value
        if progress and sum(done) - told >= every:
            told = sum(done)
            progress(told, total)
        if stop and stop():
            raise whatif.Cancelled()
    if progress and told != sum(done):
        progress(sum(done), total)
    return reports


def _next_message(procs: list, reports: list, messages) -> tuple | None:
    """The next worker message, or None after POLL_SECONDS without one. A worker that ended without
    its report (killed, out of memory) fails the run."""
    try:
        return messages.get(timeout=POLL_SECONDS)
    except queues.Empty:
        pass
    for k, p in enumerate(procs):
        if reports[k] is None and p.exitcode is not None:
            try:   # its last message may still be on the way
                return messages.get(timeout=1)
            except queues.Empty:
                raise StoreError(f"模拟测算的计算进程意外结束（退出代码 {p.exitcode}），未保存任何结果。请重试；"
                                 "如仍失败，请关闭其他程序以释放内存后再试",
                                 f"what-if worker {k} ended without a result (exit code {p.exitcode})") from None
    return None


def _work(folder: Path, url: str | None, year: int, changes: tuple[whatif.Change, ...], share: range, k: int,
          messages) -> None:
    """A worker process: its share of the year re-run; progress, then the report (or the error) sent."""
    try:
        with open_reader(folder, url) as store:
            count, cases = year_cases(store, year, share)
            report = whatif.run(cases, year, changes, store.book, total=count,
                                progress=lambda done, _: messages.put(("progress", k, done)))
        messages.put(("done", k, report))
    except BaseException as exc:  # noqa: BLE001 (sent to the parent, which raises it)
        messages.put(("error", k, _portable(exc)))


def _portable(exc: BaseException) -> BaseException | tuple[str, str]:
    """The exception, if it survives the trip between processes; else its texts (zh, en), which the
    parent raises as a StoreError."""
    try:
        if type(pickle.loads(pickle.dumps(exc))) is type(exc):
            return exc
    except Exception:  # noqa: BLE001 (one that needs other arguments to be made again)
        pass
    en = f"{type(exc).__name__}: {exc}"
    return getattr(exc, "zh", None) or f"模拟测算的计算进程出错（{en}），未保存任何结果。请重试", en
