// Shared helpers for the integration tests: start and stop the gateway and the
// mock provider on ephemeral ports, raw TCP access, SSE parsing, mock control.
// Only 127.0.0.1 is ever contacted.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, chownSync, chmodSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

export const TESTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function resolveBin(envName, fallback) {
  const fromEnv = process.env[envName];
  if (fromEnv) return path.resolve(TESTS_DIR, fromEnv);
  return path.resolve(TESTS_DIR, fallback);
}

export const TORII_BIN = resolveBin('TORII_BIN', '../build/torii');
export const TORII_MOCK_BIN = resolveBin('TORII_MOCK_BIN', '../build/torii-mock');

export const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 8_000;

// ---------------------------------------------------------------------------
// Process bookkeeping: every child is remembered so that nothing outlives the
// test file, even when a test throws before its after() hook runs.

const children = new Set();

process.on('exit', () => {
  for (const child of children) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function exitPromise(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

// Sends `signal` and waits for the exit; SIGKILL after `timeoutMs`.
// Resolves with { code, signal, killed } where killed means SIGKILL was needed.
export async function stopProcess(child, { signal = 'SIGTERM', timeoutMs = STOP_TIMEOUT_MS } = {}) {
  if (!child) return { code: null, signal: null, killed: false };
  const exited = child.__exited ?? exitPromise(child);
  if (child.exitCode !== null || child.signalCode !== null) {
    return { ...(await exited), killed: false };
  }
  try { child.kill(signal); } catch { /* already gone */ }
  let timer;
  const timedOut = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const first = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (first === 'timeout') {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
    return { ...(await exited), killed: true };
  }
  return { ...first, killed: false };
}

// Spawns a process that is killed when the test file ends (for tests that
// need direct control over the child's stdio or timing).
export function spawnTracked(bin, args, { env, cwd } = {}) {
  const child = track(spawn(bin, args, {
    cwd: cwd ?? TESTS_DIR,
    env: { ...process.env, ...(env ?? {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
  child.__exited = exitPromise(child);
  return child;
}

export async function stopAll() {
  await Promise.all([...children].map((c) => stopProcess(c)));
}

// Spawns `bin args`, collects output and resolves once a stdout line matches
// `readyPattern` (whose first group is the port).
function spawnAndWait(bin, args, { readyPattern, env, cwd, timeoutMs = START_TIMEOUT_MS, name }) {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(bin, args, {
        cwd: cwd ?? TESTS_DIR,
        env: { ...process.env, ...(env ?? {}) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      reject(new Error(`${name}: cannot spawn ${bin}: ${err.message}`));
      return;
    }
    track(child);
    child.__exited = exitPromise(child);
    const out = { stdout: '', stderr: '' };
    let settled = false;
    const finish = (err, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        try { child.kill('SIGKILL'); } catch { /* already gone */ }
        reject(err);
      } else {
        resolve(value);
      }
    };
    const timer = setTimeout(() => {
      finish(new Error(`${name}: no ready line within ${timeoutMs} ms\nstdout: ${out.stdout}\nstderr: ${out.stderr}`));
    }, timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out.stdout += d;
      const m = out.stdout.match(readyPattern);
      if (m) finish(null, { child, port: Number(m[1]), out });
    });
    child.stderr.on('data', (d) => { out.stderr += d; });
    child.once('error', (err) => finish(new Error(`${name}: ${err.message} (${bin})`)));
    child.once('exit', (code, signal) => {
      finish(new Error(`${name}: exited early (code ${code}, signal ${signal})\nstdout: ${out.stdout}\nstderr: ${out.stderr}`));
    });
  });
}

// ---------------------------------------------------------------------------
// torii-mock

// Starts torii-mock on an ephemeral port with extra command-line flags.
export async function startMock(flags = [], { env } = {}) {
  const args = ['--listen', `${HOST}:0`, ...flags.map(String)];
  const { child, port, out } = await spawnAndWait(TORII_MOCK_BIN, args, {
    readyPattern: /torii-mock listening on 127\.0\.0\.1:(\d+)/,
    env,
    name: 'torii-mock',
  });
  const url = `http://${HOST}:${port}`;
  return {
    kind: 'mock',
    child,
    port,
    url,
    v1: `${url}/v1`,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    stop: (opts) => stopProcess(child, opts),
  };
}

async function mockFetch(mock, path, init = {}) {
  try {
    return await fetch(`${mock.url}${path}`, { ...init, signal: AbortSignal.timeout(5000) });
  } catch (err) {
    const c = mock.child;
    const state = c.exitCode !== null || c.signalCode !== null
      ? `torii-mock has exited (code ${c.exitCode}, signal ${c.signalCode})`
      : 'torii-mock is running';
    throw new Error(`${init.method ?? 'GET'} ${path} on torii-mock failed: ${err.cause?.code ?? err.message}; ${state}\nstderr: ${mock.stderr().slice(-1500)}`, { cause: err });
  }
}

export async function mockStats(mock) {
  const r = await mockFetch(mock, '/mock/stats');
  if (r.status !== 200) throw new Error(`GET /mock/stats -> ${r.status}`);
  return r.json();
}

export async function mockConfig(mock, behaviour) {
  const r = await mockFetch(mock, '/mock/config', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(behaviour),
  });
  const text = await r.text();
  if (r.status !== 200 && r.status !== 204) throw new Error(`POST /mock/config -> ${r.status}: ${text}`);
  return text;
}

export async function mockReset(mock) {
  const r = await mockFetch(mock, '/mock/reset', { method: 'POST' });
  const text = await r.text();
  if (r.status !== 200 && r.status !== 204) throw new Error(`POST /mock/reset -> ${r.status}: ${text}`);
  return text;
}

// ---------------------------------------------------------------------------
// YAML (enough for configs: mappings, sequences, scalars)

function yamlScalar(v) {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(String(v));
}

function isScalar(v) {
  return v === null || v === undefined || typeof v !== 'object';
}

function yamlLines(value, indent) {
  const pad = ' '.repeat(indent);
  const lines = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isScalar(item)) {
        lines.push(`${pad}- ${yamlScalar(item)}`);
      } else if (Array.isArray(item)) {
        if (item.length === 0) lines.push(`${pad}- []`);
        else {
          lines.push(`${pad}-`);
          lines.push(...yamlLines(item, indent + 2));
        }
      } else if (Object.keys(item).length === 0) {
        lines.push(`${pad}- {}`);
      } else {
        const inner = yamlLines(item, indent + 2);
        inner[0] = `${pad}- ${inner[0].slice(indent + 2)}`;
        lines.push(...inner);
      }
    }
    return lines;
  }
  for (const [k, v] of Object.entries(value)) {
    if (isScalar(v)) lines.push(`${pad}${k}: ${yamlScalar(v)}`);
    else if (Array.isArray(v) && v.length === 0) lines.push(`${pad}${k}: []`);
    else if (!Array.isArray(v) && Object.keys(v).length === 0) lines.push(`${pad}${k}: {}`);
    else {
      lines.push(`${pad}${k}:`);
      lines.push(...yamlLines(v, indent + 2));
    }
  }
  return lines;
}

export function toYaml(obj) {
  return yamlLines(obj, 0).join('\n') + '\n';
}

// Writes `config` (YAML text or an object) into a fresh temp dir.
export function writeConfig(config, name = 'torii.yaml') {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'torii-it-'));
  const file = path.join(dir, name);
  writeFileSync(file, typeof config === 'string' ? config : toYaml(config));
  return { dir, file };
}

// Provider entry for an OpenAI-compatible upstream served by torii-mock.
export function mockProvider(mock, name = 'up', extra = {}) {
  return { name, type: 'openai-compatible', base_url: `${mock.url}/v1`, api_key: 'sk-up', ...extra };
}

// ---------------------------------------------------------------------------
// torii

// Runs `bin args...` to its end, collecting its output. Resolves (never
// rejects) with { code, signal, stdout, stderr, timedOut, ms }; a process
// still running after `timeoutMs` is killed (timedOut).
export function runToEnd(bin, args, { env, cwd, timeoutMs = 10_000, inheritEnv = true } = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = track(spawn(bin, args, {
      cwd: cwd ?? TESTS_DIR,
      env: inheritEnv ? { ...process.env, ...(env ?? {}) } : env,
      stdio: ['ignore', 'pipe', 'pipe'],
    }));
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      timedOut = true;
      try { child.kill('SIGKILL'); } catch { /* already gone */ }
    }, timeoutMs);
    const done = (code, signal, extra = '') => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr: stderr + extra, timedOut, ms: Date.now() - t0 });
    };
    child.once('error', (err) => done(null, null, `spawn error: ${err.message}\n`));
    child.once('close', (code, signal) => done(code, signal));
  });
}

