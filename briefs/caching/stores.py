"""Where cached pages are kept: Redis, shared by every worker, or this
process's memory; and how a page is refused when what it shows has changed.

Both stores keep a *write sequence*: every invalidation takes the next
number and stamps each name it changes with it (``dep:<name>``). A miss
reads the sequence before rendering (``snapshot``); the page is then stored
only if none of its names was stamped later (``put``, one atomic step), so a
page rendered from data read before a write is never kept after that
write's invalidation. Invalidation happens at the write and again at commit
(``briefs.caching.content_changed``).

Redis: a hit is served from this worker's own copy of the page
(``WorkerCopies``) while Redis vouches for it, else one GET, with the raw
redis-py client (hiredis parses the reply), of a page stored ready to send. Pages are not checked on a hit: an
invalidation deletes them, found through a set per name of the pages that
show it (``rdeps:<name>``), in one Lua script; storing is another script.
Keys are namespaced by the Redis server's ``run_id``, which each connection
learns when it connects (``RunIdConnection``): a Redis restarted (empty or
from a snapshot) or failed over to a replica has a new run_id, so no page
stored before is ever read, and every connection to it knows the new one.
Redis must evict only keys with a TTL (``maxmemory-policy volatile-ttl``, or
``noeviction``): pages have one, the sequence, stamps and sets do not.

Memory (no Redis, one process): pages live in Django's local-memory cache;
the sequence and stamps live in this process, under a lock, so they are
never evicted, and a page is checked against them on every hit.

Why home-made: Django's cache framework has no atomic "store unless changed
since" nor a way to learn which Redis server answered; redis-py's RESP3
client-side caching reconnects by itself, so a worker could not tell that it
may have missed an invalidation, and it has no lease for a Redis that stops
answering.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import logging
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from briefs.caching import dependencies

logger = logging.getLogger("briefs.caching")

# How long the last copy of a dropped page is kept (``get_stale``).
STALE_SECONDS = 24 * 3600
# How long after Redis last answered a worker may serve its own copies
# (``WorkerCopies``), and how much of them it keeps.
LEASE_SECONDS = 0.2
COPIES_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class Snapshot:
    """What a miss reads before rendering: the write sequence (opaque to
    callers), the newest Last-Modified given so far, and the stored
    freshness entry (bytes, or None)."""

    token: tuple
    last_modified: int
    freshness: bytes | None


class Unavailable(Exception):
    """The page cache did not answer (or is resting after it did not)."""


class CacheState:
    """This worker's view of its page store: up, or down and left alone until
    a moment. One warning when it goes, one when it is back, with counts;
    never a traceback per request. ``owed``: everything must be dropped
    before this worker serves another cached page, because a call failed:
    its own invalidation, or any call, since while Redis did not answer this
    worker another's invalidation may have failed too (a frozen Redis gets
    none, then comes back with every page it held)."""

    def __init__(self):
        self.down_since: float | None = None
        self.retry_at = 0.0
        self.failures = 0
        self.skipped = 0
        # A new worker owes it too: an invalidation may have failed while it
        # did not exist (its predecessor's, or another's while Redis was
        # frozen), and it never saw the failure.
        self.owed = True
        self.last_error = ""

    def usable(self) -> bool:
        if self.down_since is not None and time.monotonic() < self.retry_at:
            self.skipped += 1
            return False
        return True

    def failed(self, error: BaseException) -> None:
        now = time.monotonic()
        self.failures += 1
        self.owed = True
        self.retry_at = now + settings.NEWSROOM_CACHE_RETRY_SECONDS
        self.last_error = f"{type(error).__name__}: {error}"
        if self.down_since is None:
            self.down_since = now
            logger.warning(
                "The page cache is unreachable (%s); serving pages uncached "
                "and trying again every %s s.",
                self.last_error,
                settings.NEWSROOM_CACHE_RETRY_SECONDS,
            )

    def succeeded(self) -> None:
        if self.down_since is None:
            return
        logger.warning(
            "The page cache is back after %.1f s: %d calls failed and %d were "
            "not tried meanwhile.",
            time.monotonic() - self.down_since,
            self.failures,
            self.skipped,
        )
        self.down_since = None
        self.failures = self.skipped = 0


def invalidate(store, names: frozenset[str] | None) -> None:
    """Drop the pages that show ``names`` (None: every page), now, even while
    the store rests after a failure: a write's invalidation is never put off
    (a page rendered meanwhile from the old data could be stored and served
    by another worker). Never raises: a failure is owed, and paid, widened to
    every page, before this worker serves another cached page."""
    state = store.state
    try:
        store.invalidate(None if state.owed else names)
    except Exception as error:
        state.failed(error)
        return
    state.owed = False
    state.succeeded()


def call(store, method, *args):
    """``method(*args)`` on ``store``, after paying any invalidation it owes.

    Raises Unavailable when the store fails (logged once per outage by its
    CacheState) or is resting after a failure; never anything else.
    """
    state = store.state
    if not state.usable():
        raise Unavailable(state.last_error)
    try:
        if state.owed:
            store.invalidate(None)
            state.owed = False
        result = method(*args)
    except Exception as error:
        state.failed(error)
        raise Unavailable(state.last_error) from error
    state.succeeded()
    return result


# Memory -------------------------------------------------------------------------


class PageStore:
    """What both stores do; each has its own ``_put``."""

    def put(
        self,
        entries: dict[str, bytes],
        names: Iterable[str],
        token: tuple,
        ttl: int,
        last_modified: int = 0,
    ) -> bool:
        """Store ``entries`` (key: stored page) for ``ttl`` seconds, showing
        ``names``, unless one of those names was written since ``token`` was
        read (``snapshot``). Whether they were stored."""
        return self._put(entries, tuple(names), token, ttl, last_modified)


class MemoryStore(PageStore):
    """Pages in a Django cache of this process, checked on every hit
    against write stamps kept in this process (never evicted)."""

    def __init__(self, alias: str = "default"):
        self.alias = alias
        self.state = CacheState()
        self._lock = threading.Lock()
        self._sequence = itertools.count(1)
        self._seq = 0
        self._stamps: dict[str, int] = {}
        # The last write that published, withdrew or deleted a brief.
        self._withdrawn = 0

    @property
    def _cache(self):
        return caches[self.alias]

    def get(self, name: str) -> bytes | None:
        entry = self._cache.get(f"newsroom:{name}")
        if entry is None:
            return None
        seq, names, blob = entry
        stamps = self._stamps
        if any(stamps.get(n, 0) > seq for n in names):
            return None
        return blob

    def ping(self) -> None:
        self._cache.get("newsroom:ping")

    def get_stale(self, name: str) -> bytes | None:
        entry = self._cache.get(f"newsroom:{name}")
        # Not from before a brief was published, withdrawn or deleted.
        if entry is None or entry[0] < self._withdrawn:
            return None
        return entry[2]

    def snapshot(self, freshness: str) -> Snapshot:
        with self._lock:
            token = (self._seq,)
        last_modified = self._cache.get("newsroom:last-modified", 0)
        return Snapshot(token, last_modified, self.get(freshness))

    def _put(self, entries, names, token, ttl, last_modified) -> bool:
        (seen,) = token
        with self._lock:
            if any(self._stamps.get(n, 0) > seen for n in names):
                return False
            self._cache.set_many(
                {f"newsroom:{k}": (seen, names, v) for k, v in entries.items()},
                timeout=ttl,
            )
            if last_modified > self._cache.get("newsroom:last-modified", 0):
                # Losing it (evicted) costs nothing: the ETag tells pages apart.
                self._cache.set("newsroom:last-modified", last_modified, timeout=None)
        return True

    def invalidate(self, names: frozenset[str] | None) -> None:
        with self._lock:
            self._seq = next(self._sequence)
            if names is None or dependencies.PUBLISHED_SET in names:
                self._withdrawn = self._seq
            for name in names if names is not None else ("*",):
                self._stamps[name] = self._seq


# Redis --------------------------------------------------------------------------


class RunIdMixin:
    """A connection that knows the run_id of the Redis server it reached."""

    run_id = ""

    # redis-py 8 connects through on_connect_check_health; older ones
    # through on_connect alone.
    def on_connect_check_health(self, *args, **kwargs) -> None:
        super().on_connect_check_health(*args, **kwargs)
        self._learn_run_id()

    def on_connect(self) -> None:
        super().on_connect()
        if not hasattr(super(), "on_connect_check_health"):
            self._learn_run_id()

    def _learn_run_id(self) -> None:
        self.send_command("INFO", "server")
        info = self.read_response()
        if isinstance(info, bytes):
            info = info.decode()
        if isinstance(info, dict):  # a parser that parses INFO itself
            self.run_id = str(info.get("run_id", ""))
            return
        for line in info.splitlines():
            if line.startswith("run_id:"):
                self.run_id = line.split(":", 1)[1].strip()
                return


@functools.cache
def _run_id_class(base: type) -> type:
    return type(f"RunId{base.__name__}", (RunIdMixin, base), {})


# Sequence and epoch: the epoch tells a flushed Redis's new sequence from the old.
_START = """
local ns = ARGV[1]
if redis.call('EXISTS', ns .. 'epoch') == 0 then
  redis.call('SET', ns .. 'epoch', ARGV[2])
  redis.call('SET', ns .. 'seq', 0)
