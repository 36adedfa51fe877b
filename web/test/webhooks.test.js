// Webhooks against a real edgecart-server (docs/webhooks.md): a receiver that fails, then
// recovers, gets every event at least once and in order, and each signature is checked here with
// Node's crypto — a second implementation of the server's HMAC-SHA256.
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { test } from 'node:test';

import { startServer } from './server.js';
import { product, seedOrder } from './suite.js';

/** A receiver on 127.0.0.1: answers each request with the next of `statuses` (then 200). */
async function receiver(statuses = []) {
  const got = [];
  const http = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      got.push({ headers: req.headers, body, at: Date.now() });
      res.writeHead(statuses.length ? statuses.shift() : 200).end();
    });
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { got, url: `http://127.0.0.1:${http.address().port}/hooks?shop=a`, close: () => new Promise((r) => http.close(r)) };
}

/** The check a receiver makes: "t=<seconds>,v1=<hex>" is HMAC-SHA256("<t>.<body>") under the secret. */
function verify(secret, header, body, nowSeconds = Math.floor(Date.now() / 1000)) {
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=')));
  if (!/^\d+$/.test(parts.t ?? '') || !/^[0-9a-f]{64}$/.test(parts.v1 ?? '')) return false;
  if (Math.abs(nowSeconds - Number(parts.t)) > 300) return false;  // an old signature is a replay
  const expected = createHmac('sha256', secret).update(`${parts.t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(parts.v1, 'hex'));
}

async function until(what, ms = 15000) {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a receiver that fails then recovers gets every event, signed, once per id and in order', async () => {
  const hook = await receiver([500, 503]);
  const server = await startServer({ args: ['--webhook-allow-private', '--webhook-retry', '0.2'] });
  try {
    const t = 'hooks';
    const made = await server.call(t, 'POST', '/webhooks', { url: hook.url, events: ['*'], description: 'ERP' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const { id, secret } = made.body;
    assert.match(secret, /^whsec_[0-9a-f]{64}$/);
    assert.equal((await server.call(t, 'GET', '/webhooks')).body.items[0].secret, undefined, 'the secret is shown once');

    await server.call(t, 'POST', '/products', product('PRD-001'));
    await server.call(t, 'PATCH', '/inventory/PRD-001', { quantity: 10 });
    const a = (await server.call(t, 'POST', '/orders', seedOrder())).body.code;
    const b = (await server.call(t, 'POST', '/orders', seedOrder())).body.code;
    for (const status of ['confirmed', 'processing', 'shipped']) {
      assert.equal((await server.call(t, 'PATCH', `/orders/${a}/status`, { status })).status, 200);
    }
    assert.equal((await server.call(t, 'PATCH', `/orders/${b}/status`, { status: 'cancelled' })).status, 200);
    const ret = await server.call(t, 'POST', '/returns', { orderCode: a, lines: [{ productCode: 'PRD-001', quantity: 1 }] });
    assert.equal(ret.status, 201, JSON.stringify(ret.body));
    const expected = [
      ['order_confirmation', a], ['order_confirmation', b],
      ['order_status_changed', a], ['order_status_changed', a], ['order_shipped', a], ['order_status_changed', a],
      ['order_cancelled', b], ['order_status_changed', b], ['order_returned', a],
    ];

    const unique = () => [...new Map(hook.got.map((g) => [JSON.parse(g.body).id, g])).values()];
    await until(() => unique().length === expected.length);
    await new Promise((r) => setTimeout(r, 300));  // nothing more comes
    for (const g of hook.got) {
      assert.ok(verify(secret, g.headers['edgecart-signature'], g.body), `signature of ${g.body}`);
      assert.ok(!verify(secret, g.headers['edgecart-signature'], g.body.replace('"tenant"', '"Tenant"')), 'a changed body does not verify');
      assert.ok(!verify('whsec_other', g.headers['edgecart-signature'], g.body), 'another secret does not verify');
      assert.equal(g.headers['content-type'], 'application/json');
    }
    // The first event came three times (500, 503, then 200) under one id; then each once, in order.
    assert.equal(hook.got.length, expected.length + 2);
    assert.equal(new Set(hook.got.slice(0, 3).map((g) => g.body)).size, 1, 'a retry sends the same bytes');
    const events = unique().map((g) => JSON.parse(g.body));
    assert.deepEqual(events.map((e) => [e.type, e.data.orderId]), expected);
    for (const e of events) {
      assert.equal(e.tenant, t);
      assert.match(e.id, /^evt_[0-9a-f]{32}$/);
      assert.ok(!Number.isNaN(Date.parse(e.createdAt)));
      assert.equal(hook.got.find((g) => JSON.parse(g.body).id === e.id).headers['edgecart-event-id'], e.id);
    }
    assert.deepEqual(events[2].data, { orderId: a, from: 'pending', to: 'confirmed' });
    assert.equal(events[0].data.total, 65.98, 'the seed\'s confirmation carries its total');
    assert.deepEqual(events[8].data, { orderId: a, returnId: ret.body.code, refund: { method: 'cash', amount: 32.99 } });
    assert.ok(hook.url.endsWith('/hooks?shop=a'));

    // What the admin sees: each attempt with its status.
    const deliveries = (await server.call(t, 'GET', `/webhooks/${id}/deliveries`)).body.items;
    assert.equal(deliveries.length, expected.length);
    const first = deliveries.at(-1);
    assert.deepEqual(first.attempts.map((x) => x.status), [500, 503, 200]);
    assert.equal(first.state, 'delivered');
    assert.ok(first.attempts.every((x) => typeof x.ms === 'number' && !Number.isNaN(Date.parse(x.at))));

    // Redelivered: the same event (same id, same body) once more.
    const again = await server.call(t, 'POST', `/webhooks/${id}/deliveries/${first.id}/redeliver`);
    assert.equal(again.status, 202);
    await until(() => hook.got.length === expected.length + 3);
    assert.equal(hook.got.at(-1).body, hook.got[2].body);
    assert.ok(verify(secret, hook.got.at(-1).headers['edgecart-signature'], hook.got.at(-1).body));
  } finally {
    await server.close();
    await hook.close();
  }
});

test('deliveries survive a restart: queued while the receiver was down, sent after', async () => {
  let hook = await receiver(new Array(100).fill(500));
  const server = await startServer({ args: ['--webhook-allow-private', '--webhook-retry', '0.1'] });
  try {
    const t = 'restart';
    const { id } = (await server.call(t, 'POST', '/webhooks', { url: hook.url, events: ['order_confirmation'] })).body;
    await server.call(t, 'POST', '/products', product('PRD-001'));
    await server.call(t, 'PATCH', '/inventory/PRD-001', { quantity: 10 });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await server.call(t, 'POST', '/orders', seedOrder())).body.code);
    await until(() => hook.got.length >= 2);
    await server.stop();
    // The receiver comes back at the same address, answering 200; the server starts again.
    const port = new URL(hook.url).port;
    await hook.close();
    const got = [];
    const again = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => { got.push(JSON.parse(body)); res.end(); });
    });
    await new Promise((resolve) => again.listen(Number(port), '127.0.0.1', resolve));
    hook = { close: () => new Promise((r) => again.close(r)) };
    await server.restart();
    await until(() => got.length === 3);
    assert.deepEqual(got.map((e) => e.data.orderId), codes);
    const states = (await server.call(t, 'GET', `/webhooks/${id}/deliveries`)).body.items.map((d) => d.state);
    assert.deepEqual(states, ['delivered', 'delivered', 'delivered']);
  } finally {
    await server.close();
    await hook.close();
  }
});

test('https receivers: the certificate must be trusted and name the host', async () => {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { createServer: createHttps } = await import('node:https');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'edgecart-tls-'));
  // A self-signed certificate for "localhost" (openssl, from Debian's package).
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const got = [];
  const tls = createHttps({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => { got.push(JSON.parse(body)); res.end(); });
  });
  await new Promise((resolve) => tls.listen(0, '127.0.0.1', resolve));
  const url = `https://localhost:${tls.address().port}/hooks`;
  const trusting = await startServer({ args: ['--webhook-allow-private', '--webhook-ca', join(dir, 'cert.pem')] });
  const doubting = await startServer({ args: ['--webhook-allow-private', '--webhook-retry', '60'] });
  try {
    for (const server of [trusting, doubting]) {
      assert.equal((await server.call('tls', 'POST', '/webhooks', { url, events: ['order_confirmation'] })).status, 201);
      await server.call('tls', 'POST', '/products', product('PRD-001'));
      await server.call('tls', 'PATCH', '/inventory/PRD-001', { quantity: 10 });
      await server.call('tls', 'POST', '/orders', seedOrder());
    }
    await until(() => got.length === 1);
    // The server without the certificate among its trust anchors refused the receiver.
    const [hook] = (await doubting.call('tls', 'GET', '/webhooks')).body.items;
    let attempts = [];
    for (let i = 0; i < 100 && attempts.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      attempts = (await doubting.call('tls', 'GET', `/webhooks/${hook.id}/deliveries`)).body.items[0].attempts;
    }
    assert.equal(attempts.length, 1);
    assert.match(attempts[0].error, /^TLS: .*certificate verify failed/);
    assert.equal(got.length, 1, 'nothing was sent over the untrusted connection');
  } finally {
    await trusting.close();
    await doubting.close();
    await new Promise((r) => tls.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});