// Runs `torii args...` to completion (for check / version).
export async function runTorii(args, { env, timeoutMs = 10_000 } = {}) {
  const r = await runToEnd(TORII_BIN, args, { env, timeoutMs });
  if (r.timedOut) throw new Error(`torii ${args.join(' ')}: did not exit within ${timeoutMs} ms\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  if (r.code === null && r.signal === null) throw new Error(`torii ${args.join(' ')}: ${r.stderr}`);
  return { code: r.code, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

// Writes the config and starts `torii serve` on an ephemeral port.
export async function startTorii(config, { env, extraArgs = [] } = {}) {
  const { dir, file } = writeConfig(config);
  let started;
  try {
    started = await spawnAndWait(
      TORII_BIN,
      ['serve', '--config', file, '--listen', `${HOST}:0`, ...extraArgs],
      { readyPattern: /torii listening on 127\.0\.0\.1:(\d+)/, env, name: 'torii' },
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const { child, port, out } = started;
  const url = `http://${HOST}:${port}`;
  return {
    kind: 'torii',
    child,
    port,
    url,
    v1: `${url}/v1`,
    dir,
    configFile: file,
    exited: child.__exited,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    async stop(opts) {
      const r = await stopProcess(child, opts);
      rmSync(dir, { recursive: true, force: true });
      return r;
    },
  };
}

// Stops every handle given (null-safe), in parallel.
export async function stopAllOf(...handles) {
  await Promise.all(handles.filter(Boolean).map((h) => h.stop().catch(() => {})));
}

// ---------------------------------------------------------------------------
// HTTP via fetch

// fetch with a timeout; returns { status, headers, text, json, ms }.
export async function http(url, { method = 'GET', headers = {}, body, timeoutMs = 10_000 } = {}) {
  const t0 = performance.now();
  let payload = body;
  const h = { ...headers };
  if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
    payload = JSON.stringify(body);
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json';
  }
  let r;
  let text;
  try {
    r = await fetch(url, { method, headers: h, body: payload, signal: AbortSignal.timeout(timeoutMs) });
    text = await r.text();
  } catch (err) {
    const cause = err.cause ? ` (${err.cause.code ?? ''} ${err.cause.message ?? err.cause})` : '';
    throw new Error(`${method} ${url}: ${err.message}${cause}${r ? ` after status ${r.status}` : ''}`, { cause: err });
  }
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, headers: r.headers, text, json, ms: performance.now() - t0 };
}

