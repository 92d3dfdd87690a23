// The Node client peer for tools/bench: node's http with a keep-alive Agent
// sends N POSTs of a small JSON body to URL with C in flight, then prints
// post-json's summary lines (requests/s, connections).
// Usage: node client.js URL N C
'use strict';
const http = require('http');

const url = process.argv[2] || 'http://127.0.0.1:18094/post';
const n = Number(process.argv[3] || 100000);
const c = Number(process.argv[4] || 50);
const body = Buffer.from('{"name":"bench","n":1}');

const agent = new http.Agent({ keepAlive: true, maxSockets: c });
// Count the connections the Agent opens: part of the result.
let connections = 0;
const createConnection = agent.createConnection.bind(agent);
agent.createConnection = (...args) => { connections++; return createConnection(...args); };

let sent = 0, done = 0, failures = 0, active = c, firstError = null;
const start = process.hrtime.bigint();

function fail(err) {
  failures++;
  if (firstError === null) firstError = String(err);
}

// sendNext keeps one request in flight until N have been sent.
function sendNext() {
  if (sent >= n) {
    if (--active === 0) finish();
    return;
  }
  sent++;
  const req = http.request(url, {
    method: 'POST',
    agent,
    headers: { 'Content-Type': 'application/json', 'Content-Length': body.length },
  }, (res) => {
    if (res.statusCode >= 400) fail(`status ${res.statusCode}`);
    res.resume(); // read and discard the body
    res.on('end', () => { done++; sendNext(); });
    res.on('error', (err) => { fail(err); sendNext(); });
  });
  req.on('error', (err) => { fail(err); sendNext(); });
  req.end(body);
}

function finish() {
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  process.stdout.write(`requests: ${n}\nfailures: ${failures}\n` +
    `requests/s: ${(n / seconds).toFixed(1)}\nconnections: ${connections}\n`);
  if (failures > 0) {
    process.stderr.write(`node-client: first failure: ${firstError}\n`);
    process.exitCode = 1;
  }
  agent.destroy(); // close the idle keep-alive sockets so that node exits
}

for (let i = 0; i < c; i++) sendNext();
