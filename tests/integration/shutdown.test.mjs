// Graceful shutdown: SIGTERM exits 0, in-flight requests finish, new connections are refused.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import {
  startMock, startTorii, mockProvider, mockStats, http, postJson, postStream, readSSE, sseContent,
  chatBody, rawConnect, connectionRefused, stopAllOf, stopProcess, waitFor, writeConfig, spawnTracked,
  TORII_BIN,
} from './harness.mjs';

// Opens a new connection and sends GET /health. Resolves with
// { refused } or { status } or { closed } (closed without an answer).
async function tryNewConnection(port) {
  let conn;
  try {
    conn = await rawConnect(port, { timeoutMs: 2000 });
  } catch (err) {
    return { refused: err.code === 'ECONNREFUSED', error: err.code ?? err.message };
  }
  try {
    await conn.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n').catch(() => {});
    await conn.waitUntil((c) => c.closed || c.responses().length > 0, 3000).catch(() => {});
    const rs = conn.responses();
    if (rs.length) return { status: rs[0].status };
    return { closed: conn.closed };
  } finally {
    conn.destroy();
  }
}

// Resolves once `mock` has counted more than `before` requests: the request
// under test has reached the upstream (torii-mock counts a request when it
// arrives, before its --latency-ms), so it is in flight in torii.
async function reachedUpstream(mock, before) {
  await waitFor(async () => (await mockStats(mock)).requests > before,
    { timeoutMs: 5000, intervalMs: 10, what: 'the request at the upstream' });
}

// Resolves once torii has logged the signal that starts its drain; the
// listener is closed right after that line (Server::run's begin_drain).
async function drainLogged(torii) {
  await waitFor(() => /signal \d+ received, draining/.test(torii.stderr()),
    { timeoutMs: 3000, intervalMs: 5, what: `"signal received, draining" in torii's log; stderr: ${torii.stderr().slice(-500)}` });
}

function exitWatch(torii) {
  const t = { at: null };
  torii.exited.then(() => { t.at = performance.now(); });
  return t;
}