export function postJson(url, body, { headers = {}, timeoutMs } = {}) {
  return http(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    timeoutMs,
  });
}

export function chatBody(model, text = 'Say hello to the integration tests', extra = {}) {
  return { model, messages: [{ role: 'user', content: text }], ...extra };
}

// The OpenAI error shape: {"error":{"message","type","param","code"}}.
export function assertOpenAIError(assert, res, status, { type, code, param } = {}) {
  const ctx = `status ${res.status}, body ${res.text?.slice(0, 400)}`;
  assert.equal(res.status, status, ctx);
  assert.ok(res.json && typeof res.json === 'object', `body is not JSON: ${ctx}`);
  const e = res.json.error;
  assert.ok(e && typeof e === 'object', `no "error" object: ${ctx}`);
  for (const k of ['message', 'type', 'param', 'code']) {
    assert.ok(Object.hasOwn(e, k), `error.${k} missing: ${ctx}`);
  }
  assert.equal(typeof e.message, 'string', ctx);
  assert.ok(e.message.length > 0, `empty error.message: ${ctx}`);
  assert.equal(typeof e.type, 'string', ctx);
  if (type !== undefined) assert.equal(e.type, type, ctx);
  if (code !== undefined) assert.equal(e.code, code, ctx);
  if (param !== undefined) assert.equal(e.param, param, ctx);
  return e;
}

export async function assertHealthy(assert, torii) {
  const r = await http(`${torii.url}/health`, { timeoutMs: 5000 });
  assert.equal(r.status, 200, `torii no longer healthy: ${r.status} ${r.text}\nstderr: ${torii.stderr().slice(-2000)}`);
}

// Polls `fn` until it returns a truthy value or the time is up.
export async function waitFor(fn, { timeoutMs = 5000, intervalMs = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

// A port nothing listens on (bound, then closed).
export async function closedPort() {
  const srv = net.createServer();
  await new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, HOST, resolve);
  });
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

