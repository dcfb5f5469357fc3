"""A small SMTP server in a thread, for the mail tests: it can hang, refuse, or receive.

"hang" accepts a connection and never says anything (a stuck mail server: the client waits
for the greeting until its timeout); "refuse" answers every RCPT with 550; "receive" takes
the mail. Switching `mode` affects the next connection.
"""

import contextlib
import socket
import threading
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser


class LocalSMTPServer:
    def __init__(self, mode: str = "receive") -> None:
        self.mode = mode
        self.connections = 0
        self.received: list[EmailMessage] = []
        self.changed = threading.Condition()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _address = self._listener.accept()
            except OSError:
                return
            with self.changed:
                self.connections += 1
                self._open.append(connection)
                self.changed.notify_all()
            if self.mode != "hang":
                threading.Thread(target=self._talk, args=(connection,), daemon=True).start()

    def _talk(self, connection: socket.socket) -> None:
        reader = connection.makefile("rb")

        def say(line: str) -> None:
            connection.sendall(line.encode() + b"\r\n")

        try:
            say("220 localhost test server")
            for raw in reader:
                command = raw.decode(errors="replace").strip().upper()
                if command.startswith(("EHLO", "HELO")):
                    say("250 localhost")
                elif command.startswith("RCPT") and self.mode == "refuse":
                    say("550 no such mailbox")
                elif command.startswith("DATA"):
                    say("354 go ahead")
                    lines = []
                    for data_line in reader:
                        if data_line in (b".\r\n", b".\n"):
                            break
                        lines.append(data_line[1:] if data_line.startswith(b"..") else data_line)
                    message = BytesParser(policy=policy.default).parsebytes(b"".join(lines))
                    with self.changed:
                        self.received.append(message)
                        self.changed.notify_all()
                    say("250 queued")
                elif command.startswith("QUIT"):
                    say("221 bye")
                    return
                else:  # MAIL, RCPT, RSET, NOOP
                    say("250 ok")
        except OSError:
            return
        finally:
            reader.close()
            connection.close()

    def wait_for(self, count: int, timeout: float = 30) -> list[EmailMessage]:
        """Block until `count` mails arrived (an event, not a sleep); fails after `timeout`."""
        with self.changed:
            if not self.changed.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(f"{len(self.received)} of {count} mails arrived")
            return list(self.received)

    def close(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() in _serve
        self._listener.close()
        with self.changed:
            for connection in self._open:
                connection.close()
        self._thread.join(timeout=5)
