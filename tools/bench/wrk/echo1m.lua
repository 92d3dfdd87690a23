-- wrk script for tools/bench's echo1m shape: every request POSTs a 1 MiB
-- body to /echo, which sends it back (wrk adds the Content-Length).
wrk.method = "POST"
wrk.body = string.rep("0123456789abcdef", 65536)   -- 16 bytes x 64 Ki = 1 MiB
wrk.headers["Content-Type"] = "application/octet-stream"
