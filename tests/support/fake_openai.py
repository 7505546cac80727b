"""A small OpenAI-compatible HTTP server, so that tests run the real openai/langchain client code.

Each request (chat completions, embeddings) is answered by `responder(request_json)`, which
returns the message content (a JSON string for structured output) or a `(status, body)` pair for
raw answers (such as `tool_calls_completion(...)`, an answer that calls tools, or
`embeddings_answer(...)`). A request with `"stream": true` gets the content as server-sent
events, a word per chunk (every `chunk_delay` seconds), then the usage when the client asked
for it.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = str | tuple[int, dict[str, Any]]
Responder = Callable[[dict[str, Any]], Answer]


def chat_completion(content: str, *, refusal: str | None = None) -> dict[str, Any]:
    """The body of a successful chat completion whose message says `content`."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def tool_calls_completion(*calls: tuple[str, str]) -> tuple[int, dict[str, Any]]:
    """A successful answer that calls tools: (name, arguments as a JSON text, which may be
    malformed on purpose) per call."""
    body = chat_completion("")
    message = body["choices"][0]["message"]
    message["content"] = None
    message["tool_calls"] = [
        {"id": f"call_{index}", "type": "function",
         "function": {"name": name, "arguments": arguments}}
        for index, (name, arguments) in enumerate(calls)
    ]  # fmt: skip
    body["choices"][0]["finish_reason"] = "tool_calls"
    return 200, body


def embeddings_answer(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Like OpenAI's embeddings: one vector of the dimensions asked for per input (peaking at
    len(text)), not in input order."""
    dimensions = request.get("dimensions", 1536)
    data = []
    for index, text in enumerate(request["input"]):
        vector = [0.0] * dimensions
        vector[len(text) % dimensions] = 2.0
        data.append({"object": "embedding", "index": index, "embedding": vector})
    data.reverse()
    usage = {"prompt_tokens": 1, "total_tokens": 1}
    return 200, {"object": "list", "data": data, "model": request["model"], "usage": usage}


def stream_events(content: str, *, usage: bool) -> list[dict[str, Any]]:
    """The chunks of a streamed chat completion saying `content`, a word per chunk."""
    base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": "gpt-4o-mini"}  # fmt: skip
    words = content.split(" ")
    pieces = [word if i == 0 else f" {word}" for i, word in enumerate(words)]
    events = [
        {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": piece},
                              "finish_reason": None, "logprobs": None}]}
        for piece in pieces
    ]  # fmt: skip
    events.append(
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop", "logprobs": None}]}
    )
    if usage:
        tokens = {"prompt_tokens": 12, "completion_tokens": len(pieces),
                  "total_tokens": 12 + len(pieces)}  # fmt: skip
        events.append({**base, "choices": [], "usage": tokens})
    return events


def schema_name(request: dict[str, Any]) -> str:
    """Which structured output a request asks for (the pydantic model's name)."""
    return request.get("response_format", {}).get("json_schema", {}).get("name", "")


class FakeOpenAI:
    """Serves /v1/chat/completions on a loopback port; records every request it answers."""

    def __init__(
        self, responder: Responder, *, delay: float = 0.0, chunk_delay: float = 0.0
    ) -> None:
        self.responder = responder
        self.delay = delay
        self.chunk_delay = chunk_delay
        self.requests: list[dict[str, Any]] = []
        self.streams_finished = 0
        self.streams_abandoned = 0  # the client closed the stream before its end
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def calls(self, name: str) -> int:
        with self._lock:
            return sum(1 for request in self.requests if schema_name(request) == name)

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(request)
        if self.delay:
            time.sleep(self.delay)
        answer = self.responder(request)
        return answer if isinstance(answer, tuple) else (200, chat_completion(answer))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                status, body = fake._answer(request)
                if request.get("stream") and status == 200:
                    self._stream(request, body["choices"][0]["message"]["content"])
                    return
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(payload)  # unless the client gave up waiting

            def _stream(self, request: dict[str, Any], content: str) -> None:
                usage = bool((request.get("stream_options") or {}).get("include_usage"))
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                try:
                    for event in stream_events(content, usage=usage):
                        self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                        self.wfile.flush()
                        if fake.chunk_delay:
                            time.sleep(fake.chunk_delay)
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    with fake._lock:
                        fake.streams_abandoned += 1
                    return
                with fake._lock:
                    fake.streams_finished += 1

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler


def _prompt_json(request: dict[str, Any]) -> Any:
    """The JSON our prompts put after their first line in the last message."""
    return json.loads(request["messages"][-1]["content"].split("\n", 1)[1])


def local_model(request: dict[str, Any]) -> str:
    """A stand-in model that answers our prompts by the local provider's rules."""
    from memories.llm import Candidate, LocalProvider, Related

    provider = LocalProvider()
    if schema_name(request) == "Extraction":
        candidates = provider.extract(messages=_prompt_json(request))
        return json.dumps({"memories": [candidate.model_dump() for candidate in candidates]})
    items = _prompt_json(request)
    decisions = provider.decide(
        candidates=[
            Candidate(**item["candidate"], tier="long_term", importance=0.5, message_index=0)
            for item in items
        ],
        related=[[Related(**memory) for memory in item["existing"]] for item in items],
    )
    return json.dumps({"decisions": [decision.model_dump() for decision in decisions]})
