// Governance across nodes: two torii processes share their rate-limit and
// budget counters through a real redis-server (store.redis), each with its
// own embedded store. Limits hold across both; a $ budget under 200
// concurrent requests split over both nodes is never passed, every refusal
// is a 402, and the spend Redis holds equals the sum of the answered costs.
// A Redis outage refuses metered requests with 503 store_unavailable
// (on_store_error: closed) or falls back to each node's own counters (open).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startMock, startTorii, startRedis, redisCommand, stopAllOf, postJson, http, chatBody, writeConfig, mockConfig, waitFor, sleep } from './harness.mjs';

const cost = (r) => Number(r.headers.get('x-torii-cost-usd'));
const chat = (node, key, extra = {}) =>
  postJson(`${node.v1}/chat/completions`, chatBody('mini', 'Say hello', extra), { headers: { authorization: `Bearer ${key}` } });

describe('governance shared by two nodes through Redis', () => {
  let mock; let redis; let a; let b; const stores = []; let cfg;
  const node = (onError) => {
    const store = writeConfig('').dir;
    stores.push(store);
    return startTorii({ ...cfg, store: { path: store, redis: redis.url, on_store_error: onError } });
  };
  before(async () => {
    mock = await startMock();
    redis = await startRedis();
    cfg = {
      admin: { keys: ['adm-secret'] },
      keys: [
        { key: 'shared-rpm-key', alias: 'rpm4', rpm: 4 },
        { key: 'shared-budget-key', alias: 'crowd', max_budget_usd: 0.05 },
        { key: 'shared-parallel-key', alias: 'par', max_parallel: 2 },
        { key: 'shared-tpm-key', alias: 'tpm', tpm: 300 },
        { key: 'shared-model-key', alias: 'per-model', model_limits: { 'mini': { rpm: 2 } } },
      ],
      providers: [{ name: 'oai', type: 'openai', base_url: mock.v1, api_key: 'k' }],
      models: [{ name: 'mini', targets: [{ provider: 'oai', model: 'gpt-4o-mini', price: { input: 100, output: 400 } }] }],
    };
    a = await node('closed');
    b = await node('closed');
  }, { timeout: 30_000 });
  after(async () => {
    await stopAllOf(a, b, mock, redis);
    for (const s of stores) rmSync(s, { recursive: true, force: true });
  }, { timeout: 30_000 });

  it('holds a requests-per-minute limit across both nodes, with the headers', async () => {
    const seen = [];
    for (const n of [a, b, a, b]) {
      const r = await chat(n, 'shared-rpm-key');
      assert.equal(r.status, 200, r.text);
      seen.push(r.headers.get('x-ratelimit-remaining-requests'));
    }
    assert.deepEqual(seen, ['3', '2', '1', '0'], 'one counter for both nodes');
    for (const n of [a, b]) {
      const r = await chat(n, 'shared-rpm-key');
      assert.equal(r.status, 429);
      assert.equal(r.json.error.code, 'rate_limit_exceeded');
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
    }
  });

  it('holds a per-model limit across both nodes', async () => {
    assert.equal((await chat(a, 'shared-model-key')).status, 200);
    assert.equal((await chat(b, 'shared-model-key')).status, 200);
    const r = await chat(a, 'shared-model-key');
    assert.equal(r.status, 429);
    assert.match(r.json.error.message, /on models 'mini'/);
  });

  it('trues tokens up across nodes', async () => {
    const first = await chat(a, 'shared-tpm-key', { max_tokens: 100 });
    assert.equal(first.status, 200, first.text);
    const left = Number(first.headers.get('x-ratelimit-remaining-tokens'));
    // Node b sees what node a charged, after its true-up to the real usage
    // (settlements leave every few milliseconds).
    await sleep(50);
    const second = await chat(b, 'shared-tpm-key', { max_tokens: 100 });
    assert.equal(second.status, 200, second.text);
    const after = Number(second.headers.get('x-ratelimit-remaining-tokens'));
    assert.ok(after < left, `${after} < ${left}: the second node counted the first request`);
    assert.ok(after > left - 100 - 20, `${after}: the first request was trued up from its max_tokens to its usage`);
  });

  it('limits requests in flight across nodes', async () => {
    await mockConfig(mock, { latency_ms: 400 });
    try {
      const all = await Promise.all([a, b, a].map((n) => chat(n, 'shared-parallel-key')));
      assert.deepEqual(all.map((r) => r.status).sort(), [200, 200, 429]);
    } finally {
      await mockConfig(mock, { latency_ms: 0 });
    }
    // The slots came back when the requests ended (within a few milliseconds).
    await waitFor(async () => (await chat(b, 'shared-parallel-key')).status === 200, { timeoutMs: 1000, what: 'the slots back' });
  });

  it('never passes a budget under 200 concurrent requests over two nodes; Redis holds the exact spend', async () => {
    const budget = 0.05;
    const all = await Promise.all(Array.from({ length: 200 }, (_, i) => chat(i % 2 ? a : b, 'shared-budget-key', { max_tokens: 20 })));
    const ok = all.filter((r) => r.status === 200);
    const refused = all.filter((r) => r.status !== 200);
    assert.ok(ok.length > 0 && refused.length > 0, `${ok.length} admitted, ${refused.length} refused`);
    for (const r of refused) {
      assert.equal(r.status, 402, r.text);
      assert.equal(r.json.error.code, 'budget_exceeded');
    }
    const total = ok.reduce((s, r) => s + cost(r), 0);
    assert.ok(total <= budget + 1e-12, `charged ${total} of ${budget}`);
    // Each answer's cost was reserved at its maximum and settled to the real cost.
    const spentNusd = await waitFor(async () => {
      const v = await redisCommand(redis.port, 'HGET', 'torii:budget:key:cfg-crowd:0', 'spent');
      const reserved = await redisCommand(redis.port, 'HGET', 'torii:budget:key:cfg-crowd:0', 'reserved');
      return Number(reserved) === 0 ? Number(v) : null;
    }, { what: 'every reservation settled' });
    assert.ok(Math.abs(spentNusd / 1e9 - total) < 1e-6, `Redis says ${spentNusd / 1e9}, the answers ${total}`);
    assert.ok(ok.some((r) => r.headers.get('x-torii-budget-remaining-usd') !== null));
  });

  it('refuses metered requests with 503 while Redis is down (closed), and serves them once it is back', async () => {
    const port = redis.port;
    await redis.stop();
    const r = await chat(a, 'shared-rpm-key');
    assert.equal(r.status, 503);
    assert.equal(r.json.error.code, 'store_unavailable');
    // A node set to on_store_error: open admits on its own counters instead.
    const open = await node('open');
    try {
      const o = await chat(open, 'shared-budget-key', { max_tokens: 5 });
      assert.notEqual(o.status, 503, o.text);
      // ... and still enforces the limits, on this node alone.
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await chat(open, 'shared-rpm-key')).status);
      assert.deepEqual(statuses, [200, 200, 200, 200, 429], 'rpm 4 on the open node\'s own counters');
    } finally {
      await open.stop();
    }
    // The nodes know its address: a new server there.
    redis = await startRedisOn(port);
    await waitFor(async () => (await chat(a, 'shared-parallel-key')).status === 200, { timeoutMs: 5000, what: 'Redis back' });
  });
});

