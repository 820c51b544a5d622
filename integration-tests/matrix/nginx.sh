# program: nginx
# exercises: a master and two workers on a stream listener; a static file; a reverse proxy to a unix-socket backend (GET, POST, concurrent requests); the socket removed on quit
# needs: nginx curl python3 sha256sum
# packages: nginx curl python3 coreutils
source "$MATRIX/lib.sh"

# The backend: an HTTP server on a unix socket that echoes the path, a header and the body.
cat > backend.py <<'EOF'
import hashlib, http.server, socketserver, sys

class Handler(http.server.BaseHTTPRequestHandler):
    def reply(self, body):
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.reply("backend saw %s %s, X-Matrix: %s\n"
                   % (self.command, self.path, self.headers.get("X-Matrix", "-")))

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.reply("backend saw %s %s, %d bytes, sha256 %s\n"
                   % (self.command, self.path, len(body), hashlib.sha256(body).hexdigest()[:16]))

    def log_message(self, *args):
        pass

class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

Server(sys.argv[1], Handler).serve_forever()
EOF
python3 backend.py "$PWD/back.sock" &
await_socket 20 back.sock

mkdir -p html temp
echo "static file served by nginx" > html/index.txt
# As root, nginx switches its workers to "user"; root keeps them able to read this directory.
user_line=""
[ "$(id -u)" = 0 ] && user_line="user root;"
cat > nginx.conf <<EOF
$user_line
worker_processes 2;
daemon off;
pid $PWD/nginx.pid;
error_log $PWD/error.log info;
events { worker_connections 64; }
http {
  access_log $PWD/access.log;
  client_body_temp_path $PWD/temp/body;
  proxy_temp_path $PWD/temp/proxy;
  fastcgi_temp_path $PWD/temp/fastcgi;
  uwsgi_temp_path $PWD/temp/uwsgi;
  scgi_temp_path $PWD/temp/scgi;
  types { text/plain txt; }
  default_type application/octet-stream;
  server {
    listen unix:$PWD/front.sock;
    root $PWD/html;
    location /api/ {
      proxy_pass http://unix:$PWD/back.sock:;
    }
  }
}
EOF
nginx -p "$PWD" -c "$PWD/nginx.conf" -e "$PWD/error.log" &
master=$!
await_socket 20 front.sock

get() { curl -sS --max-time 20 --unix-socket front.sock "$@"; }

echo "static: $(get http://localhost/index.txt)"
echo "static type: $(get -o /dev/null -w '%{http_code} %{content_type}' http://localhost/index.txt)"
echo "missing: $(get -o /dev/null -w '%{http_code}' http://localhost/none.txt)"
echo "proxied: $(get -H 'X-Matrix: hello' http://localhost/api/greeting?lang=en)"
head -c 300000 /dev/zero | tr '\0' 'p' > body
echo "posted: $(get --data-binary @body http://localhost/api/upload)"
echo "body sha256: $(sha256sum < body | cut -c1-16)"

# Eight clients at once, half static, half proxied.
for i in 1 2 3 4 5 6 7 8; do
  if [ $((i % 2)) = 0 ]; then
    get -H "X-Matrix: client $i" "http://localhost/api/item/$i" > "concurrent-$i" &
  else
    get http://localhost/index.txt > "concurrent-$i" &
  fi
  clients+=($!)
done
for pid in "${clients[@]}"; do wait "$pid"; done
echo "concurrent:"
for i in 1 2 3 4 5 6 7 8; do echo "  $i: $(cat "concurrent-$i")"; done

# A graceful stop: the master waits for its workers and removes its socket.
nginx -p "$PWD" -c "$PWD/nginx.conf" -e "$PWD/error.log" -s quit
wait "$master"
echo "nginx exit status: $?"
echo "front.sock after quit: $([ -e front.sock ] && echo present || echo removed)"
echo "access log lines: $(wc -l < access.log)"
