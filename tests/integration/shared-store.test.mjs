// Two nodes as one gateway: keys, teams, users and the spend ledger in a
// real PostgreSQL (initdb into a temp dir), counters in a real redis-server.
// A key created, changed or revoked on one node is in force on the other
// within 1 s; a $1.00 budget under 200 concurrent requests over both nodes
// is never passed, every refusal is a 402, and the ledger equals the sum of
// the logged costs; a node killed with SIGKILL mid-load loses no key, and
// the reservations it held expire; a PostgreSQL outage keeps the known keys
// serving and answers admin writes with 503.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import {
  startMock, startTorii, startRedis, startPostgres, psql, redisCommand, stopAllOf, postJson, http, chatBody, writeConfig,
  mockConfig, mockStats, waitFor, sleep, runTorii,
} from './harness.mjs';

const ADMIN = { authorization: 'Bearer adm-secret' };
const admin = (n, method, p, body) => http(`${n.url}${p}`, { method, headers: ADMIN, body });
const chat = (n, key, extra = {}, model = 'mini') =>
  postJson(`${n.v1}/chat/completions`, chatBody(model, 'Say hello', extra), { headers: { authorization: `Bearer ${key}` } });
const cost = (r) => Number(r.headers.get('x-torii-cost-usd'));

describe('two nodes sharing PostgreSQL and Redis', () => {
  let mock; let redis; let pg; let a; let b; let cfgA; let cfgB; const stores = [];
  const config = () => {
    const store = writeConfig('').dir;
    stores.push(store);
    return {
      admin: { keys: ['adm-secret'] },
      store: { path: store, redis: redis.url, postgres: pg.url, reservation_lease_s: 2 },
      providers: [{ name: 'oai', type: 'openai', base_url: mock.v1, api_key: 'k' }],
      models: [
        // Dear on purpose: the 200 requests' real costs sum well past $1.
        { name: 'mini', targets: [{ provider: 'oai', model: 'gpt-4o-mini', price: { input: 1000, output: 4000 } }] },
        { name: 'other', targets: [{ provider: 'oai', model: 'gpt-4o', price: { input: 100, output: 400 } }] },
      ],
    };
  };
  before(async () => {
    mock = await startMock();
    redis = await startRedis();
    pg = await startPostgres();
    cfgA = config();
    cfgB = config();
    a = await startTorii(cfgA);
    b = await startTorii(cfgB);
  }, { timeout: 60_000 });
  after(async () => {
    await stopAllOf(a, b, mock, redis, pg);
    for (const s of stores) rmSync(s, { recursive: true, force: true });
  }, { timeout: 30_000 });

  it('puts a key created, changed and revoked on one node in force on the other within 1 s', async () => {
    const team = await admin(a, 'POST', '/admin/teams', { name: 'shared-team' });
    assert.equal(team.status, 201, team.text);
    const k = await admin(a, 'POST', '/admin/keys', { alias: 'travels', team_id: team.json.id });
    assert.equal(k.status, 201, k.text);
    const t0 = Date.now();
    await waitFor(async () => (await chat(b, k.json.key)).status === 200, { timeoutMs: 1000, intervalMs: 25, what: 'the key on node b' });
    const seen = Date.now() - t0;
    assert.ok(seen <= 1000, `in force on b after ${seen} ms`);
    assert.equal((await admin(b, 'GET', `/admin/keys/${k.json.id}`)).json.alias, 'travels', 'b lists it');

    await admin(a, 'PATCH', `/admin/keys/${k.json.id}`, { models: ['other'] });
    await waitFor(async () => (await chat(b, k.json.key)).status === 403, { timeoutMs: 1000, intervalMs: 25, what: 'the allow-list on b' });
    await admin(a, 'DELETE', `/admin/keys/${k.json.id}`);
    await waitFor(async () => (await chat(b, k.json.key, {}, 'other')).status === 401, { timeoutMs: 1000, intervalMs: 25, what: 'the revocation on b' });
  });

  it('holds a $1.00 budget under 200 concurrent requests over both nodes; the ledger equals the logged costs', async () => {
    const k = (await admin(b, 'POST', '/admin/keys', { alias: 'dollar', max_budget_usd: 1 })).json;
    // Known on node a (checked without spending).
    await waitFor(async () => (await http(`${a.v1}/models`, { headers: { authorization: `Bearer ${k.key}` } })).status === 200,
      { timeoutMs: 1000, intervalMs: 25, what: 'the key on a' });
    const all = await Promise.all(Array.from({ length: 200 }, (_, i) => chat(i % 2 ? a : b, k.key, { max_tokens: 20 })));
    const ok = all.filter((r) => r.status === 200);
    const refused = all.filter((r) => r.status !== 200);
    for (const r of refused) {
      assert.equal(r.status, 402, r.text);
      assert.equal(r.json.error.code, 'budget_exceeded');
    }
    assert.ok(refused.length > 0, 'the requests\' costs sum past the budget');
    const answered = ok.reduce((s, r) => s + cost(r), 0);
    const logged = async (n) => {
      let sum = 0; let cursor; let rows = 0;
      do {
        const page = await admin(n, 'GET', `/admin/logs?key=${k.id}&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
        for (const row of page.json.data.filter((x) => x.path === "/v1/chat/completions")) { sum += row.cost_usd ?? 0; rows += 1; }
        cursor = page.json.next_cursor;
      } while (cursor);
      return { sum, rows };
    };
    // One request log in PostgreSQL: either node reads every node's requests.
    const { sum, rows } = await waitFor(async () => {
      const [la, lb] = [await logged(a), await logged(b)];
      return la.rows === 200 && lb.rows === 200 ? la : null;
    }, { what: 'every request of both nodes in the shared log' });
    assert.equal(rows, 200);
    assert.ok(sum <= 1 + 1e-12, `charged $${sum} of $1.00`);
    assert.ok(Math.abs(sum - answered) < 1e-9, `the logs hold the answered costs: ${sum} vs ${answered}`);
    await waitFor(async () => {
      const nusd = Number(psql(pg, `SELECT coalesce(sum(spend_nusd), 0) FROM spend_ledger WHERE level = 'key' AND id = '${k.id}'`));
      return Math.abs(nusd / 1e9 - sum) < 1e-6;
    }, { what: 'the ledger in PostgreSQL to equal the logged costs' });
    // Both nodes report the same spend for the key.
    const [sa, sb] = [(await admin(a, 'GET', `/admin/keys/${k.id}`)).json, (await admin(b, 'GET', `/admin/keys/${k.id}`)).json];
    assert.ok(Math.abs(sa.spend_usd - sum) < 1e-6 && Math.abs(sb.spend_usd - sum) < 1e-6, `${sa.spend_usd} / ${sb.spend_usd} vs ${sum}`);
  });

  it('keeps serving known keys while PostgreSQL is down; admin writes answer 503 until it is back', async () => {
    const k = (await admin(a, 'POST', '/admin/keys', { alias: 'outage' })).json;
    await waitFor(async () => (await chat(b, k.key)).status === 200, { timeoutMs: 1000, what: 'the key on b' });
    await pg.halt();
    try {
      assert.equal((await chat(a, k.key)).status, 200, 'the key table is in memory');
      assert.equal((await chat(b, k.key)).status, 200);
      const w = await admin(a, 'POST', '/admin/keys', { alias: 'during-outage' });
      assert.equal(w.status, 503, w.text);
      assert.equal(w.json.error.code, 'store_unavailable');
    } finally {
      await pg.resume();
    }
    const after = await waitFor(async () => {
      const r = await admin(a, 'POST', '/admin/keys', { alias: 'after-outage' });
      return r.status === 201 ? r : null;
    }, { timeoutMs: 5000, what: 'admin writes once PostgreSQL is back' });
    await waitFor(async () => (await chat(b, after.json.key)).status === 200, { timeoutMs: 2000, what: 'the new key on b' });
  });

  it('loses no key when a node is killed mid-load, and the dead node\'s reservations expire', async () => {
    const k = (await admin(a, 'POST', '/admin/keys', { alias: 'survivor', max_budget_usd: 100 })).json;
    await waitFor(async () => (await chat(b, k.key)).status === 200, { timeoutMs: 1000, what: 'the key on b' });
    const before = (await admin(a, 'GET', '/admin/keys')).json.data.map((x) => x.id).sort();
    await mockConfig(mock, { latency_ms: 1500 });
    const sent = (await mockStats(mock)).requests;
    const inflight = Array.from({ length: 10 }, () => chat(a, k.key, { max_tokens: 20 }).catch((e) => e));
    // All ten at the upstream (counted on arrival, before the latency): each
    // was admitted, so each holds its reservation when a is killed.
    await waitFor(async () => (await mockStats(mock)).requests >= sent + 10, { timeoutMs: 5000, intervalMs: 20, what: 'the ten requests at the upstream' });
    const reservedAtKill = Number(await redisCommand(redis.port, 'HGET', `torii:budget:key:${k.id}:0`, 'reserved'));
    a.child.kill('SIGKILL');
    await Promise.all(inflight);
    await mockConfig(mock, { latency_ms: 0 });
    assert.ok(reservedAtKill > 0, 'the killed node held reservations');
    // The lease (2 s here) frees them; the next admission purges what expired.
    await sleep(2500);
    assert.equal((await chat(b, k.key)).status, 200);
    // b's own reservation is settled a few milliseconds after its answer.
    await waitFor(async () => Number(await redisCommand(redis.port, 'HGET', `torii:budget:key:${k.id}:0`, 'reserved')) === 0,
      { timeoutMs: 1000, what: 'no reservation of the dead node left' });
    a = await startTorii(cfgA);
    const after = (await admin(a, 'GET', '/admin/keys')).json.data.map((x) => x.id).sort();
    assert.deepEqual(after, before, 'every key is there after the restart');
    assert.equal((await chat(a, k.key)).status, 200);
  });
});

// A PostgreSQL address where something accepts connections and never says a
// word (a hung server, a wrong port behind a proxy): the start gives up after
// libpq's connect timeout torii sets (5 s) with the reason, instead of
// hanging forever.
describe('a PostgreSQL address that accepts and never answers', () => {
  it('stops the start after the connect timeout, saying why', { timeout: 30_000 }, async () => {
    const held = [];
    const silent = createServer((socket) => { held.push(socket); });
    await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const storeDir = writeConfig('').dir;
    const { dir, file } = writeConfig({
      admin: { keys: ['adm-secret'] },
      store: { path: storeDir, postgres: `postgresql://torii@127.0.0.1:${silent.address().port}/postgres` },
      providers: [{ name: 'm', type: 'mock' }],
      models: [{ name: 'echo', targets: [{ provider: 'm', model: 'echo' }] }],
    });
    try {
      const r = await runTorii(['serve', '--config', file, '--listen', '127.0.0.1:0'], { timeoutMs: 20_000 });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /timeout/i, r.stderr);
      assert.ok(held.length > 0, 'torii did connect');
    } finally {
      for (const s of held) s.destroy();
      silent.close();
      for (const d of [dir, storeDir]) rmSync(d, { recursive: true, force: true });
    }
  });
});
