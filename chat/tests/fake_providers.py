"""Fake OpenAI- and Anthropic-compatible HTTP servers for tests and the latency bench.

They speak the real wire formats (JSON and SSE as the SDKs parse them) and can be told to
answer 400, 401, 429 (with retry-after), 500, to stall, to fail after the first chunk, or to
hold the stream after the first chunk until released.
"""

import json
import select
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ERROR_STATUSES = {"400": 400, "401": 401, "429": 429, "500": 500}


@dataclass
class FakeState:
    mode: str = "ok"  # ok | 400 | 401 | 429 | 500 | stall | fail_after_first | hold_after_first
    words: list[str] = field(default_factory=lambda: ["Hello", " from", " the", " fake", " provider."])
    report_usage: bool = True
    chunk_delay: float = 0.0
    release: threading.Event = field(default_factory=threading.Event)
    client_closed: threading.Event = field(default_factory=threading.Event)
    requests: list[dict] = field(default_factory=list)
    first_chunk_sent_at: list[float] = field(default_factory=list)

    def reset(self) -> None:
        self.__init__()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: FakeState
    flavour: str  # "openai" | "anthropic"

    def log_message(self, format, *args):  # noqa: A002
        pass

    # plumbing

    def _json(self, status: int, body: dict, headers: dict | None = None) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def _start_sse(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def _send(self, text: str) -> None:
        self.wfile.write(text.encode())
        self.wfile.flush()

    def _peer_closed(self) -> bool:
        readable, _, _ = select.select([self.connection], [], [], 0)
        if not readable:
            return False
        try:
            return self.connection.recv(1) == b""
        except OSError:
            return True

    def _hold(self) -> bool:
        """Waits for `release`; False when the client went away meanwhile."""
        while not self.state.release.wait(0.01):
            if self._peer_closed():
                self.state.client_closed.set()
                return False
        return True

    def _error(self, status: int) -> None:
        headers = {"retry-after": "7"} if status == 429 else {}
        messages = {400: "Invalid value for max_tokens", 401: "Incorrect API key provided", 429: "Rate limit reached",
                    500: "The server had an error"}  # fmt: skip
        if self.flavour == "openai":
            body = {
                "error": {"message": messages[status], "type": "invalid_request_error", "param": None, "code": None}
            }
        else:
            kinds = {
                400: "invalid_request_error",
                401: "authentication_error",
                429: "rate_limit_error",
                500: "api_error",
            }
            body = {"type": "error", "error": {"type": kinds[status], "message": messages[status]}}
        self._json(status, body, headers)

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self.state.requests.append(
            {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
        )
        expected = "/v1/chat/completions" if self.flavour == "openai" else "/v1/messages"
        if self.path != expected:
            self._json(404, {"error": {"message": f"no route {self.path}"}})
            return
        mode = self.state.mode
        if mode in ERROR_STATUSES:
            self._error(ERROR_STATUSES[mode])
            return
        if mode == "stall":
            self.state.release.wait(10)
            return
        input_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
        input_tokens += len(str(body.get("system", "")).split())
        try:
            if body.get("stream"):
                (self._openai_stream if self.flavour == "openai" else self._anthropic_stream)(body, input_tokens)
            else:
                (self._openai_complete if self.flavour == "openai" else self._anthropic_complete)(body, input_tokens)
        except (BrokenPipeError, ConnectionResetError):
            self.state.client_closed.set()

    # OpenAI

    def _openai_chunk(self, body: dict, choices: list, usage: dict | None = None) -> str:
        chunk = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                 "model": body["model"], "choices": choices}  # fmt: skip
        if usage is not None:
            chunk["usage"] = usage
        return f"data: {json.dumps(chunk)}\n\n"

    def _openai_complete(self, body: dict, input_tokens: int) -> None:
        words = self.state.words
        response = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": "".join(words)}, "finish_reason": "stop"}
            ],
        }
        if self.state.report_usage:
            response["usage"] = {"prompt_tokens": input_tokens, "completion_tokens": len(words),
                                 "total_tokens": input_tokens + len(words)}  # fmt: skip
        self._json(200, response)

    def _openai_stream(self, body: dict, input_tokens: int) -> None:
        self._start_sse()
        self._send(self._openai_chunk(body, [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                              "finish_reason": None}]))  # fmt: skip
        for i, word in enumerate(self.state.words):
            if i == 0:
                self.state.first_chunk_sent_at.append(time.perf_counter())
            self._send(self._openai_chunk(body, [{"index": 0, "delta": {"content": word}, "finish_reason": None}]))
            if i == 0 and not self._after_first():
                return
            time.sleep(self.state.chunk_delay)
        self._send(self._openai_chunk(body, [{"index": 0, "delta": {}, "finish_reason": "stop"}]))
        include_usage = (body.get("stream_options") or {}).get("include_usage")
        if self.state.report_usage and include_usage:
            usage = {"prompt_tokens": input_tokens, "completion_tokens": len(self.state.words),
                     "total_tokens": input_tokens + len(self.state.words)}  # fmt: skip
            self._send(self._openai_chunk(body, [], usage))
        self._send("data: [DONE]\n\n")

    def _after_first(self) -> bool:
        """What happens after the first chunk: hold, fail, or carry on. False ends the stream."""
        if self.state.mode == "hold_after_first":
            return self._hold()
        if self.state.mode == "fail_after_first":
            if self.flavour == "openai":
                self._send(f"data: {json.dumps({'error': {'message': 'The server had an error mid-stream'}})}\n\n")
            else:
                error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
                self._send(f"event: error\ndata: {json.dumps(error)}\n\n")
            return False
        return True

    # Anthropic

    def _event(self, name: str, data: dict) -> None:
        self._send(f"event: {name}\ndata: {json.dumps(data)}\n\n")

    def _anthropic_complete(self, body: dict, input_tokens: int) -> None:
        words = self.state.words
        self._json(
            200,
            {
                "id": "msg_fake",
                "type": "message",
                "role": "assistant",
                "model": body["model"],
                "content": [{"type": "text", "text": "".join(words)}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": input_tokens, "output_tokens": len(words)},
            },
        )

    def _anthropic_stream(self, body: dict, input_tokens: int) -> None:
        self._start_sse()
        message = {"id": "msg_fake", "type": "message", "role": "assistant", "content": [], "model": body["model"],
                   "stop_reason": None, "stop_sequence": None,
                   "usage": {"input_tokens": input_tokens, "output_tokens": 1}}  # fmt: skip
        self._event("message_start", {"type": "message_start", "message": message})
        self._event("content_block_start", {"type": "content_block_start", "index": 0,
                                            "content_block": {"type": "text", "text": ""}})  # fmt: skip
        self._event("ping", {"type": "ping"})
        for i, word in enumerate(self.state.words):
            if i == 0:
                self.state.first_chunk_sent_at.append(time.perf_counter())
            self._event("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                "delta": {"type": "text_delta", "text": word}})  # fmt: skip
            if i == 0 and not self._after_first():
                return
            time.sleep(self.state.chunk_delay)
        self._event("content_block_stop", {"type": "content_block_stop", "index": 0})
        delta = {"stop_reason": "end_turn", "stop_sequence": None}
        usage = {"output_tokens": len(self.state.words)}
        self._event("message_delta", {"type": "message_delta", "delta": delta, "usage": usage})
        self._event("message_stop", {"type": "message_stop"})


class FakeProviderServer:
    """`with FakeProviderServer("openai") as fake:` serves on 127.0.0.1 at `fake.url`."""

    def __init__(self, flavour: str):
        self.state = FakeState()
        handler = type(f"{flavour}Handler", (_Handler,), {"state": self.state, "flavour": flavour})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeProviderServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.state.release.set()
        self.server.shutdown()
        self.server.server_close()