// ---------------------------------------------------------------------------
// SSE

// Reads a text/event-stream body. Each event: { raw, data, fields, at } where
// `raw` is the event block without the blank line that ends it, `data` the
// joined data lines and `at` the performance.now() time it was complete.
// `onEvent(ev, events)` may return true to stop reading (the body is cancelled).
export async function readSSE(response, { onEvent, timeoutMs = 15_000 } = {}) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const events = [];
  let buf = '';
  let text = '';
  let done = false;
  let stoppedEarly = false;
  let error;
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ timeout: true }), timeoutMs);
  });
  try {
    outer: for (;;) {
      const r = await Promise.race([reader.read(), timeout]);
      if (r.timeout) { error = new Error(`SSE read timed out after ${timeoutMs} ms`); break; }
      if (r.done) break;
      const chunk = decoder.decode(r.value, { stream: true });
      text += chunk;
      buf += chunk;
      for (;;) {
        const m = buf.match(/\r?\n\r?\n/);
        if (!m) break;
        const raw = buf.slice(0, m.index);
        buf = buf.slice(m.index + m[0].length);
        const fields = [];
        const dataLines = [];
        for (const line of raw.split(/\r?\n/)) {
          if (line.startsWith(':')) { fields.push(['', line.slice(1)]); continue; }
          const i = line.indexOf(':');
          const name = i < 0 ? line : line.slice(0, i);
          let value = i < 0 ? '' : line.slice(i + 1);
          if (value.startsWith(' ')) value = value.slice(1);
          fields.push([name, value]);
          if (name === 'data') dataLines.push(value);
        }
        const ev = { raw, data: dataLines.length ? dataLines.join('\n') : null, fields, at: performance.now() };
        events.push(ev);
        if (ev.data === '[DONE]') done = true;
        if (onEvent && onEvent(ev, events) === true) { stoppedEarly = true; break outer; }
      }
    }
  } catch (err) {
    error = err;
  } finally {
    clearTimeout(timer);
    try { await reader.cancel(); } catch { /* ignore */ }
  }
  return { events, text, rest: buf, done, stoppedEarly, error, endedAt: performance.now() };
}

// JSON payloads of the data events (without [DONE]).
export function sseJson(result) {
  return result.events
    .filter((e) => e.data !== null && e.data !== '[DONE]')
    .map((e) => JSON.parse(e.data));
}

export function sseContent(result) {
  return sseJson(result)
    .map((c) => c.choices?.[0]?.delta?.content ?? c.choices?.[0]?.text ?? '')
    .join('');
}

// POST with stream:true; resolves to the fetch Response (head received).
export function postStream(url, body, { headers = {}, signal, timeoutMs = 15_000 } = {}) {
  const signals = [AbortSignal.timeout(timeoutMs)];
  if (signal) signals.push(signal);
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.any(signals),
  });
}

// ---------------------------------------------------------------------------
// Raw TCP

// Parses consecutive HTTP/1.x responses out of `buf`. `closed` says whether the
// peer closed (then a response without a length runs to the end).
export function parseHttpResponses(buf, { closed = false } = {}) {
  const s = Buffer.isBuffer(buf) ? buf.toString('latin1') : buf;
  const responses = [];
  let pos = 0;
  while (pos < s.length) {
    const headEnd = s.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) break;
    const head = s.slice(pos, headEnd).split('\r\n');
    const m = head[0].match(/^HTTP\/(\d\.\d) (\d{3})(?: (.*))?$/);
    if (!m) throw new Error(`bad status line: ${JSON.stringify(head[0])}`);
    const headers = {};
    for (const line of head.slice(1)) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      const k = line.slice(0, i).trim().toLowerCase();
      const v = line.slice(i + 1).trim();
      headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
    }
    const status = Number(m[2]);
    let bodyStart = headEnd + 4;
    let body;
    let end;
    const te = (headers['transfer-encoding'] || '').toLowerCase();
    if (status === 204 || status === 304 || (status >= 100 && status < 200)) {
      body = '';
      end = bodyStart;
    } else if (te.includes('chunked')) {
      let p = bodyStart;
      let acc = '';
      let complete = false;
      for (;;) {
        const le = s.indexOf('\r\n', p);
        if (le < 0) break;
        const size = parseInt(s.slice(p, le).split(';')[0], 16);
        if (Number.isNaN(size)) throw new Error('bad chunk size');
        if (size === 0) {
          const trailerEnd = s.indexOf('\r\n\r\n', le);
          const simpleEnd = s.slice(le, le + 4) === '\r\n\r\n' ? le + 4 : -1;
          if (simpleEnd > 0) { p = simpleEnd; complete = true; }
          else if (trailerEnd >= 0) { p = trailerEnd + 4; complete = true; }
          break;
        }
        if (le + 2 + size + 2 > s.length) break;
        acc += s.slice(le + 2, le + 2 + size);
        p = le + 2 + size + 2;
      }
      if (!complete) break;
      body = acc;
      end = p;
    } else if (headers['content-length'] !== undefined) {
      const len = Number(headers['content-length']);
      if (bodyStart + len > s.length) break;
      body = s.slice(bodyStart, bodyStart + len);
      end = bodyStart + len;
    } else {
      if (!closed) break;
      body = s.slice(bodyStart);
      end = s.length;
    }
    const bodyText = Buffer.from(body, 'latin1').toString('utf8');
    let json;
    try { json = JSON.parse(bodyText); } catch { json = undefined; }
    responses.push({ version: m[1], status, reason: m[3] ?? '', headers, text: bodyText, json });
    pos = end;
  }
  return { responses, rest: s.slice(pos) };
}

