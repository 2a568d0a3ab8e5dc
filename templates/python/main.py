import html
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ.get("PORT", "3000"))


class Hello(BaseHTTPRequestHandler):
    def do_GET(self):
        body = (
            "<!doctype html><title>Hello from Python</title>"
            "<h1>Hello from Python</h1>"
            f"<p>Edit <code>main.py</code>, then press Restart to see your change. You asked for <code>{html.escape(self.path)}</code>.</p>"
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    print(f"listening on port {PORT}", flush=True)
    ThreadingHTTPServer(("0.0.0.0", PORT), Hello).serve_forever()
