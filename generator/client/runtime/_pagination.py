"""Pages of list operations that answer ``{next, previous, results}`` (OAI's ``SyncCursorPage``).

``client.<group>.list(...)`` returns the first page (async: an :class:`AsyncPaginator`, awaited for
the first page). A page holds its ``results``, the ``next`` and ``previous`` links, the parsed page
``page`` (with ``count`` where the API sends one) and the raw ``response`` (``request_id``...).
Iterating a page yields its items and then those of the following pages, each fetched only when the
iteration reaches it, through the same client: credentials, retries and the rate limiter apply to
every page. :meth:`~SyncCursorPage.iter_pages` yields the pages themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from typing import Any, Generic, Self, TypeVar

from ._response import APIResponse

__all__ = ["AsyncCursorPage", "AsyncPaginator", "SyncCursorPage"]

T = TypeVar("T")


class _Page(Generic[T]):
    """What sync and async pages share: the parsed page and its links."""

    __slots__ = ("_fetch", "page", "response")

    def __init__(self, response: APIResponse[Any], fetch: Callable[[str], Any]) -> None:
        self.response = response
        self.page: Any = response.parse()
        self._fetch = fetch

    @property
    def results(self) -> list[T]:
        """The items of this page."""
        found = getattr(self.page, "results", None)
        return list(found) if found else []

    @property
    def next(self) -> str | None:
        """The link to the next page (None on the last page)."""
        return _link(getattr(self.page, "next", None))

    @property
    def previous(self) -> str | None:
        """The link to the previous page (None on the first page)."""
        return _link(getattr(self.page, "previous", None))

    def has_next_page(self) -> bool:
        """True when the server names a next page (and it is not this page again)."""
        link = self.next
        return link is not None and link != str(self.response.http_response.request.url)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {len(self.results)} results, next={self.next!r}>"


def _link(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


class SyncCursorPage(_Page[T]):
    """One page of a list; iterating it walks this page and the following ones (module docstring)."""

    __slots__ = ()

    def get_next_page(self) -> Self:
        """Fetch the next page; ``LookupError`` when there is none (:meth:`has_next_page`)."""
        link = self.next
        if link is None or not self.has_next_page():
            raise LookupError("this is the last page")
        page: Self = self._fetch(link)
        return page

    def iter_pages(self) -> Iterator[Self]:
        """This page, then each following page, fetched as the iteration reaches it."""
        page = self
        yield page
        while page.has_next_page():
            page = page.get_next_page()
            yield page

    def __iter__(self) -> Iterator[T]:
        for page in self.iter_pages():
            yield from page.results


class AsyncCursorPage(_Page[T]):
    """One page of a list (async client); ``async for`` walks this page and the following ones."""

    __slots__ = ()

    async def get_next_page(self) -> Self:
        """Fetch the next page; ``LookupError`` when there is none (:meth:`has_next_page`)."""
        link = self.next
        if link is None or not self.has_next_page():
            raise LookupError("this is the last page")
        page: Self = await self._fetch(link)
        return page

    async def iter_pages(self) -> AsyncIterator[Self]:
        """This page, then each following page, fetched as the iteration reaches it."""
        page = self
        yield page
        while page.has_next_page():
            page = await page.get_next_page()
            yield page

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.iter_pages():
            for item in page.results:
                yield item


class AsyncPaginator(Generic[T]):
    """What an async list method returns: ``await`` it for the first page, or ``async for`` over
    every item of every page (no request is sent before either)."""

    __slots__ = ("_first",)

    def __init__(self, first: Callable[[], Awaitable[AsyncCursorPage[T]]]) -> None:
        self._first = first

    def __await__(self) -> Generator[Any, None, AsyncCursorPage[T]]:
        return self._first().__await__()

    async def __aiter__(self) -> AsyncIterator[T]:
        page = await self._first()
        async for item in page:
            yield item