// An interactive raw connection: write bytes, wait for responses or close.
export async function rawConnect(port, { host = HOST, timeoutMs = 5000 } = {}) {
  const socket = net.createConnection({ host, port });
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => { socket.destroy(); reject(new Error('connect timeout')); }, timeoutMs);
    socket.once('connect', () => { clearTimeout(t); resolve(); });
    socket.once('error', (err) => { clearTimeout(t); reject(err); });
  });
  socket.setNoDelay(true);
  const state = { chunks: [], closed: false, error: null, closedAt: null };
  const waiters = new Set();
  const notify = () => { for (const w of [...waiters]) w(); };
  socket.on('data', (d) => { state.chunks.push(d); notify(); });
  socket.on('error', (err) => { state.error = err; });
  socket.on('close', () => { state.closed = true; state.closedAt = performance.now(); notify(); });

  const conn = {
    socket,
    get closed() { return state.closed; },
    get closedAt() { return state.closedAt; },
    get error() { return state.error; },
    buffer: () => Buffer.concat(state.chunks),
    text: () => Buffer.concat(state.chunks).toString('latin1'),
    write(data) {
      return new Promise((resolve, reject) => {
        socket.write(data, (err) => (err ? reject(err) : resolve()));
      });
    },
    // Resolves once pred(conn) is true; rejects after timeoutMs.
    waitUntil(pred, waitMs = 5000, what = 'condition') {
      return new Promise((resolve, reject) => {
        const check = () => {
          let ok;
          try { ok = pred(conn); } catch { ok = false; }
          if (ok) { cleanup(); resolve(ok); return true; }
          return false;
        };
        const t = setTimeout(() => {
          cleanup();
          reject(new Error(`raw connection: ${what} not reached within ${waitMs} ms; received ${JSON.stringify(conn.text().slice(0, 600))}, closed=${state.closed}`));
        }, waitMs);
        const cleanup = () => { clearTimeout(t); waiters.delete(check); };
        waiters.add(check);
        check();
      });
    },
    responses() {
      return parseHttpResponses(conn.buffer(), { closed: state.closed }).responses;
    },
    async waitResponses(n, waitMs = 5000) {
      await conn.waitUntil(() => conn.responses().length >= n, waitMs, `${n} response(s)`);
      return conn.responses();
    },
    waitClosed(waitMs = 5000) {
      return conn.waitUntil(() => state.closed, waitMs, 'close');
    },
    destroy() { socket.destroy(); },
  };
  return conn;
}