describe('shutdown', () => {
  let lat; let paced; let slowest;
  const toriis = [];

  const config = (extra = {}) => ({
    providers: [
      mockProvider(lat, 'lat'),
      mockProvider(paced, 'paced'),
      mockProvider(slowest, 'slowest'),
      { name: 'local', type: 'mock' },
    ],
    models: [
      { name: 'lat', targets: [{ provider: 'lat', model: 'mock-1' }] },
      { name: 'paced', targets: [{ provider: 'paced', model: 'mock-1' }] },
      { name: 'slowest', targets: [{ provider: 'slowest', model: 'mock-1' }] },
      { name: 'demo', targets: [{ provider: 'local', model: 'demo' }] },
    ],
    ...extra,
  });

  async function start(extra) {
    const t = await startTorii(config(extra));
    toriis.push(t);
    return t;
  }

  before(async () => {
    [lat, paced, slowest] = await Promise.all([
      startMock(['--api-key', 'sk-up', '--latency-ms', '500']),
      startMock(['--api-key', 'sk-up', '--tokens-per-sec', '10', '--reply-words', '10']),
      startMock(['--api-key', 'sk-up', '--latency-ms', '5000']),
    ]);
  }, { timeout: 30_000 });

  after(async () => { await stopAllOf(...toriis, lat, paced, slowest); }, { timeout: 30_000 });

  it('SIGTERM on an idle server exits 0 promptly and frees the port', { timeout: 20_000 }, async () => {
    const torii = await start();
    assert.equal((await http(`${torii.url}/health`)).status, 200);
    const t0 = performance.now();
    const r = await stopProcess(torii.child, { timeoutMs: 8000 });
    const ms = performance.now() - t0;
    assert.equal(r.killed, false, 'needed SIGKILL');
    assert.equal(r.code, 0, `exit code ${r.code}, signal ${r.signal}\nstderr: ${torii.stderr().slice(-2000)}`);
    assert.ok(ms < 3000, `took ${Math.round(ms)} ms to exit while idle`);
    assert.ok(await connectionRefused(torii.port));
  });

  it('SIGINT also exits 0', { timeout: 20_000 }, async () => {
    const torii = await start();
    assert.equal((await http(`${torii.url}/health`)).status, 200);
    const r = await stopProcess(torii.child, { signal: 'SIGINT', timeoutMs: 8000 });
    assert.equal(r.killed, false, 'needed SIGKILL');
    assert.equal(r.code, 0, `exit code ${r.code}, signal ${r.signal}`);
  });

  it('SIGTERM sent as soon as the listening line appears still exits 0', { timeout: 30_000 }, async () => {
    const { dir, file } = writeConfig(config());
    const outcomes = [];
    try {
      for (let i = 0; i < 10; i++) {
        const child = spawnTracked(TORII_BIN, ['serve', '--config', file, '--listen', '127.0.0.1:0']);
        let out = '';
        let sent = false;
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (d) => {
          out += d;
          if (!sent && /torii listening on 127\.0\.0\.1:\d+/.test(out)) { sent = true; child.kill('SIGTERM'); }
        });
        child.stderr.resume();
        const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
        const { code, signal } = await child.__exited;
        clearTimeout(timer);
        assert.ok(sent, `no listening line: ${out}`);
        outcomes.push(signal ? `killed by ${signal}` : `exit ${code}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(outcomes, Array(10).fill('exit 0'),
      'a SIGTERM right after the listening line must be handled (signal handling installed before announcing readiness)');
  });

  it('a request in flight at SIGTERM completes with 200; new connections are refused', { timeout: 20_000 }, async () => {
    const torii = await start();
    const exit = exitWatch(torii);
    const seen = (await mockStats(lat)).requests;
    const t0 = performance.now();
    const inflight = postJson(`${torii.v1}/chat/completions`, chatBody('lat', 'finish me please'), { timeoutMs: 10_000 })
      .then((r) => ({ ...r, doneAt: performance.now() }), (err) => ({ err, doneAt: performance.now() }));
    await reachedUpstream(lat, seen);
    torii.child.kill('SIGTERM');
    await drainLogged(torii);
    const during = await tryNewConnection(torii.port);
    const res = await inflight;
    assert.ok(!res.err, `in-flight request failed: ${res.err?.message}\nstderr: ${torii.stderr().slice(-2000)}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.object, 'chat.completion');
    assert.ok(res.json.choices[0].message.content.length > 0);
    assert.ok(res.doneAt - t0 >= 400, 'the mock latency is 500 ms: the answer came suspiciously early');
    assert.ok(during.status === undefined || during.status === 503,
      `a new connection during shutdown was served: ${JSON.stringify(during)}`);
    const r = await stopProcess(torii.child, { timeoutMs: 8000 });
    assert.equal(r.killed, false, 'needed SIGKILL');
    assert.equal(r.code, 0, `exit code ${r.code}, signal ${r.signal}`);
    assert.ok(exit.at === null || exit.at >= res.doneAt - 50, 'exited before the in-flight answer was delivered');
    assert.ok(await connectionRefused(torii.port), 'port still accepting after shutdown');
  });

  it('a stream in flight at SIGTERM runs to [DONE]', { timeout: 20_000 }, async () => {
    const torii = await start();
    const res = await postStream(`${torii.v1}/chat/completions`, chatBody('paced', 'stream through shutdown', { stream: true }));
    assert.equal(res.status, 200);
    let signalled = false;
    const sse = await readSSE(res, {
      timeoutMs: 10_000,
      onEvent: () => {
        if (!signalled) { signalled = true; torii.child.kill('SIGTERM'); }
        return false;
      },
    });
    assert.ok(signalled);
    assert.ifError(sse.error);
    assert.ok(sse.done, 'stream cut by shutdown');
    assert.equal(sseContent(sse).trim().split(/\s+/).length, 10);
    const r = await stopProcess(torii.child, { timeoutMs: 8000 });
    assert.equal(r.code, 0, `exit code ${r.code}, signal ${r.signal}`);
  });

  it('shutdown_grace_ms bounds the wait for slow requests', { timeout: 20_000 }, async () => {
    const torii = await start({ shutdown_grace_ms: 500 });
    const seen = (await mockStats(slowest)).requests;
    const inflight = postJson(`${torii.v1}/chat/completions`, chatBody('slowest'), { timeoutMs: 10_000 })
      .then((r) => r, (err) => ({ err }));
    await reachedUpstream(slowest, seen);
    const t0 = performance.now();
    const r = await stopProcess(torii.child, { timeoutMs: 8000 });
    const ms = performance.now() - t0;
    assert.equal(r.killed, false, 'needed SIGKILL');
    assert.ok(ms < 3000, `exit took ${Math.round(ms)} ms with shutdown_grace_ms 500 (upstream latency 5000)`);
    assert.equal(r.code, 0, `exit code ${r.code}, signal ${r.signal}`);
    const settled = await inflight;
    assert.ok(settled.err || settled.status !== 200, 'the 5 s request cannot have succeeded');
  });

  it('idle keep-alive connections do not delay the exit', { timeout: 20_000 }, async () => {
    const torii = await start();
    const conns = [];
    for (let i = 0; i < 3; i++) {
      const c = await rawConnect(torii.port);
      await c.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      await c.waitResponses(1, 3000);
      conns.push(c);
    }
    try {
      const t0 = performance.now();
      const r = await stopProcess(torii.child, { timeoutMs: 8000 });
      const ms = performance.now() - t0;
      assert.equal(r.killed, false, 'needed SIGKILL');
      assert.equal(r.code, 0);
      assert.ok(ms < 3000, `idle keep-alive connections held the exit for ${Math.round(ms)} ms`);
      for (const c of conns) await c.waitClosed(2000);
    } finally {
      for (const c of conns) c.destroy();
    }
  });
});
