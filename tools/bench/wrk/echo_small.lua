-- A small JSON POST to /echo, as post-json sends: tools/bench/callgrind --echo.
wrk.method = "POST"
wrk.body = '{"hello":"world","n":42}'
wrk.headers["Content-Type"] = "application/json"
