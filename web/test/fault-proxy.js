// A faulty network between one client and edgecart-server, for the chaos test: an HTTP proxy on
// 127.0.0.1 that decides per request, from a seeded random source, to pass it, delay it, drop
// the request, drop the answer after the server handled it, send it twice at once, cut it in the
// middle of its body, or hold the client offline for a while. `proxy.faults = false` heals it.
import http from 'node:http';

/** The faults and how often each is picked (the rest of the time a request passes). */
export const FAULTS = {
  delay: 0.10, 'drop-request': 0.06, 'drop-answer': 0.07, duplicate: 0.05, 'cut-body': 0.04, 'hold-offline': 0.04,
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function pick(random) {
  let x = random();
  for (const [name, p] of Object.entries(FAULTS)) {
    if (x < p) return name;
    x -= p;
  }
  return 'pass';
}

// Sends one request upstream; resolves to {status, headers, body}, or null if it failed.
function forward(target, req, body, cutAt = -1) {
  return new Promise((resolve) => {
    const up = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      const parts = [];
      answer.on('data', (c) => parts.push(c));
      answer.on('end', () => resolve({ status: answer.statusCode, headers: answer.headers, body: Buffer.concat(parts) }));
      answer.on('error', () => resolve(null));
    });
    up.on('error', () => resolve(null));
    if (cutAt >= 0) {
      up.write(body.subarray(0, cutAt));
      setTimeout(() => { up.destroy(); resolve(null); }, 20);
    } else {
      up.end(body);
    }
  });
}

/**
 * Starts a proxy to `target` (changeable: `proxy.target`) drawing its faults from `random()`.
 * {url, target, faults, log: [{method, url, fault}], close()}.
 */
export async function startFaultProxy(target, random) {
  const proxy = { target, faults: true, offlineUntil: 0, log: [] };
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      let fault = !proxy.faults ? 'pass' : Date.now() < proxy.offlineUntil ? 'offline' : pick(random);
      if (fault === 'cut-body' && body.length < 2) fault = 'drop-request';
      proxy.log.push({ method: req.method, url: req.url, fault });
      if (fault === 'offline' || fault === 'drop-request') return req.socket.destroy();
      if (fault === 'hold-offline') {
        proxy.offlineUntil = Date.now() + 200 + random() * 1300;
        return req.socket.destroy();
      }
      if (fault === 'delay') await sleep(10 + random() * 150);
      if (fault === 'cut-body') {
        await forward(proxy.target, req, body, Math.floor(body.length / 2));
        return req.socket.destroy();
      }
      const answers = await Promise.all(fault === 'duplicate'
        ? [forward(proxy.target, req, body), forward(proxy.target, req, body)] : [forward(proxy.target, req, body)]);
      const answer = answers.find((a) => a !== null) ?? null;
      if (answer === null || fault === 'drop-answer') return req.socket.destroy();
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${server.address().port}`;
  proxy.close = () => new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(resolve);
  });
  return proxy;
}
