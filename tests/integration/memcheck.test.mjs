// The gateway under valgrind's memcheck while it answers invalid bodies on
// both surfaces: the error paths whose co_await operands once built
// temporaries (freed twice by GCC 12's coroutine code) must be clean.
// `make test-asan` (which sets ASAN_OPTIONS) runs an AddressSanitizer build,
// which valgrind cannot host: there the same requests go to the binary
// itself, and AddressSanitizer is the checker.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { TORII_BIN, writeConfig, stopProcess, waitFor } from './harness.mjs';

const ASAN = Boolean(process.env.ASAN_OPTIONS);

describe('memcheck', () => {
  let child; let dir;
  after(async () => {
    if (child) await stopProcess(child, { timeoutMs: 20_000 });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('invalid requests on both surfaces leave no invalid read, write or free', { timeout: 120_000 }, async () => {
    const cfg = writeConfig({ workers: 1, providers: [{ name: 'local', type: 'mock' }], models: [{ name: 'demo', targets: [{ provider: 'local', model: 'd' }] }] });
    dir = cfg.dir;
    const serve = [TORII_BIN, 'serve', '--config', cfg.file, '--listen', '127.0.0.1:0'];
    child = ASAN ? spawn(serve[0], serve.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('valgrind', ['-q', '--error-limit=no', ...serve], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = ''; let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const spawnError = new Promise((resolve) => child.once('error', resolve));
    const port = await Promise.race([
      waitFor(() => /torii listening on 127\.0\.0\.1:(\d+)/.exec(out)?.[1], { timeoutMs: 60_000, what: 'torii under valgrind listening' }),
      spawnError.then((e) => { throw new Error(`valgrind is needed (scripts/install-deps.sh installs it): ${e.message}`); }),
    ]);
    const cases = [
      ['/v1/messages', '{"model":'], ['/v1/messages', '[1]'], ['/v1/messages', '{"model":"demo"}'],
      ['/v1/messages', '{"model":"nope","max_tokens":1,"messages":[]}'],
      ['/v1/chat/completions', '{"model":'], ['/v1/chat/completions', '{"model":"nope","messages":[]}'],
      ['/v1/embeddings', '{"x":1}'], ['/v1/nothing', '{}'],
    ];
    for (let i = 0; i < 80; i++) {
      const [path, body] = cases[i % cases.length];
      const r = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      assert.ok(r.status >= 400 && r.status < 500, `${path} ${body}: ${r.status}`);
      await r.text();
    }
    await stopProcess(child, { timeoutMs: 30_000 });
    child = null;
    const problems = err.split('\n').filter((l) =>
      /Invalid (read|write|free)|uninitialised|Mismatched free|definitely lost|ERROR: (Address|Leak)Sanitizer|runtime error:/.test(l));
    assert.deepEqual(problems, [], err.slice(0, 4000));
  });
});