// Sends `parts` (string/Buffer or an array of them, `gapMs` apart) and collects
// everything until the server closes or `timeoutMs` passes.
// Resolves with { buffer, text, responses, closed, timedOut, ms, error }.
export async function rawRequest(port, parts, { timeoutMs = 3000, gapMs = 0, endAfterWrite = false } = {}) {
  const conn = await rawConnect(port);
  const t0 = performance.now();
  const list = Array.isArray(parts) ? parts : [parts];
  try {
    for (let i = 0; i < list.length; i++) {
      if (i > 0 && gapMs) await sleep(gapMs);
      if (conn.closed) break;
      await conn.write(list[i]).catch(() => {});
    }
    if (endAfterWrite) conn.socket.end();
    let timedOut = false;
    await conn.waitClosed(timeoutMs).catch(() => { timedOut = true; });
    const buffer = conn.buffer();
    let responses = [];
    try { responses = parseHttpResponses(buffer, { closed: conn.closed }).responses; } catch { /* leave empty */ }
    return {
      buffer,
      text: buffer.toString('latin1'),
      responses,
      closed: conn.closed,
      timedOut,
      ms: (conn.closedAt ?? performance.now()) - t0,
      error: conn.error,
    };
  } finally {
    conn.destroy();
  }
}

// Resolves true if a TCP connection to the port is refused.
export function connectionRefused(port, { timeoutMs = 2000 } = {}) {
  return new Promise((resolve) => {
    const s = net.createConnection({ host: HOST, port });
    const t = setTimeout(() => { s.destroy(); resolve(false); }, timeoutMs);
    s.once('connect', () => { clearTimeout(t); s.destroy(); resolve(false); });
    s.once('error', (err) => { clearTimeout(t); resolve(err.code === 'ECONNREFUSED'); });
  });
}

// The providers and models the observability tests share: `good` answers,
// `bad` fails with 503, so `flaky` falls back to `mini`.
export function fallbackFixture(good, bad) {
  return {
    providers: [
      { name: 'oai', type: 'openai', base_url: good.v1, api_key: 'sk-upstream-secret-do-not-log' },
      { name: 'down', type: 'openai', base_url: bad.v1, api_key: 'k' },
      { name: 'claude', type: 'anthropic', base_url: good.url, api_key: 'k' },
    ],
    models: [
      { name: 'mini', targets: [{ provider: 'oai', model: 'gpt-4o-mini' }] },
      { name: 'haiku', targets: [{ provider: 'claude', model: 'claude-haiku-4-5-20251001' }] },
      { name: 'flaky', targets: [{ provider: 'down', model: 'gpt-4o-mini' }], fallbacks: ['mini'], retry: { attempts: 1 } },
    ],
  };
}

// The value of an unlabelled sample on torii's /metrics (NaN when absent).
export async function metricValue(torii, name) {
  const text = (await http(`${torii.url}/metrics`)).text;
  return Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1]);
}

// ---------------------------------------------------------------------------
// Redis: a real redis-server on a loopback port, without persistence, and a
// one-command RESP client for the tests' own reads.

export async function startRedis() {
  const port = await closedPort();
  const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
  const { child, out } = await spawnAndWait('redis-server', args, {
    readyPattern: /Ready to accept connections()/,
    name: 'redis-server',
  });
  return {
    kind: 'redis',
    child,
    port,
    url: `redis://${HOST}:${port}`,
    stdout: () => out.stdout,
    stop: (opts) => stopProcess(child, opts),
  };
}