end
"""

SNAPSHOT_SCRIPT = (
    _START
    + """
return redis.call('MGET', ns .. 'epoch', ns .. 'seq', ns .. 'lm', ns .. ARGV[3])
"""
)

# ARGV: ns, epoch, seq seen, ttl, last modified, n names, names..., key, value, ...
PUT_SCRIPT = """
local ns = ARGV[1]
if redis.call('GET', ns .. 'epoch') ~= ARGV[2] then return 0 end
local seen = tonumber(ARGV[3])
local n = tonumber(ARGV[6])
for i = 7, 6 + n do
  local stamp = redis.call('GET', ns .. 'dep:' .. ARGV[i])
  if stamp and tonumber(stamp) > seen then return 0 end
end
for i = 7 + n, #ARGV, 2 do
  local key = ns .. ARGV[i]
  redis.call('SET', key, ARGV[i + 1], 'EX', ARGV[4])
  redis.call('SADD', ns .. 'pages', key)
  for j = 7, 6 + n do
    if ARGV[j] ~= '*' then redis.call('SADD', ns .. 'rdeps:' .. ARGV[j], key) end
  end
end
local lm = tonumber(ARGV[5])
if lm > tonumber(redis.call('GET', ns .. 'lm') or '0') then
  redis.call('SET', ns .. 'lm', lm)
