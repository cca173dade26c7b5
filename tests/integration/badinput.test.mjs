// Raw TCP: malformed requests, limits, read timeout, keep-alive and pipelining.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import {
  startTorii, rawRequest, rawConnect, assertHealthy, stopAllOf, waitFor,
} from './harness.mjs';

function assertRawError(res, status) {
  const ctx = `raw response: ${JSON.stringify(res.text?.slice(0, 500))}`;
  assert.ok(res.responses.length >= 1, `no HTTP response; ${ctx}`);
  const r = res.responses[0];
  assert.equal(r.status, status, ctx);
  assert.ok(r.json && r.json.error, `body is not an OpenAI error: ${ctx}`);
  for (const k of ['message', 'type', 'param', 'code']) assert.ok(Object.hasOwn(r.json.error, k), `error.${k} missing; ${ctx}`);
  assert.equal(typeof r.json.error.message, 'string');
  return r;
}

// The sockets (their inodes) the torii process holds open, read from Linux's
// /proc/PID/fd: how a test sees torii take and let go of a connection.
function heldSockets(torii) {
  const dir = `/proc/${torii.child.pid}/fd`;
  const held = new Set();
  for (const fd of readdirSync(dir)) {
    let link;
    try { link = readlinkSync(`${dir}/${fd}`); } catch { continue; }  // closed meanwhile
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m) held.add(m[1]);
  }
  return held;
}

const CHAT = JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'hello raw' }] });

