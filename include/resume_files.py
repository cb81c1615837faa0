"""Reading one résumé file for the sync: from the cache by version, else downloaded and extracted.

Both ATS syncs read résumés this way, so that a résumé version is downloaded
once (the cache, ``include/resume_cache.py``), a file over the size limit is
refused before it is read whole (``FileTooLarge``, raised by the hooks while they
stream a body), and every outcome is a text or a precise reason.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from include.resume_cache import CachedResume, ResumeCache

# Résumés read at once by one task: downloads wait on the ATS and extraction runs in
# worker processes, so several at once overlap both. Measured on 2 cores against the
# sandbox, 4 left the cores half idle and 8 read 1.5× as many résumés a second (before
# extraction was bounded to the cores: ``include.resume_text._MAX_WORKERS``).
RESUMES_IN_FLIGHT = 8

Item = TypeVar("Item")
Row = TypeVar("Row")


class FileTooLarge(Exception):
    """A file body over the size limit: refused unread, as soon as the limit was passed."""

    def __init__(self, limit: int, size: int | None = None) -> None:
        seen = f"{size:,} bytes" if size is not None else "more than that"
        super().__init__(f"file too large ({seen}, the limit is {limit:,} bytes)")
        self.limit = limit
        self.size = size


class ResumeReader:
    """Reads résumé files through the cache, and counts what that cost.

    :param cache: the résumé text cache.
    :param max_bytes: the largest file read (``max_resume_bytes``).
    """

    def __init__(self, cache: ResumeCache, max_bytes: int) -> None:
        self.cache = cache
        self.max_bytes = max_bytes
        self.downloaded = 0
        self.from_cache = 0
        # Several threads may read through one reader (concurrent downloads).
        self._count_lock = threading.Lock()

    def read(
        self, document_id: str, version: str, download: Callable[[int], bytes | None], name: str
    ) -> CachedResume:
        """Return one résumé version's text, or the reason it has none.

        ``download(max_bytes)`` fetches the file (one API call; None when it does
        not exist) and is called only when the cache does not hold this version.
        ``name`` says which file in a reason (an id, never a person's name).
        """
        from include.resume_text import UnreadableResume, extract_resume_text

        cached = self.cache.get(document_id, version)
        if cached is not None:
            self._count("from_cache")
            return cached
        try:
            content = download(self.max_bytes)
        except FileTooLarge as too_large:
            self._count("downloaded")
            return CachedResume(reason=str(too_large))  # this run's limit, not the file's fault: not kept
        self._count("downloaded")
        if content is None:
            return CachedResume(reason=f"file {name} not found")
        try:
            outcome = CachedResume(text=extract_resume_text(content, max_bytes=self.max_bytes))
        except UnreadableResume as unreadable:
            outcome = CachedResume(reason=unreadable.reason)
            if not unreadable.lasting:
                return outcome
        self.cache.put(document_id, version, outcome)
        return outcome

    def _count(self, counter: str) -> None:
        with self._count_lock:
            setattr(self, counter, getattr(self, counter) + 1)


def in_order(
    read: Callable[[Item], Row], items: Iterable[Item], in_flight: int = RESUMES_IN_FLIGHT
) -> Generator[Row]:
    """Yield ``read(item)`` for each item, in order, with at most ``in_flight`` being read at once.

    Only ``in_flight`` results are ever read ahead of the consumer, so memory
    stays flat however slowly the rows are used (posted, say). An exception
    from ``read`` is raised when its row's turn comes; the reads not yet
    started are then cancelled.
    """
    with ThreadPoolExecutor(max_workers=in_flight, thread_name_prefix="resume") as pool:
        pending: deque[Future[Row]] = deque()
        try:
            for item in items:
                pending.append(pool.submit(read, item))
                if len(pending) >= in_flight:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