// A redis-server on a given port (after a restart on the same address).
async function startRedisOn(port) {
  const { spawn } = await import('node:child_process');
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => { out += d; if (out.includes('Ready to accept connections')) resolve(); });
    child.once('exit', (code) => reject(new Error(`redis-server exited ${code}: ${out}`)));
  });
  return { port, child, stop: async () => { child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r)); } };
}

// A request admitted in one budget period and finished in the next: its
// reservation leaves the old period's hash and its cost goes to the new
// one, where the node's own counter and its ledger put it too. torii runs
// with its wall clock moved (TORII_CLOCK_OFFSET_S) to 6 s before a UTC
// hour, with a 1h budget period; Redis keeps its own clock, which the
// budget keys do not use.
describe('a request that crosses a budget period\'s end, with the counters in Redis', () => {
  let slow; let fast; let redis; let torii; let store;
  const HOUR_MS = 3600e3;
  // The hour that ends 6 s after torii starts, on its moved clock.
  const hourEnd = Math.ceil((Date.now() + 60_000) / HOUR_MS) * HOUR_MS;
  const offsetS = Math.round((hourEnd - 6000 - Date.now()) / 1000);
  const fakeNow = () => Date.now() + offsetS * 1000;
  const until = async (fakeMs) => { while (fakeNow() < fakeMs) await sleep(20); };
  before(async () => {
    slow = await startMock(['--tokens-per-sec', '10', '--reply-words', '60']);
    fast = await startMock();
    redis = await startRedis();
    store = writeConfig('').dir;
    torii = await startTorii({
      admin: { keys: ['adm-secret'] },
      store: { path: store, redis: redis.url },
      keys: [{ key: 'crossing-key', alias: 'crossing', max_budget_usd: 10, budget_period: '1h' }],
      providers: [
        { name: 'slow', type: 'openai', base_url: slow.v1, api_key: 'k' },
        { name: 'fast', type: 'openai', base_url: fast.v1, api_key: 'k' },
      ],
      models: [
        { name: 'long', targets: [{ provider: 'slow', model: 'gpt-4o-mini', price: { input: 100, output: 400 } }] },
        { name: 'short', targets: [{ provider: 'fast', model: 'gpt-4o-mini', price: { input: 100, output: 400 } }] },
      ],
    }, { env: { TORII_CLOCK_OFFSET_S: String(offsetS) } });
  }, { timeout: 30_000 });
  after(async () => {
    await stopAllOf(torii, slow, fast, redis);
    rmSync(store, { recursive: true, force: true });
  }, { timeout: 30_000 });

  it('charges the period it ends in and releases the one it was admitted in', { timeout: 30_000 }, async () => {
    const headers = { authorization: 'Bearer crossing-key' };
    const p2 = hourEnd * 1000;  // the periods' starts, in microseconds
    const p1 = p2 - HOUR_MS * 1000;
    assert.ok(fakeNow() < hourEnd - 3000, 'torii started well before the hour ends');
    await until(hourEnd - 3000);  // the long request is admitted in the first hour
    const admittedAt = fakeNow();
    const long = postJson(`${torii.v1}/chat/completions`, chatBody('long', 'Tell a long story', { stream: true }),
      { headers: { ...headers, 'x-request-id': 'crossing-long' }, timeoutMs: 20_000 });
    await until(hourEnd + 700);  // the short one in the second, while the long one streams
    const short = await postJson(`${torii.v1}/chat/completions`, chatBody('short'), { headers: { ...headers, 'x-request-id': 'crossing-short' } });
    assert.equal(short.status, 200, short.text);
    const a = await long;
    assert.equal(a.status, 200, a.text);
    assert.ok(admittedAt < hourEnd && fakeNow() > hourEnd + 700, 'the long request crossed the hour');
    const logged = await waitFor(async () => {
      const r = await http(`${torii.url}/admin/logs?key=cfg-crossing`, { headers: { authorization: 'Bearer adm-secret' } });
      return r.json?.data?.length === 2 ? r.json.data : null;
    }, { what: 'both requests in the log' });
    const costNusd = (id) => Math.round(logged.find((x) => x.request_id === id).cost_usd * 1e9);
    assert.ok(costNusd('crossing-long') > 0 && costNusd('crossing-short') > 0);
    const both = costNusd('crossing-long') + costNusd('crossing-short');
    const field = async (p, f) => Number((await redisCommand(redis.port, 'HGET', `torii:budget:key:cfg-crossing:${p}`, f)) ?? 0);
    await waitFor(async () => (await field(p2, 'spent')) >= both - 2, { what: 'the second hour charged with both' });
    assert.ok(Math.abs((await field(p2, 'spent')) - both) <= 2, `${await field(p2, 'spent')} nUSD vs ${both}`);
    assert.equal(await field(p2, 'reserved'), 0);
    assert.equal(await field(p1, 'spent'), 0, 'the first hour is not charged with the long request');
    assert.equal(await field(p1, 'reserved'), 0, 'its reservation left the first hour');
  });
});