end
return 1
"""

# ARGV: ns, epoch, stale seconds, names... ('*': every page).
INVALIDATE_SCRIPT = (
    _START
    + """
local seq = redis.call('INCR', ns .. 'seq')
-- A brief published, withdrawn or deleted (or anything at all): no last
-- copy may outlive it, to be served while the database is away.
local withdrawn = false
for i = 4, #ARGV do
  if ARGV[i] == '*' or ARGV[i] == 'briefs' then withdrawn = true end
end
if withdrawn then
  for _, key in ipairs(redis.call('SMEMBERS', ns .. 'stale')) do
    redis.call('DEL', key)
  end
  redis.call('DEL', ns .. 'stale')
end
for i = 4, #ARGV do
  local name = ARGV[i]
  redis.call('SET', ns .. 'dep:' .. name, seq)
  local set = ns .. 'rdeps:' .. name
  if name == '*' then set = ns .. 'pages' end
  for _, key in ipairs(redis.call('SMEMBERS', set)) do
    if redis.call('EXISTS', key) == 1 then
      if withdrawn then
        redis.call('DEL', key)
      else
        redis.call('RENAME', key, key .. ':stale')
        redis.call('EXPIRE', key .. ':stale', ARGV[3])
        redis.call('SADD', ns .. 'stale', key .. ':stale')
      end
    end
  end
  redis.call('DEL', set)
