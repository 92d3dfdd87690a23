-- wrk script for tools/bench's client shape: the same POST the clients send
-- (wrk is the C reference: how fast the fixed server takes these POSTs).
wrk.method = "POST"
wrk.body = '{"name":"bench","n":1}'
wrk.headers["Content-Type"] = "application/json"
