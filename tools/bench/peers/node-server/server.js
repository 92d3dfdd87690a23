// The Node peer for tools/bench: node's built-in http server (libuv + llhttp,
// the same libraries as nethttp) answering GET /ping with "pong".
// Usage: node server.js PORT   (listens on 127.0.0.1:PORT)
'use strict';
const http = require('http');

const port = Number(process.argv[2] || 18093);
const server = http.createServer((req, res) => {
  if (req.url === '/ping') {
    res.setHeader('Content-Type', 'text/plain');
    res.setHeader('Content-Length', '4');
    res.end('pong');
  } else {
    res.statusCode = 404;
    res.end('not found\n');
  }
});
// Node closes a keep-alive connection idle for 5 s by default; the idle
// shape holds 10,000 of them longer than that, and the others keep theirs.
server.keepAliveTimeout = 600 * 1000;
server.listen(port, '127.0.0.1');
