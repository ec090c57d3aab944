"""The HTTP client of the CRM: bounded, cached, coalesced, and never raising.

``lookup`` answers within the configured timeout whatever the CRM does (slow, down,
answering garbage or 10 MB): the whole look-up, waiting for a free slot included,
runs under one deadline, and every failure is a ``LookupResult`` with a reason.
Answers are kept in a small LRU cache (failures only briefly); two rings of the
same number at once share one request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable

import aiohttp
from pydantic import ValidationError

from ccengine.cancelling import cancel_and_wait
from ccengine.config import CrmConfig
from ccengine.crm.model import (
    DISABLED,
    NOT_FOUND,
    CrmCustomer,
    LookupResult,
    Outcome,
    Query,
    Reason,
    failed,
)

log = logging.getLogger(__name__)

Clock = Callable[[], float]
PARSE_IN_THREAD_BYTES = 32_768  # larger answers are parsed off the event loop


class TooLarge(Exception):
    pass


class CrmClient:
    def __init__(self, config: CrmConfig, clock: Clock = time.monotonic) -> None:
        self.config, self._clock = config, clock
        self._cache: OrderedDict[Query, tuple[float, LookupResult]] = OrderedDict()
        self._flying: dict[Query, asyncio.Task[LookupResult]] = {}
        self._slots: asyncio.Semaphore | None = None
        self._session: aiohttp.ClientSession | None = None
        self.requests = 0  # sent to the CRM (tests and diagnostics read it)

    @property
    def enabled(self) -> bool:
        return self.config.active

    async def lookup(self, query: Query) -> LookupResult:
        """The CRM's answer for ``query``: cached, shared with a look-up in flight, or asked."""
        if not self.enabled:
            return DISABLED
        cached = self._cached(query)
        if cached is not None:
            return cached
        task = self._flying.get(query)
        if task is None:
            task = asyncio.create_task(self._ask(query), name="crm-lookup")
            self._flying[query] = task
            task.add_done_callback(lambda _t: self._flying.pop(query, None))
        return await asyncio.shield(task)

    async def close(self) -> None:
        await cancel_and_wait(list(self._flying.values()))
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- the cache ------------------------------------------------------------

    def _cached(self, query: Query) -> LookupResult | None:
        entry = self._cache.get(query)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            del self._cache[query]
            return None
        self._cache.move_to_end(query)
        return entry[1]

    def _keep(self, query: Query, result: LookupResult) -> None:
        seconds = (self.config.failure_cache_seconds if result.outcome is Outcome.FAILED
                   else self.config.cache_seconds)
        if seconds <= 0 or self.config.cache_size <= 0:
            return
        self._cache[query] = (self._clock() + seconds, result)
        self._cache.move_to_end(query)
        while len(self._cache) > self.config.cache_size:
            self._cache.popitem(last=False)

    # -- asking -----------------------------------------------------------------

    async def _ask(self, query: Query) -> LookupResult:
        try:
            async with asyncio.timeout(self.config.timeout_seconds):
                result = await self._request(query)
        except TimeoutError:
            result = failed(Reason.TIMEOUT)
        except TooLarge:
            result = failed(Reason.INVALID_ANSWER, "answer too large")
        except (aiohttp.ClientError, OSError) as exc:
            result = failed(Reason.UNREACHABLE, type(exc).__name__)
        except Exception:  # a bug of ours must not reach the ring or the ticket page
            log.exception("crm: look-up failed unexpectedly")
            result = failed(Reason.UNREACHABLE, "unexpected error")
        self._keep(query, result)
        return result

    async def _request(self, query: Query) -> LookupResult:
        async with self._semaphore():
            self.requests += 1
            session = self._client_session()
            assert self.config.url is not None  # enabled
            async with session.get(self.config.url, params=query.params(),
                                   headers=self._headers(), allow_redirects=False) as answer:
                if answer.status == 404:
                    return NOT_FOUND
                if answer.status != 200:
                    return failed(Reason.HTTP_STATUS, f"HTTP {answer.status}")
                body = await self._read(answer)
        return await _parsed(body)

    async def _read(self, answer: aiohttp.ClientResponse) -> bytes:
        limit = self.config.max_answer_bytes
        if (answer.content_length or 0) > limit:
            raise TooLarge
        body = bytearray()
        async for chunk in answer.content.iter_chunked(65_536):
            body.extend(chunk)
            if len(body) > limit:
                raise TooLarge
        return bytes(body)

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.config.token:
            headers[self.config.auth_header] = self.config.token
        return headers

    def _semaphore(self) -> asyncio.Semaphore:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.config.concurrency)
        return self._slots

    def _client_session(self) -> aiohttp.ClientSession:
        if self._session is None:  # made in the loop, on the first look-up
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.config.concurrency),
                raise_for_status=False)
        return self._session


async def _parsed(body: bytes) -> LookupResult:
    if len(body) > PARSE_IN_THREAD_BYTES:
        return await asyncio.to_thread(parse_answer, body)
    return parse_answer(body)


def parse_answer(body: bytes) -> LookupResult:
    """The contract's JSON as a found customer; anything else is an invalid answer."""
    try:
        customer = CrmCustomer.model_validate(json.loads(body))
    except (ValueError, ValidationError, RecursionError):
        return failed(Reason.INVALID_ANSWER)
    return LookupResult(Outcome.FOUND, customer)
