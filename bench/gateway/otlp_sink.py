#!/usr/bin/env python3
"""A discarding OTLP/HTTP traces receiver for bench/gateway.sh (python3 stdlib only, loopback only).

    otlp_sink.py PORT

Answers every POST with 200 and an empty ExportTraceServiceResponse, after counting, per request path, the request,
its bytes and the spans in it (a protobuf walk of ExportTraceServiceRequest: resource_spans=1 -> scope_spans=2 ->
spans=2; nothing else is decoded and nothing is kept). GET /stats answers a line per path:
"path=P requests=N bytes=N spans=N".
"""
import gzip
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATS = {}


def varint(buf, i):
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, i
        shift += 7


def fields(buf):
    """Yields (field number, payload) for the length-delimited fields of one message; skips the others."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        number, kind = key >> 3, key & 7
        if kind == 0:
            _, i = varint(buf, i)
        elif kind == 1:
            i += 8
        elif kind == 5:
            i += 4
        elif kind == 2:
            n, i = varint(buf, i)
            yield number, buf[i:i + n]
            i += n
        else:
            raise ValueError("unsupported wire type %d" % kind)


def count_spans(body):
    n = 0
    for f, resource_spans in fields(body):
        if f != 1:
            continue
        for g, scope_spans in fields(resource_spans):
            if g != 2:
                continue
            n += sum(1 for h, _ in fields(scope_spans) if h == 2)
    return n


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        raw = len(body)
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        try:
            spans = count_spans(body)
        except (ValueError, IndexError):
            spans = 0
        with LOCK:
            st = STATS.setdefault(self.path, {"requests": 0, "bytes": 0, "spans": 0})
            st["requests"] += 1
            st["bytes"] += raw
            st["spans"] += spans
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        with LOCK:
            text = "".join("path=%s %s\n" % (p, " ".join("%s=%d" % kv for kv in st.items()))
                           for p, st in sorted(STATS.items())).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
