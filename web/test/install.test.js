// `cmake --install` (design §8, docs/operations.md): the server, its pages and the built web
// package under a prefix, and a systemd unit. The installed server finds the pages and the
// package beside itself, without --pages or --dist.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { startServer } from './server.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('an installed server serves the apps and the package without --pages or --dist', async (t) => {
  const prefix = mkdtempSync(join(tmpdir(), 'edgecart-prefix-'));
  try {
    execFileSync('cmake', ['--install', join(root, 'build', 'release'), '--prefix', prefix], { stdio: 'pipe' });
    const bin = join(prefix, 'bin', 'edgecart-server');
    assert.ok(existsSync(bin), 'the server is installed');
    const unit = readFileSync(join(prefix, 'lib', 'systemd', 'system', 'edgecart-server.service'), 'utf8');
    assert.match(unit, /^ExecStart=\/\S+\/bin\/edgecart-server --host 127\.0\.0\.1 /m);
    for (const hardening of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'DynamicUser=yes', 'CapabilityBoundingSet=\n', 'KillSignal=SIGTERM']) {
      assert.ok(unit.includes(hardening), `the unit sets ${hardening.trim()}`);
    }
    // systemd's own check of the unit, on this prefix's binary (where systemd is installed).
    let analyze = null;
    try {
      analyze = execFileSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' }).trim();
    } catch { /* not installed */ }
    if (analyze) {
      const local = join(prefix, 'edgecart-server.service');
      writeFileSync(local, unit.replace(/^ExecStart=\S+/m, `ExecStart=${bin}`));
      const out = execFileSync(analyze, ['verify', local], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      assert.equal(out.trim(), '', 'systemd-analyze verify');
    } else {
      t.diagnostic('systemd-analyze not installed: the unit was not verified by systemd');
    }
    const server = await startServer({ bin });  // no --pages, no --dist
    try {
      const till = await fetch(`${server.url}/till/`);
      assert.equal(till.status, 200);
      assert.match(till.headers.get('content-type'), /text\/html/);
      const wasm = await fetch(`${server.url}/dist/edgecart.wasm`);
      assert.equal(wasm.status, 200);
      assert.equal(wasm.headers.get('content-type'), 'application/wasm');
      assert.equal((await fetch(`${server.url}/store/`)).status, 200);
      assert.equal((await fetch(`${server.url}/docs/`)).status, 200, 'the API reference');
    } finally {
      await server.close();
    }
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
});
