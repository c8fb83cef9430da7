"""A loopback TCP proxy that can lose a database server's reply, kill connections and refuse new ones.

The proxy listens on 127.0.0.1 on a free port and passes bytes both ways between
each client and the server. On request it:

- drops the reply after the server has acted: `arm(b"COMMIT")` makes the next
  client packet that holds the statement word go through, waits for the
  server's reply, swallows it and closes that connection, so the client cannot
  know whether the statement took effect (or, with lose="request", closes the
  connection before the packet reaches the server);
- kills every open connection (`kill_all()`);
- refuses connections (`refuse()`), by accepting and closing them at once.

`BlackHole` is a TCP server that accepts connections and never answers.
Every wait is bounded, and `close()` stops every thread.

The proxy finds statements by their text. psycopg stops sending a statement's text
once it has prepared it (after 5 uses on one connection), so arm the proxy for a
statement that its connection has not yet run 5 times; the tests check that it fired.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from types import TracebackType

from sqlalchemy import make_url

CHUNK = 65536
POLL = 0.1  # seconds between checks of the stop flag
REPLY_WAIT = 10.0  # longest wait for the server's reply to a doomed packet
QUIET = 0.15  # the reply is complete once the server has sent nothing for this long


def close_quietly(sock: socket.socket) -> None:
    """Shut a socket down both ways, which wakes a thread blocked on it, and close it."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def statement_word(word: bytes) -> re.Pattern[bytes]:
    """A pattern for `word` standing alone, so b"COMMIT" finds COMMIT but not SET AUTOCOMMIT."""
    return re.compile(rb"(?<![A-Za-z0-9_])" + re.escape(word) + rb"(?![A-Za-z0-9_])")


class Link:
    """One client connection and its connection to the server."""

    def __init__(self, client: socket.socket, server: socket.socket) -> None:
        self.client = client
        self.server = server
        self.doomed = threading.Event()  # set once a trigger packet went to the server
        self.last_reply = 0.0  # monotonic time of the last server bytes swallowed, 0 if none yet
        self.closed = threading.Event()

    def close(self) -> None:
        if not self.closed.is_set():
            self.closed.set()
            close_quietly(self.client)
            close_quietly(self.server)