describe('bad input over raw TCP', () => {
  let torii;

  before(async () => {
    torii = await startTorii({
      workers: 2,
      read_timeout_ms: 300,
      idle_timeout_ms: 1500,
      max_header_bytes: 2048,
      max_body_bytes: 4096,
      providers: [{ name: 'local', type: 'mock' }],
      models: [{ name: 'demo', targets: [{ provider: 'local', model: 'demo' }] }],
    });
  }, { timeout: 30_000 });

  after(async () => { await stopAllOf(torii); }, { timeout: 30_000 });

  afterEach(async () => { await assertHealthy(assert, torii); });

  it('malformed request lines are 400', { timeout: 15_000 }, async () => {
    for (const line of ['GARBAGE\r\n\r\n', 'GET /health\r\n\r\n', 'GET /health HTTP/1.1 extra\r\nHost: x\r\n\r\n', '\x01\x02\x03 / HTTP/1.1\r\n\r\n', 'GET  HTTP/1.1\r\nHost: x\r\n\r\n']) {
      const res = await rawRequest(torii.port, line, { timeoutMs: 3000 });
      assert.ok(!res.timedOut, `connection left open after a malformed request line ${JSON.stringify(line)}: ${JSON.stringify(res.text)}`);
      assertRawError(res, 400);
    }
  });

  it('malformed headers are 400', { timeout: 15_000 }, async () => {
    const cases = [
      'GET /health HTTP/1.1\r\nHost localhost\r\n\r\n',
      'GET /health HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n',
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
    ];
    for (const req of cases) {
      const res = await rawRequest(torii.port, req, { timeoutMs: 3000 });
      assertRawError(res, 400);
    }
  });

  it('a Content-Length over max_body_bytes is 413 without waiting for the body', { timeout: 15_000 }, async () => {
    const res = await rawRequest(torii.port,
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"model":',
      { timeoutMs: 3000 });
    assertRawError(res, 413);
  });

  it('a chunked body over max_body_bytes is 413', { timeout: 15_000 }, async () => {
    const chunk = 'a'.repeat(1000);
    let body = '';
    for (let i = 0; i < 6; i++) body += `${(1000).toString(16)}\r\n${chunk}\r\n`;
    body += '0\r\n\r\n';
    const res = await rawRequest(torii.port,
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
      { timeoutMs: 3000 });
    assertRawError(res, 413);
  });

  it('limits are enforced with a proper answer on a reused keep-alive connection too', { timeout: 15_000 }, async () => {
    const expected = [];
    const got = [];
    for (const [second, status] of [
      ['POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n', 413],
      [`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 6000\r\n\r\n${'x'.repeat(6000)}`, 413],
      [`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(4000)}\r\n\r\n`, 431],
    ]) {
      expected.push(status);
      const conn = await rawConnect(torii.port);
      try {
        await conn.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
        const first = await conn.waitResponses(1, 3000);
        assert.equal(first[0].status, 200);
        await conn.write(second);
        await conn.waitUntil((c) => c.closed || c.responses().length >= 2, 3000).catch(() => {});
        const rs = conn.responses();
        got.push(rs[1]?.status ?? (conn.closed ? 'closed without an answer' : 'no answer'));
      } finally {
        conn.destroy();
      }
    }
    assert.deepEqual(got, expected);
  });

  it('headers over max_header_bytes are 431', { timeout: 15_000 }, async () => {
    const res = await rawRequest(torii.port,
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(4000)}\r\n\r\n`, { timeoutMs: 3000 });
    assert.ok(res.responses.length >= 1, `no response: ${JSON.stringify(res.text.slice(0, 200))}`);
    assert.equal(res.responses[0].status, 431);
    assertRawError(res, 431);
    const many = Array.from({ length: 400 }, (_, i) => `X-H${i}: v\r\n`).join('');
    const res2 = await rawRequest(torii.port, `GET /health HTTP/1.1\r\nHost: x\r\n${many}\r\n`, { timeoutMs: 3000 });
    assert.equal(res2.responses[0]?.status, 431, JSON.stringify(res2.text.slice(0, 200)));
  });

  it('half a body then a stall is 408 after read_timeout_ms, then the connection closes', { timeout: 15_000 }, async () => {
    const res = await rawRequest(torii.port,
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"mo',
      { timeoutMs: 4000 });
    assert.ok(!res.timedOut, `connection still open after 4 s; got ${JSON.stringify(res.text)}`);
    assert.ok(res.closed);
    assertRawError(res, 408);
    assert.ok(res.ms >= 200, `408 after only ${res.ms} ms`);
    assert.ok(res.ms < 3000, `408 after ${res.ms} ms (read_timeout_ms is 300)`);
  });

  it('half the headers then a stall is 408, then the connection closes', { timeout: 15_000 }, async () => {
    const res = await rawRequest(torii.port, 'GET /health HTTP/1.1\r\nHost: x\r\nX-Partial: ', { timeoutMs: 4000 });
    assert.ok(!res.timedOut, `connection still open after 4 s; got ${JSON.stringify(res.text)}`);
    assertRawError(res, 408);
    assert.ok(res.ms < 3000, `took ${res.ms} ms`);
  });

  it('trickling header bytes does not extend read_timeout_ms', { timeout: 15_000 }, async () => {
    const parts = ['GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: '];
    for (let i = 0; i < 30; i++) parts.push('a');
    const res = await rawRequest(torii.port, parts, { gapMs: 100, timeoutMs: 5000 });
    assert.ok(res.closed, 'connection should be closed');
    assertRawError(res, 408);
    assert.ok(res.ms < 2500, `closed after ${res.ms} ms although read_timeout_ms is 300`);
  });

  it('a connection that sends nothing is closed after idle_timeout_ms, without an answer', { timeout: 15_000 }, async () => {
    const res = await rawRequest(torii.port, [], { timeoutMs: 5000 });
    assert.ok(res.closed, 'idle connection never closed');
    // No request was started, so no 408 is owed (that is for a request not
    // received within read_timeout_ms): the connection is idle and just closed.
    assert.equal(res.text, '', 'an idle connection got bytes');
    assert.ok(res.ms >= 1000, `closed after ${Math.round(res.ms)} ms: read_timeout_ms (300), not idle_timeout_ms (1500)`);
  });

  it('two pipelined GET /health in one write get two responses in order', { timeout: 15_000 }, async () => {
    const conn = await rawConnect(torii.port);
    try {
      await conn.write('GET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: pipe-1\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: pipe-2\r\n\r\n');
      const rs = await conn.waitResponses(2, 5000);
      assert.equal(rs.length, 2);
      assert.deepEqual(rs.map((r) => r.status), [200, 200]);
      assert.deepEqual(rs.map((r) => r.headers['x-request-id']), ['pipe-1', 'pipe-2']);
      assert.equal(conn.closed, false, 'connection closed after pipelined requests');
    } finally {
      conn.destroy();
    }
  });

  it('pipelined requests of different kinds keep their order', { timeout: 15_000 }, async () => {
    const conn = await rawConnect(torii.port);
    try {
      const chat = `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(CHAT)}\r\nX-Request-Id: mix-2\r\n\r\n${CHAT}`;
      await conn.write(`GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Request-Id: mix-1\r\n\r\n${chat}GET /nope HTTP/1.1\r\nHost: x\r\nX-Request-Id: mix-3\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: mix-4\r\n\r\n`);
      const rs = await conn.waitResponses(4, 8000);
      assert.deepEqual(rs.map((r) => r.headers['x-request-id']), ['mix-1', 'mix-2', 'mix-3', 'mix-4']);
      assert.deepEqual(rs.map((r) => r.status), [200, 200, 404, 200]);
      assert.equal(rs[0].json.object, 'list');
      assert.equal(rs[1].json.object, 'chat.completion');
      assert.ok(rs[2].json.error);
    } finally {
      conn.destroy();
    }
  });

  it('keep-alive: sequential requests share one connection', { timeout: 15_000 }, async () => {
    const conn = await rawConnect(torii.port);
    try {
      for (let i = 1; i <= 3; i++) {
        await conn.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(CHAT)}\r\n\r\n${CHAT}`);
        const rs = await conn.waitResponses(i, 5000);
        assert.equal(rs[i - 1].status, 200, rs[i - 1].text);
        assert.equal(rs[i - 1].json.object, 'chat.completion');
        // Deterministic instead of watching for a close a moment later: a
        // server about to close says so, and the next round's request is
        // answered on this same socket.
        assert.notEqual(rs[i - 1].headers.connection?.toLowerCase(), 'close', `response ${i} announces a close`);
        assert.equal(conn.closed, false);
      }
    } finally {
      conn.destroy();
    }
  });

  it('Connection: close and HTTP/1.0 close the connection after the response', { timeout: 15_000 }, async () => {
    const a = await rawRequest(torii.port, 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { timeoutMs: 3000 });
    assert.ok(!a.timedOut, 'connection left open after Connection: close');
    assert.equal(a.responses[0]?.status, 200);
    const b = await rawRequest(torii.port, 'GET /health HTTP/1.0\r\n\r\n', { timeoutMs: 3000 });
    assert.ok(!b.timedOut, 'connection left open after an HTTP/1.0 request');
    assert.equal(b.responses[0]?.status, 200);
  });

  it('a chunked request body is accepted', { timeout: 15_000 }, async () => {
    const half = Math.floor(CHAT.length / 2);
    const p1 = CHAT.slice(0, half);
    const p2 = CHAT.slice(half);
    const body = `${Buffer.byteLength(p1).toString(16)}\r\n${p1}\r\n${Buffer.byteLength(p2).toString(16)}\r\n${p2}\r\n0\r\n\r\n`;
    const res = await rawRequest(torii.port,
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body}`,
      { timeoutMs: 5000 });
    assert.equal(res.responses[0]?.status, 200, res.text.slice(0, 300));
    assert.equal(res.responses[0].json.object, 'chat.completion');
  });

  it('a request split across many small writes is assembled', { timeout: 15_000 }, async () => {
    const req = `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(CHAT)}\r\nConnection: close\r\n\r\n${CHAT}`;
    const parts = [];
    for (let i = 0; i < req.length; i += 40) parts.push(req.slice(i, i + 40));
    const res = await rawRequest(torii.port, parts, { gapMs: 2, timeoutMs: 5000 });
    assert.equal(res.responses[0]?.status, 200, res.text.slice(0, 300));
    assert.equal(res.responses[0].json.object, 'chat.completion');
  });

  it('a client that vanishes mid-request does not hurt the server', { timeout: 15_000 }, async () => {
    // Each client vanishes only once torii holds its connection, and the next
    // starts once torii has let go of it, so the health check (afterEach) runs
    // after torii has dealt with every reset rather than after a guessed pause.
    const before = heldSockets(torii);
    const taken = () => [...heldSockets(torii)].filter((s) => !before.has(s));
    for (let i = 0; i < 5; i++) {
      const conn = await rawConnect(torii.port);
      await conn.write('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{"model"');
      await waitFor(() => taken().length > 0, { timeoutMs: 3000, intervalMs: 5, what: `torii accepting client ${i + 1}` });
      conn.socket.resetAndDestroy();
      await waitFor(() => taken().length === 0, { timeoutMs: 3000, intervalMs: 5, what: `torii closing vanished client ${i + 1}` });
    }
  });
});
