// An HTTP proxy on 127.0.0.1 between a till and edgecart-server, for tests that need to act at an
// exact point of a request. Once a request's body has been handed to the server, `cut(req)`
// decides (synchronously, so no answer can slip through) whether the till's connection is cut:
// then no answer byte ever reaches the till, and `onCut(req)` runs (say, to kill the server).
// `proxy.setDown(true)` is a network that dropped (every connection refused, open ones cut);
// `proxy.block = (req) => bool` drops chosen requests without an answer (say, only /sync).
import http from 'node:http';

/** Starts a proxy to `target` (changeable later through `proxy.target`); {url, target, log, close()}. */
export async function startProxy(target, { cut = () => false, onCut = async () => {} } = {}) {
  const proxy = { target, log: [], down: false, block: () => false };
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    if (proxy.down || proxy.block(req)) {
      req.socket.destroy();
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const entry = { method: req.method, url: req.url, answered: false, cut: false };
      proxy.log.push(entry);
      const up = http.request(`${proxy.target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        if (entry.cut) return answer.resume();
        entry.answered = true;
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      });
      up.on('error', () => res.destroy());
      up.end(Buffer.concat(chunks), () => {
        if (entry.answered || !cut(req)) return;
        entry.cut = true;
        res.destroy();
        void onCut(req);
      });
    });
  });
  server.on('connection', (socket) => {
    if (proxy.down) return socket.destroy();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  proxy.setDown = (down) => {
    proxy.down = down;
    if (down) for (const s of sockets) s.destroy();
  };
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${server.address().port}`;
  proxy.close = () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); });
  return proxy;
}
