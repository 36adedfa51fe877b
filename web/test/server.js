// A real edgecart-server process for the JS tests, and HS256 tokens for it.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SERVER_BIN = join(web, '..', 'build', 'release', 'server', 'edgecart-server');

const b64url = (s) => Buffer.from(s).toString('base64url');

/** An HS256 token for `tenant` signed with `secret`, for user `sub` with `roles` (none: []), valid `seconds`. */
export function token(secret, tenant, sub = 'till', roles = ['admin'], seconds = 3600) {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const claims = { sub, 'custom:tenant': tenant, exp: Math.floor(Date.now() / 1000) + seconds };
  if (roles.length) claims['custom:roles'] = roles;
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/**
 * Starts edgecart-server on a free port (on `db`, or the PostgreSQL URL `pg`, else a new SQLite
 * database), signing tokens with `secret` (else a new one); {url, secret, stop(signal), restart()}.
 */
export async function startServer({ pages = false, args: extra = [], db = null, pg = null, secret: given = null, bin = SERVER_BIN } = {}) {
  if (!existsSync(bin)) throw new Error(`edgecart-server missing at ${bin} (build the release preset first)`);
  const dir = mkdtempSync(join(tmpdir(), 'edgecart-server-'));
  const secret = given ?? `secret-${Math.random().toString(36).slice(2)}`;
  const args = ['--port', '0', ...(pg ? ['--pg', pg] : ['--db', db ?? join(dir, 'e.db')])];
  if (pages) args.push('--pages', join(web, 'test'), '--dist', join(web, 'dist'));
  args.push(...extra);
  let proc;
  const launch = () => new Promise((resolve, reject) => {
    proc = spawn(bin, args, { env: { ...process.env, EDGECART_JWT_SECRET: secret }, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout.on('data', (d) => { log += d; });
    let text = '';
    proc.stderr.on('data', (d) => {
      text += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(text);
      if (m) resolve(m[1]);
    });
    proc.on('exit', (code) => reject(new Error(`edgecart-server exited ${code}: ${text}`)));
  });
  let log = '';
  const server = { secret, url: await launch(), dir };
  /** The access log so far, one object per request ({method, path, status, ...}). */
  server.accessLog = () => log.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
  server.stop = (signal = 'SIGTERM') => new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill(signal);
  });
  server.restart = async () => {
    await server.stop();
    server.url = await launch();
    return server.url;
  };
  server.close = async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  /** A call to the server's API as tenant `tenant`. */
  server.call = async (tenant, method, path, body, { user = 'till', roles = ['admin'] } = {}) => {
    const r = await fetch(`${server.url}${path}`, {
      method, headers: { authorization: `Bearer ${token(secret, tenant, user, roles)}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: await r.json() };
  };
  return server;
}

const ROOT = join(web, '..');

/**
 * A throw-away PostgreSQL cluster (scripts/pg-cluster.sh: its own folder, a Unix socket, no TCP
 * port), started with the server settings `settings` ({name: value}); {url, stop()}.
 */
export async function startPostgres(settings = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ecpg-'));
  const args = ['start', dir];
  for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);
  const url = await new Promise((resolve, reject) => {
    const p = spawn(join(ROOT, 'scripts', 'pg-cluster.sh'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`pg-cluster.sh start: ${code} ${err}`))));
  });
  return {
    url,
    stop: () => new Promise((resolve) => {
      spawn(join(ROOT, 'scripts', 'pg-cluster.sh'), ['stop', dir], { stdio: 'ignore' }).on('exit', () => resolve());
    }),
  };
}
