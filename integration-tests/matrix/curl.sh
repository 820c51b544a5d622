# program: curl
# exercises: HTTP over a path and an abstract name (--unix-socket, --abstract-unix-socket); status codes, request and response headers, a POST body echoed, a kept-alive connection, 1 MiB downloaded
# needs: curl python3 sha256sum
# packages: curl python3 coreutils
source "$MATRIX/lib.sh"

# A small HTTP/1.1 server, threaded, on an AF_UNIX stream socket (argv[1]: a path, or
# @name for an abstract name).
cat > server.py <<'PY'
import hashlib, http.server, socketserver, sys

BIG = bytes(range(256)) * 4096  # 1 MiB

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, status, body, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/hello":
            self.reply(200, b"hello over AF_UNIX\n", [("X-Matrix", "curl case")])
        elif self.path == "/headers":
            self.reply(200, ("you sent X-Request: %s\n" % self.headers.get("X-Request")).encode(),
                       [("X-Echo", self.headers.get("X-Request", ""))])
        elif self.path == "/big":
            self.reply(200, BIG, [("X-Sha256", hashlib.sha256(BIG).hexdigest())])
        else:
            self.reply(404, b"no such page\n")

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.reply(201, b"you posted: " + body, [("X-Length", str(len(body)))])

    def log_message(self, *args):
        pass

class Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True

name = sys.argv[1]
Server("\0" + name[1:] if name.startswith("@") else name, Handler).serve_forever()
PY

python3 server.py http.sock &
await 20 curl -sf --unix-socket http.sock http://localhost/hello

echo "GET /hello: $(curl -s -D hello.headers -o hello.body -w '%{http_code}' --unix-socket http.sock http://localhost/hello)"
grep -i '^X-Matrix:' hello.headers | tr -d '\r'
cat hello.body
echo "GET /headers: $(curl -s -D h.headers -o h.body -w '%{http_code}' -H 'X-Request: sent by curl' --unix-socket http.sock http://localhost/headers)"
grep -i '^X-Echo:' h.headers | tr -d '\r'
cat h.body
echo "GET /missing: $(curl -s -o /dev/null -w '%{http_code}' --unix-socket http.sock http://localhost/missing)"
echo "POST: $(curl -s -D post.headers -o post.body -w '%{http_code}' --data-binary 'a posted line' --unix-socket http.sock http://localhost/post)"
grep -i '^X-Length:' post.headers | tr -d '\r'
cat post.body; echo
# Two requests on one kept-alive connection: the second makes no new connection.
echo "kept alive: $(curl -s -o /dev/null -o /dev/null -w '%{http_code} connects=%{num_connects}\n' --unix-socket http.sock http://localhost/hello http://localhost/hello | paste -sd ' ')"
# 1 MiB, checked against the digest the server sends.
curl -s -D big.headers -o big.body --unix-socket http.sock http://localhost/big
echo "1 MiB: $(stat -c %s big.body) bytes, digest matches: $([ "$(sha256sum < big.body | cut -d' ' -f1)" = "$(grep -i '^X-Sha256:' big.headers | tr -d '\r' | cut -d' ' -f2)" ] && echo yes || echo no)"

# The same server on an abstract name.
python3 server.py "@matrix-curl-$UNIQUE" &
await 20 curl -sf --abstract-unix-socket "matrix-curl-$UNIQUE" http://localhost/hello
echo "abstract GET /hello: $(curl -s -o abstract.body -w '%{http_code}' --abstract-unix-socket "matrix-curl-$UNIQUE" http://localhost/hello)"
cat abstract.body
echo "abstract POST: $(curl -s -w ' %{http_code}' --data-binary 'posted to an abstract name' --abstract-unix-socket "matrix-curl-$UNIQUE" http://localhost/post)"