class Proxy:
    """A proxy from 127.0.0.1:`port` to `host`:`target_port`; a context manager that closes it."""

    def __init__(self, host: str, target_port: int) -> None:
        self.target = (host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(POLL)
        self.port: int = self.listener.getsockname()[1]
        self.links: list[Link] = []
        self.threads: list[threading.Thread] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.trigger: re.Pattern[bytes] | None = None
        self.refuse_after_drop = False
        self.lose_request = False
        self.refusing = threading.Event()
        self.frozen = threading.Event()
        self.drops = 0  # replies dropped, after the server acted, so far
        self.lost_requests = 0  # trigger packets the server never saw, so far
        self.refused = 0  # connections refused so far
        self._start(self._accept, "proxy-accept")

    @classmethod
    def to(cls, url: str) -> Proxy:
        """A proxy to the server a SQLAlchemy URL names."""
        parsed = make_url(url)
        default = {"postgresql": 5432, "mysql": 3306}[parsed.get_backend_name()]
        return cls(parsed.host or "127.0.0.1", parsed.port or default)

    def url_for(self, url: str) -> str:
        """The same URL, pointed at the proxy."""
        return make_url(url).set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def arm(self, word: bytes, refuse_after: bool = False, lose: str = "reply") -> None:
        """Lose the reply to the next client packet that holds the statement `word`.

        With lose="request" the packet itself is lost instead: the connection closes
        before the server sees it. With `refuse_after`, the proxy also refuses every
        new connection from then on, until `allow()`, so the client cannot read back
        what happened.
        """
        if lose not in ("reply", "request"):
            raise ValueError(f"lose must be 'reply' or 'request', not {lose!r}")
        with self.lock:
            self.trigger = statement_word(word)
            self.lose_request = lose == "request"
            self.refuse_after_drop = refuse_after

    def disarm(self) -> None:
        with self.lock:
            self.trigger = None

    @property
    def armed(self) -> bool:
        return self.trigger is not None

    def refuse(self) -> None:
        """Accept and at once close every new connection, until `allow()`."""
        self.refusing.set()

    def allow(self) -> None:
        self.refusing.clear()

    def freeze(self) -> None:
        """Stop passing the server's answers on, and keep every connection open: a server that stops answering."""
        self.frozen.set()

    def kill_all(self) -> int:
        """Close every open connection now; returns how many there were."""
        with self.lock:
            links, self.links = [link for link in self.links if not link.closed.is_set()], []
        for link in links:
            link.close()
        return len(links)

    def close(self) -> None:
        """Stop listening, close every connection and wait (bounded) for the threads."""
        self.stopping.set()
        self.kill_all()
        self.listener.close()
        for thread in self.threads:
            thread.join(timeout=5)

    def __enter__(self) -> Proxy:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _start(self, target, name: str, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self.threads = [running for running in self.threads if running.is_alive()] + [thread]
        thread.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.refusing.is_set():
                self.refused += 1
                close_quietly(client)
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                close_quietly(client)
                continue
            for sock in (client, server):
                sock.settimeout(None)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            link = Link(client, server)
            with self.lock:
                self.links = [open_link for open_link in self.links if not open_link.closed.is_set()] + [link]
            self._start(self._client_to_server, "proxy-up", link)
            self._start(self._server_to_client, "proxy-down", link)

    def _client_to_server(self, link: Link) -> None:
        tail = b""
        fired: str | None = None
        while not link.closed.is_set():
            try:
                data = link.client.recv(CHUNK)
                if not data:
                    break
                fired = self._fires(tail, data)
                if fired == "request":
                    break
                link.server.sendall(data)
            except OSError:
                break
            tail = (tail + data)[-64:]
            if fired == "reply":
                link.doomed.set()
                self._start(self._drop_reply, "proxy-drop", link)
        if not link.doomed.is_set():
            link.close()
        if fired == "request" and self.refusing.is_set():
            self.kill_all()

    def _fires(self, tail: bytes, data: bytes) -> str | None:
        """What to lose, "reply" or "request", if `data` completes the armed statement word; disarms if so."""
        with self.lock:
            if self.trigger is None:
                return None
            found = self.trigger.search(tail + data)
            if found is None or found.end() <= len(tail):
                return None
            self.trigger = None
            if self.refuse_after_drop:
                self.refusing.set()
            if self.lose_request:
                self.lost_requests += 1
                return "request"
            return "reply"

    def _server_to_client(self, link: Link) -> None:
        while not link.closed.is_set():
            try:
                data = link.server.recv(CHUNK)
                if not data:
                    break
                if link.doomed.is_set():
                    link.last_reply = time.monotonic()
                    continue
                if self.frozen.is_set():
                    continue
                link.client.sendall(data)
            except OSError:
                break
        if not link.doomed.is_set():
            link.close()

    def _drop_reply(self, link: Link) -> None:
        """Wait for the server's whole reply to the trigger packet, then close the connection unanswered."""
        deadline = time.monotonic() + REPLY_WAIT
        while time.monotonic() < deadline and not link.closed.is_set():
            if link.last_reply and time.monotonic() - link.last_reply >= QUIET:
                break
            time.sleep(0.01)
        with self.lock:
            if link.last_reply:
                self.drops += 1
            if link in self.links:
                self.links.remove(link)
        link.close()
        if self.refusing.is_set():  # armed with refuse_after: no old connection may read back either
            self.kill_all()


class BlackHole:
    """A TCP server on 127.0.0.1 that accepts connections and never sends a byte."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(POLL)
        self.port: int = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, name="black-hole", daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(client)  # kept open, read from by no one

    def close(self) -> None:
        self.stopping.set()
        self.listener.close()
        self.thread.join(timeout=5)
        for client in self.accepted:
            close_quietly(client)

    def __enter__(self) -> BlackHole:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