// Sends one command; resolves with the reply (strings, numbers, arrays, null).
export function redisCommand(port, ...args) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, HOST);
    let buf = '';
    sock.setTimeout(3000, () => { sock.destroy(); reject(new Error('redis: no reply')); });
    sock.on('error', reject);
    sock.on('connect', () => {
      sock.write(`*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join(''));
    });
    const parse = (s, i) => {
      const end = s.indexOf('\r\n', i);
      if (end < 0) return null;
      const type = s[i]; const line = s.slice(i + 1, end);
      if (type === '+' ) return [line, end + 2];
      if (type === '-') return [new Error(line), end + 2];
      if (type === ':') return [Number(line), end + 2];
      if (type === '$') {
        const n = Number(line);
        if (n < 0) return [null, end + 2];
        if (s.length < end + 2 + n + 2) return null;
        return [s.slice(end + 2, end + 2 + n), end + 2 + n + 2];
      }
      if (type === '*') {
        const n = Number(line); const items = []; let at = end + 2;
        for (let k = 0; k < n; k++) {
          const r = parse(s, at);
          if (!r) return null;
          items.push(r[0]); at = r[1];
        }
        return [items, at];
      }
      return [new Error(`unknown reply type ${type}`), s.length];
    };
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const r = parse(buf, 0);
      if (!r) return;
      sock.end();
      if (r[0] instanceof Error) reject(r[0]); else resolve(r[0]);
    });
  });
}

// ---------------------------------------------------------------------------
// PostgreSQL: a real server of Debian's postgresql-15, its cluster made by
// initdb in a temp dir, on a loopback port; torii's schema is created by
// torii. As root (CI), initdb and postgres run as the `postgres` user, since
// PostgreSQL refuses to run as root.

const PG_BIN = '/usr/lib/postgresql/15/bin';

export async function startPostgres() {
  const port = await closedPort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'torii-pg-'));
  const data = path.join(dir, 'data');
  const root = process.getuid?.() === 0;
  const run = (bin, args) => (root ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args]);
  if (root) {
    const uid = Number(spawnSync('id', ['-u', 'postgres']).stdout.toString().trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres']).stdout.toString().trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const [ib, ia] = run(`${PG_BIN}/initdb`, ['-D', data, '-A', 'trust', '-U', 'torii', '--no-sync', '-E', 'UTF8']);
  const init = spawnSync(ib, ia, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed (${init.status}): ${init.stderr}${init.stdout}`);
  const [pb, pa] = run(`${PG_BIN}/postgres`, ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1',
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']);
  let log = '';
  const launch = async () => {
    const child = spawn(pb, pa, { stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    child.__exited = exitPromise(child);
    let mine = '';
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`postgres did not start: ${mine}`)), START_TIMEOUT_MS);
      const onData = (d) => {
        mine += d;
        log += d;
        if (mine.includes('database system is ready to accept connections')) { clearTimeout(timer); resolve(); }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`postgres exited (${code}): ${mine}`)); });
    });
    return child;
  };
  // pg_ctl signals the postmaster itself (runuser, in between as root, does not pass SIGINT on).
  const shutdown = async () => {
    const [cb, ca] = run(`${PG_BIN}/pg_ctl`, ['stop', '-D', data, '-m', 'fast', '-w']);
    spawnSync(cb, ca, { encoding: 'utf8' });
    await stopProcess(pg.child, { signal: 'SIGTERM' });
  };
  const pg = {
    kind: 'postgres',
    child: await launch(),
    port,
    url: `postgresql://torii@127.0.0.1:${port}/postgres`,
    log: () => log,
    // An outage: the server stops (fast shutdown) and starts again on the same data.
    halt: async () => { await shutdown(); },
    resume: async () => { pg.child = await launch(); },
    stop: async () => {
      await shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return pg;
}

// Runs SQL through psql; resolves with its output (tuples only, unaligned).
export function psql(pg, sql) {
  const r = spawnSync('psql', [pg.url, '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
  return r.stdout.trim();
}

// ---------------------------------------------------------------------------
// every provider family on one torii-mock

const FAMILY_AWS = { access_key_id: 'AKIAEXAMPLEEXAMPLE', secret_access_key: 'secret/example', session_token: 'tok' };
export const FAMILIES = ['openai', 'azure', 'anthropic', 'gemini', 'bedrock', 'cohere'];

// A torii-mock that takes `key` (and the AWS credentials of familyConfig).
export function startFamiliesMock(key) {
  return startMock(['--api-key', key, '--aws-access-key-id', FAMILY_AWS.access_key_id,
    '--aws-secret-access-key', FAMILY_AWS.secret_access_key, '--aws-session-token', FAMILY_AWS.session_token]);
}

// Providers and models for every family on `mock`, each model named after
// its family: openai and azure speak OpenAI's wire formats (the Responses
// API included), the others their own.
export function familyConfig(mock, key) {
  const providers = [
    { name: 'openai', type: 'openai', base_url: mock.v1, api_key: key },
    { name: 'azure', type: 'azure', base_url: mock.url, api_key: key, api_version: '2024-10-21' },
    { name: 'anthropic', type: 'anthropic', base_url: mock.url, api_key: key },
    { name: 'gemini', type: 'gemini', base_url: mock.url, api_key: key },
    { name: 'bedrock', type: 'bedrock', region: 'us-east-1', base_url: mock.url, ...FAMILY_AWS },
    { name: 'cohere', type: 'cohere', base_url: mock.url, api_key: key },
  ];
  const upstream = {
    openai: 'gpt-up', azure: 'dep-up', anthropic: 'claude-up', gemini: 'gemini-up', bedrock: 'anthropic.claude-up-v1:0',
    cohere: 'command-up',
  };
  const models = FAMILIES.map((f) => ({ name: f, targets: [{ provider: f, model: upstream[f] }] }));
  return { providers, models };
}
