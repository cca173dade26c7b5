// Command line: version, check (valid and invalid configs), serve.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import {
  runTorii, writeConfig, startTorii, http, postJson, chatBody, stopAllOf,
  connectionRefused,
} from './harness.mjs';

const tmpDirs = [];
function config(text) {
  const c = writeConfig(text);
  tmpDirs.push(c.dir);
  return c;
}

const VALID = `listen: 127.0.0.1:4000
workers: 1
max_body_bytes: 1048576
providers:
  - name: local
    type: mock
  - name: up
    type: openai-compatible
    base_url: http://127.0.0.1:9/v1
    api_key: sk-up
    headers: { X-Team: blue }
    timeout_ms: 5000
models:
  - name: demo
    targets:
      - { provider: local, model: demo }
`;

// Error lines look like "FILE:LINE: KEY: MESSAGE".
function errorLines(stderr) {
  return stderr.split('\n').map((l) => l.trim()).filter((l) => /:\d+: /.test(l));
}

function assertErrorAt(result, file, line, mustContain) {
  const ctx = `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
  assert.equal(result.code, 1, ctx);
  const lines = errorLines(result.stderr);
  const hit = lines.find((l) => l.includes(`:${line}:`) && mustContain.every((w) => l.includes(w)));
  assert.ok(hit, `no error line at ${line} mentioning ${mustContain.join(', ')}: ${ctx}`);
  assert.ok(hit.includes(path.basename(file)), `error line does not name the file: ${hit}`);
  const m = hit.match(/^(.*):(\d+): ([^:]+): (.+)$/);
  assert.ok(m, `error line is not FILE:LINE: KEY: MESSAGE: ${hit}`);
  assert.ok(m[4].trim().length > 0, `empty message: ${hit}`);
  assert.ok(!result.stdout.includes('config OK'), ctx);
  return hit;
}

describe('cli', () => {
  const running = [];
  after(async () => {
    await stopAllOf(...running);
    for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
  });

  it('version prints "torii <version>" and exits 0', { timeout: 15_000 }, async () => {
    const r = await runTorii(['version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /^torii \d+\.\d+\.\d+\S*$/m);
  });

  it('check accepts a valid config', { timeout: 15_000 }, async () => {
    const { file } = config(VALID);
    const r = await runTorii(['check', '--config', file]);
    assert.equal(r.code, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.match(r.stdout, /config OK/);
  });

  it('check rejects an unknown top-level key with file, line and key', { timeout: 15_000 }, async () => {
    const { file } = config(`listn: 127.0.0.1:4000\nproviders:\n  - name: local\n    type: mock\n`);
    const r = await runTorii(['check', '--config', file]);
    assertErrorAt(r, file, 1, ['listn']);
  });

  it('check rejects an unknown nested key at its line', { timeout: 15_000 }, async () => {
    const text = `listen: 127.0.0.1:4000
providers:
  - name: up
    type: openai-compatible
    base_ur: http://127.0.0.1:9/v1
    api_key: sk-up
`;
    const { file } = config(text);
    const r = await runTorii(['check', '--config', file]);
    assertErrorAt(r, file, 5, ['base_ur']);
  });

  it('check reports several errors, not only the first', { timeout: 15_000 }, async () => {
    const text = `listn: 127.0.0.1:4000
workerz: 2
providers:
  - name: local
    type: mock
`;
    const { file } = config(text);
    const r = await runTorii(['check', '--config', file]);
    assertErrorAt(r, file, 1, ['listn']);
    assertErrorAt(r, file, 2, ['workerz']);
  });

  it('check rejects a model target naming an unknown provider', { timeout: 15_000 }, async () => {
    const text = `providers:
  - name: local
    type: mock
models:
  - name: demo
    targets:
      - { provider: nope, model: demo }
`;
    const { file } = config(text);
    const r = await runTorii(['check', '--config', file]);
    assert.equal(r.code, 1, r.stderr);
    const lines = errorLines(r.stderr);
    const hit = lines.find((l) => l.includes('nope'));
    assert.ok(hit, `no error line mentions the provider "nope": ${r.stderr}`);
    assert.ok(hit.includes(path.basename(file)), hit);
    const line = Number(hit.match(/:(\d+): /)[1]);
    assert.ok(line >= 5 && line <= 7, `line ${line} should point at the model/target (5-7): ${hit}`);
  });

  it('check rejects an unknown provider type', { timeout: 15_000 }, async () => {
    const text = `providers:
  - name: x
    type: not-a-provider
`;
    const { file } = config(text);
    const r = await runTorii(['check', '--config', file]);
    assertErrorAt(r, file, 3, ['not-a-provider']);
  });

  it('check names an unset environment variable without default', { timeout: 15_000 }, async () => {
    const text = `providers:
  - name: up
    type: openai-compatible
    base_url: http://127.0.0.1:9/v1
    api_key: \${TORII_IT_SURELY_UNSET_VAR}
`;
    const { file } = config(text);
    const r = await runTorii(['check', '--config', file], { env: { TORII_IT_SURELY_UNSET_VAR: undefined } });
    assertErrorAt(r, file, 5, ['TORII_IT_SURELY_UNSET_VAR']);
  });

  it('check accepts ${VAR:-default} when VAR is unset, and ${VAR} when set', { timeout: 15_000 }, async () => {
    const text = `providers:
  - name: up
    type: openai-compatible
    base_url: \${TORII_IT_BASE_URL:-http://127.0.0.1:9/v1}
    api_key: \${TORII_IT_SET_VAR}
`;
    const { file } = config(text);
    const unset = await runTorii(['check', '--config', file], { env: { TORII_IT_SET_VAR: undefined } });
    assert.equal(unset.code, 1, 'TORII_IT_SET_VAR unset must fail');
    assert.match(unset.stderr, /TORII_IT_SET_VAR/);
    assert.doesNotMatch(unset.stderr, /TORII_IT_BASE_URL/, 'a variable with a default must not be reported');
    const set = await runTorii(['check', '--config', file], { env: { TORII_IT_SET_VAR: 'sk-from-env' } });
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /config OK/);
  });

  it('check fails on a missing file and on invalid YAML', { timeout: 15_000 }, async () => {
    const missing = await runTorii(['check', '--config', '/nonexistent/torii-it/none.yaml']);
    assert.equal(missing.code, 1, missing.stderr);
    assert.ok(missing.stderr.length > 0, 'expected a message on stderr');
    const { file } = config('listen: [unclosed\nproviders: {\n');
    const bad = await runTorii(['check', '--config', file]);
    assert.equal(bad.code, 1, bad.stderr);
    assert.ok(bad.stderr.includes(path.basename(file)), bad.stderr);
  });

  it('serve prints the listening line, answers, and exits 0 on SIGTERM', { timeout: 30_000 }, async () => {
    const torii = await startTorii(VALID);
    running.push(torii);
    assert.ok(torii.port > 0 && torii.port !== 4000, `ephemeral port expected, got ${torii.port}`);
    assert.match(torii.stdout(), new RegExp(`torii listening on 127\\.0\\.0\\.1:${torii.port}`));
    const h = await http(`${torii.url}/health`);
    assert.equal(h.status, 200);
    const c = await postJson(`${torii.v1}/chat/completions`, chatBody('demo'));
    assert.equal(c.status, 200, c.text);
    const r = await torii.stop();
    assert.equal(r.killed, false, 'needed SIGKILL');
    assert.equal(r.code, 0, `exit code ${r.code} signal ${r.signal}\nstderr: ${torii.stderr()}`);
    assert.ok(await connectionRefused(torii.port), 'port still accepting after exit');
  });

  it('serve expands ${VAR} from the environment (auth key)', { timeout: 30_000 }, async () => {
    const text = `auth:
  keys: [ "\${TORII_IT_GATEWAY_KEY}" ]
providers:
  - name: local
    type: mock
models:
  - name: demo
    targets:
      - { provider: local, model: demo }
`;
    const torii = await startTorii(text, { env: { TORII_IT_GATEWAY_KEY: 'gw-from-env-123' } });
    running.push(torii);
    const ok = await postJson(`${torii.v1}/chat/completions`, chatBody('demo'),
      { headers: { authorization: 'Bearer gw-from-env-123' } });
    assert.equal(ok.status, 200, ok.text);
    const literal = await postJson(`${torii.v1}/chat/completions`, chatBody('demo'),
      { headers: { authorization: 'Bearer ${TORII_IT_GATEWAY_KEY}' } });
    assert.equal(literal.status, 401, literal.text);
    await torii.stop();
  });

  it('serve refuses an invalid config with exit code != 0 and the error on stderr', { timeout: 15_000 }, async () => {
    const { file } = config(`listn: 127.0.0.1:0\n`);
    const r = await runTorii(['serve', '--config', file, '--listen', '127.0.0.1:0']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /listn/);
    assert.doesNotMatch(r.stdout, /torii listening on/);
  });
});