end
-- Every worker's own copies (WorkerCopies) go too.
redis.call('PUBLISH', ns .. 'invalidated', seq)
return seq
"""
)


class WorkerCopies:
    """The pages this worker has read from Redis, served with no round trip
    while Redis vouches for them.

    A connection of the worker's own subscribes to the channel every
    invalidation publishes on (in the same script that deletes the pages),
    and is read without waiting before each hit: any invalidation drops
    every copy (the next request for each page reads Redis again, where
    only the changed pages are gone). Redis vouches by answering: a PING
    goes out every ``lease / 4`` and copies are served only within
    ``lease`` of the last answer, so a Redis that stops answering stops the
    copies sooner than a writer's invalidation can time out
    (``lease`` is under NEWSROOM_CACHE_TIMEOUT). Copies are dropped too
    whenever the lease lapses or the connection fails or is new (a
    restarted Redis), since an invalidation may have been missed meanwhile.
    At most ``max_bytes`` of pages are kept, the least recently used
    dropped first, so a worker's memory stays flat whatever the archive.
    """

    def __init__(self, pool: redis.ConnectionPool, lease: float, max_bytes: int):
        self.pool = pool
        self.lease = lease
        self.max_bytes = max_bytes
        self.pages: OrderedDict[str, bytes] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()
        self.connection = None
        self.pid = 0
        # When the last answered PING was sent (Redis was alive after it),
        # and the sending times of those not answered yet, oldest first.
        self.heard = self.pinged = 0.0
        self.unanswered: deque[float] = deque()

    def get(self, name: str) -> bytes | None:
        with self.lock:
            if not self._vouched():
                return None
            page = self.pages.get(name)
            if page is not None:
                self.pages.move_to_end(name)
            return page

    def keep(self, name: str, page: bytes) -> None:
        """Keep ``page``, just read from or stored in Redis: an invalidation
        that came after it is still unread on the channel, and drops it."""
        with self.lock:
            if self.connection is None or len(page) > self.max_bytes // 8:
                return
            old = self.pages.pop(name, None)
            self.size += len(page) - (len(old) if old is not None else 0)
            self.pages[name] = page
            while self.size > self.max_bytes:
                _, dropped = self.pages.popitem(last=False)
                self.size -= len(dropped)

    def clear(self) -> None:
        with self.lock:
            self._clear()

    def _clear(self) -> None:
        self.pages.clear()
        self.size = 0

    def _vouched(self) -> bool:
        """Read what the channel holds; whether Redis has answered within the lease."""
        now = time.monotonic()
        try:
            if self.connection is None or self.pid != os.getpid():
                self._subscribe(now)
            while self.connection.can_read(timeout=0):
                # RESP3 (redis-py's default) pushes messages; PING answers
                # "PONG" there, and ["pong", ""] under RESP2.
                reply = self.connection.read_response(push_request=True)
                if isinstance(reply, list) and reply[0] == b"message":
                    self._clear()
                elif _is_pong(reply) and self.unanswered:
                    self.heard = self.unanswered.popleft()
            if now - self.pinged >= self.lease / 4 and len(self.unanswered) < 64:
                self.connection.send_command("PING")
                self.unanswered.append(now)
                self.pinged = now
        except (redis.RedisError, OSError):
            self._close()
            return False
        if now - self.heard > self.lease:
            self._clear()
            return False
        return True

    def _subscribe(self, now: float) -> None:
        self._close()
        # A connection of its own, outside the pool, which never reconnects
        # by itself: a new one is a new subscription, with no copies.
        connection = self.pool.make_connection()
        connection.connect()
        connection.send_command("SUBSCRIBE", self.channel_of(connection))
        connection.read_response(push_request=True)  # [b"subscribe", channel, 1]
        self.connection, self.pid = connection, os.getpid()
        self.heard = self.pinged = now
        self.unanswered.clear()

    # Set by RedisStore: the channel invalidations are published on, for
    # the server this connection reached (it carries the server's run_id).
    channel_of: Callable[[redis.connection.AbstractConnection], str]

    def _close(self) -> None:
        self._clear()
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.disconnect()
        self.connection = None


def _is_pong(reply) -> bool:
    return reply == b"PONG" or (isinstance(reply, list) and reply[0] == b"pong")


class RedisStore(PageStore):
    """Pages in Redis, read with one GET on the connection's own namespace,
    and this worker's copies of them (``WorkerCopies``)."""

    def __init__(self, url: str, prefix: str, connect_timeout: float, timeout: float):
        self.pool = redis.ConnectionPool.from_url(
            url,
            socket_connect_timeout=connect_timeout,
            socket_timeout=timeout,
            # One try: a Redis that does not answer must cost one timeout.
            retry=None,
        )
        self.pool.connection_class = _run_id_class(self.pool.connection_class)
        self.prefix = f"{prefix}:" if prefix else ""
        self.state = CacheState()
        self._scripts: dict[str, str] = {}
        self.copies = WorkerCopies(
            self.pool, lease=min(LEASE_SECONDS, timeout / 2), max_bytes=COPIES_BYTES
        )
        self.copies.channel_of = lambda connection: (
            self._namespace(connection) + "invalidated"
        )

    def _namespace(self, connection: RunIdMixin) -> str:
        return f"{self.prefix}nr:{connection.run_id}:"

    def _call(self, command: tuple, *, namespaced=None):
        """Send one command on a pooled connection; ``namespaced`` builds it
        from the connection's namespace. Raises redis.RedisError, OSError."""
        connection = self.pool.get_connection()
        try:
            if namespaced is not None:
                command = namespaced(self._namespace(connection))
            connection.send_command(*command)
            return connection.read_response()
        except BaseException:
            connection.disconnect()
            raise
        finally:
            self.pool.release(connection)

    def _script(self, script: str, args_for) -> object:
        sha = self._scripts.get(script)
        if sha is None:
            sha = self._scripts[script] = hashlib.sha1(script.encode()).hexdigest()
        try:
            return self._call(
                (), namespaced=lambda ns: ("EVALSHA", sha, 0, *args_for(ns))
            )
        except redis.exceptions.NoScriptError:
            return self._call(
                (), namespaced=lambda ns: ("EVAL", script, 0, *args_for(ns))
            )

    def get(self, name: str) -> bytes | None:
        page = self.copies.get(name)
        if page is None:
            page = self._call((), namespaced=lambda ns: ("GET", ns + name))
            if page is not None:
                self.copies.keep(name, page)
        return page

    def ping(self) -> None:
        self._call(("PING",))

    def get_stale(self, name: str) -> bytes | None:
        found = self._call(
            (), namespaced=lambda ns: ("MGET", ns + name, ns + name + ":stale")
        )
        return found[0] or found[1]

    def snapshot(self, freshness: str) -> Snapshot:
        epoch, seq, last_modified, fresh = self._script(
            SNAPSHOT_SCRIPT, lambda ns: (ns, _new_epoch(), freshness)
        )
        return Snapshot((epoch, int(seq)), int(last_modified or 0), fresh)

    def _put(self, entries, names, token, ttl, last_modified) -> bool:
        epoch, seen = token
        pairs = [item for entry in entries.items() for item in entry]
        stored = self._script(
            PUT_SCRIPT,
            lambda ns: (
                ns,
                epoch,
                seen,
                ttl,
                last_modified,
                len(names),
                *names,
                *pairs,
            ),
        )
        return stored == 1

    def invalidate(self, names: frozenset[str] | None) -> None:
        names = sorted(names) if names is not None else ["*"]
        # Before Redis is asked: this worker never serves a copy the write
        # changed, even should the call fail.
        self.copies.clear()
        self._script(
            INVALIDATE_SCRIPT, lambda ns: (ns, _new_epoch(), STALE_SECONDS, *names)
        )
        # A barrier. Redis writes the script's published message to every
        # subscriber before it next waits for commands, and this PING is
        # read only in a later turn: once it is answered, every worker's
        # channel holds the message, and the next reader anywhere sees it.
        self.ping()


