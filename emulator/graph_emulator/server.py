"""The HTTPS server: stdlib ThreadingHTTPServer, HTTP/1.1 keep-alive, TLS handshake in the worker thread."""

import socket
import ssl
import struct
import sys
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .http_messages import ApiRequest, ApiResponse, graph_error


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GraphEmulator/0.1"
    timeout = 60  # idle keep-alive connections end after this
    # TCP_NODELAY: headers and body are written separately, and with Nagle's algorithm the body waited for the client's
    # delayed ACK of the headers (up to 40 ms: the OIDC discovery took 44 ms instead of 1-5), a cost Graph does not have.
    disable_nagle_algorithm = True

    def do_GET(self):  # noqa: N802 (http.server naming)
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self._send(ApiResponse.json(411, {"error": "chunked request bodies are not supported; send Content-Length"}))
            self.close_connection = True
            return
        body = self._read_body()
        split = urllib.parse.urlsplit(self.path)
        host = self.headers.get("Host") or "%s:%d" % self.server.server_address[:2]
        request = ApiRequest(
            method=self.command,
            path=urllib.parse.unquote(split.path) or "/",
            query=dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            base_url="https://" + host,
        )
        try:
            response = self.server.emulator.handle(request, client_host=self.client_address[0])
        except Exception:  # pylint: disable=broad-exception-caught
            # A bug in the emulator must answer like a failing service, not hang up the client.
            if not self.server.quiet:
                traceback.print_exc()
            response = graph_error(request, 500, "UnknownError", "The emulator failed to handle the request.")
        if response.reset:
            self._reset_connection()
            return
        self._send(response)

    def _send(self, response: ApiResponse):
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != 204:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.status != 204:
            self.wfile.write(response.body)

    def _reset_connection(self):
        """Drop the TCP connection with a RST and no HTTP response (an injected 'reset' fault)."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.rfile.close()  # the last reference: the socket really closes now, and linger 0 sends RST
        except OSError:
            pass

    def log_request(self, code="-", size="-"):
        # Method, path without the query, status: tokens travel in headers and are never printed.
        if not self.server.quiet:
            path = self.path.split("?", 1)[0]
            sys.stderr.write("%s - %s %s %s\n" % (self.address_string(), self.command, path, getattr(code, "value", code)))

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if not self.server.quiet:
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The listen backlog. socketserver's default of 5 dropped connections when a client opened many at once (the bulk
    # sync opens one per worker, 32 by default): the kernel drops a SYN past the backlog, and the client sends it again
    # only after a second, so one run in five or six of the cached sync at 1,000 took 1.1 s instead of 0.2 s.
    request_queue_size = 1024

    def __init__(self, address, emulator, ssl_context: ssl.SSLContext, *, quiet: bool = False):
        self.emulator = emulator
        self.ssl_context = ssl_context
        self.quiet = quiet
        super().__init__(address, EmulatorRequestHandler)

    def finish_request(self, request, client_address):
        request.settimeout(30)
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, socket.timeout)):
            return
        if not self.quiet:
            super().handle_error(request, client_address)