def _new_epoch() -> str:
    return str(time.time_ns())


# Choosing -----------------------------------------------------------------------


_stores: dict[tuple, MemoryStore | RedisStore] = {}
_stores_lock = threading.Lock()
# The last answer, with the CACHES setting it was found under (held, so that
# no other setting can take its id): every hit asks, and finding the cache
# backend costs more than the rest of the look-up.
_last: tuple[object, str, MemoryStore | RedisStore] | None = None


def store_for(alias: str = "default") -> MemoryStore | RedisStore:
    """The page store of cache ``alias``: Redis when it is a RedisCache, else
    this process's memory. One per server (or location), kept for the process."""
    global _last
    configured = settings.CACHES
    last = _last
    if last is not None and last[0] is configured and last[1] == alias:
        return last[2]
    store = _find_store(alias)
    _last = (configured, alias, store)
    return store


def _find_store(alias: str) -> MemoryStore | RedisStore:
    backend = caches[alias]
    if isinstance(backend, RedisCache):
        server = backend._servers[0]
        identity = ("redis", server, backend.key_prefix)
    else:
        identity = ("memory", alias, settings.CACHES[alias].get("LOCATION", ""))
    store = _stores.get(identity)
    if store is None:
        with _stores_lock:
            store = _stores.get(identity)
            if store is None:
                if identity[0] == "redis":
                    store = RedisStore(
                        server,
                        backend.key_prefix,
                        settings.NEWSROOM_CACHE_CONNECT_TIMEOUT,
                        settings.NEWSROOM_CACHE_TIMEOUT,
                    )
                else:
                    store = MemoryStore(alias)
                _stores[identity] = store
    return store
