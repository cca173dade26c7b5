// The request log in a real PostgreSQL (store.postgres; initdb into a temp
// dir): what only a shared log does. Two nodes write to one log and each
// reads all of it; the server stopped mid-run costs no record (held, then
// written once it is back); SIGTERM during the outage spools what is held
// and the next start writes it; text PostgreSQL refuses (NUL, invalid UTF-8)
// is stored replaced instead of failing the batch; retention drops whole day
// partitions, bodies on their own clock. request-log.test.mjs runs the
// common suite on both stores.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import {
  startMock, startTorii, startPostgres, psql, stopAllOf, postJson, http, chatBody, waitFor, writeConfig, metricValue,
} from './harness.mjs';

const ADMIN = { authorization: 'Bearer adm' };
const KEY = { authorization: 'Bearer user-key' };
const DAY_US = 86_400_000_000;

const logs = async (n, query = '') => {
  const r = await http(`${n.url}/admin/logs${query}`, { headers: ADMIN });
  assert.equal(r.status, 200, r.text);
  return r.json;
};
const chat = (n, headers = {}) => postJson(`${n.v1}/chat/completions`, chatBody('mini'), { headers: { ...KEY, ...headers } });
// "20261204" for the day (days since 1970-01-01) the partitions are named by.
const daySuffix = (day) => new Date(day * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
const tables = (pg, like) => psql(pg, `SELECT relname FROM pg_class WHERE relname LIKE '${like}' ORDER BY 1`).split('\n').filter(Boolean);

describe('request log in PostgreSQL', () => {
  let mock; let pg; const stores = [];
  const config = (extra = {}) => {
    const store = writeConfig('').dir;
    stores.push(store);
    return {
      workers: 2,
      auth: { keys: ['user-key'] },
      admin: { keys: ['adm'] },
      logging: { bodies: true },
      store: { path: store, postgres: pg.url },
      providers: [{ name: 'oai', type: 'openai', base_url: mock.v1, api_key: 'k' }],
      models: [{ name: 'mini', targets: [{ provider: 'oai', model: 'gpt-4o-mini', price: { input: 1, output: 2 } }] }],
      ...extra,
    };
  };
  before(async () => {
    mock = await startMock();
    pg = await startPostgres();
  }, { timeout: 60_000 });
  after(async () => {
    await stopAllOf(mock, pg);
    for (const s of stores) rmSync(s, { recursive: true, force: true });
  }, { timeout: 30_000 });

  it('two nodes write to one log; each reads every node\'s requests and the same spend', async () => {
    const a = await startTorii(config());
    const b = await startTorii(config());
    try {
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push(await chat(i % 2 ? a : b, { 'x-torii-tags': 'two-nodes', 'x-request-id': `two-${i}` }));
      for (const r of answers) assert.equal(r.status, 200, r.text);
      const costs = answers.reduce((s, r) => s + Number(r.headers.get('x-torii-cost-usd')), 0);
      const fromA = await waitFor(async () => {
        const page = await logs(a, '?tag=two-nodes&limit=100');
        return page.data.length === 6 ? page : null;
      }, { what: 'both nodes\' requests read through node a' });
      assert.deepEqual(fromA.data.map((x) => x.request_id).sort(), answers.map((_, i) => `two-${i}`).sort());
      assert.deepEqual((await logs(b, '?tag=two-nodes&limit=100')).data, fromA.data, 'node b reads the same rows');
      const spend = await http(`${b.url}/admin/spend?group_by=tag&tag=two-nodes`, { headers: ADMIN });
      assert.equal(spend.status, 200, spend.text);
      assert.equal(spend.json.data[0].requests, 6);
      assert.ok(Math.abs(spend.json.data[0].cost_usd - costs) < 1e-12, `${spend.json.data[0].cost_usd} vs ${costs}`);
      // The rows are in day partitions (today's and tomorrow's made ahead).
      const today = Math.floor(Date.now() / 86_400_000);
      const parts = tables(pg, 'requests_2%');
      assert.ok(parts.includes(`requests_${daySuffix(today)}`), parts.join(','));
      assert.ok(parts.includes(`requests_${daySuffix(today + 1)}`), parts.join(','));
      assert.ok(tables(pg, 'request_bodies_2%').includes(`request_bodies_${daySuffix(today)}`));
    } finally {
      await stopAllOf(a, b);
    }
  });

  it('the server stopped mid-run: requests are served, the records are held and all written once it is back', { timeout: 60_000 }, async () => {
    const n = await startTorii(config());
    try {
      assert.equal((await chat(n)).status, 200);
      await logs(n);
      await pg.halt();
      const N = 20;
      for (let i = 0; i < N; i++) {
        const r = await chat(n, { 'x-torii-tags': 'pg-outage' });
        assert.equal(r.status, 200, 'requests are served while PostgreSQL is down');
      }
      await waitFor(async () => (await metricValue(n, 'torii_log_store_errors_total')) > 0, { timeoutMs: 15_000, what: 'a failed write' });
      assert.ok((await metricValue(n, 'torii_log_queue_depth')) >= N, 'the records are held');
      const down = await http(`${n.url}/admin/logs`, { headers: ADMIN });
      assert.equal(down.status, 503, down.text);
      assert.equal(down.json.error.code, 'store_unavailable');
      await pg.resume();
      await waitFor(async () => (await metricValue(n, 'torii_log_queue_depth')) === 0, { timeoutMs: 20_000, what: 'the backlog written' });
      const page = await waitFor(async () => {
        const r = await http(`${n.url}/admin/logs?tag=pg-outage&limit=1000`, { headers: ADMIN });
        return r.status === 200 ? r.json : null;
      }, { timeoutMs: 10_000, what: 'the log readable again' });
      assert.equal(page.data.length, N);
      assert.equal(await metricValue(n, 'torii_log_dropped_total'), 0);
    } finally {
      await n.stop();
    }
  });

  it('SIGTERM during an outage spools the records; the next start writes them', { timeout: 60_000 }, async () => {
    const cfg = config();
    let n = await startTorii(cfg);
    try {
      assert.equal((await chat(n)).status, 200);
      await logs(n);
      await pg.halt();
      const N = 12;
      for (let i = 0; i < N; i++) assert.equal((await chat(n, { 'x-torii-tags': 'pg-spooled' })).status, 200);
      await n.stop({ timeoutMs: 30_000 });
      const spool = path.join(cfg.store.path, 'log-spool.jsonl');
      assert.ok(existsSync(spool), 'the records were spooled');
      await pg.resume();
      n = await startTorii(cfg);
      const page = await logs(n, '?tag=pg-spooled&limit=1000');
      assert.equal(page.data.length, N);
      assert.ok(!existsSync(spool), 'the spool is gone once written');
    } finally {
      await n.stop();
    }
  });

  it('stores text PostgreSQL would refuse (NUL, invalid UTF-8) replaced, and goes on logging', async () => {
    const n = await startTorii(config());
    try {
      const raw = Buffer.concat([Buffer.from('{"model":"mini","messages":[{"role":"user","content":"bad '),
        Buffer.from([0xff, 0xfe, 0x00, 0xc3]), Buffer.from('"}]}')]);
      const bad = await http(`${n.v1}/chat/completions`, {
        method: 'POST', headers: { ...KEY, 'content-type': 'application/json', 'x-request-id': 'pg-bad-bytes' }, body: new Uint8Array(raw),
      });
      assert.equal(bad.status, 400, bad.text);
      assert.equal((await chat(n, { 'x-request-id': 'pg-after-bad' })).status, 200);
      const row = await waitFor(async () => {
        const r = await http(`${n.url}/admin/logs/pg-bad-bytes`, { headers: ADMIN });
        return r.status === 200 ? r.json : null;
      }, { what: 'the refused request in the log' });
      assert.equal(row.status, 400);
      assert.ok(row.request_body.startsWith('{"model":"mini","messages":[{"role":"user","content":"bad \ufffd\ufffd\ufffd\ufffd"'), row.request_body);
      assert.equal((await logs(n, '?limit=1000')).data.filter((x) => x.request_id === 'pg-after-bad').length, 1);
      assert.equal(await metricValue(n, 'torii_log_dropped_total'), 0);
    } finally {
      await n.stop();
    }
  });

  it('retention drops whole days: rows past retention_days, bodies past content_retention_days', { timeout: 60_000 }, async () => {
    const cfg = config({ logging: { bodies: true, retention_days: 30, content_retention_days: 7 } });
    let n = await startTorii(cfg);
    await chat(n, { 'x-request-id': 'retention-today' });
    await logs(n);
    await n.stop();
    // Two old days, as a node would have written them: one past both
    // retentions, one past the bodies' only.
    const today = Math.floor(Date.now() / 86_400_000);
    const ancient = today - 40; const older = today - 10;
    for (const day of [ancient, older]) {
      for (const t of ['requests', 'request_tags', 'request_bodies'])
        psql(pg, `CREATE TABLE ${t}_${daySuffix(day)} PARTITION OF ${t} FOR VALUES FROM (${day * DAY_US}) TO (${(day + 1) * DAY_US})`);
      const id = 900000 + day;
      psql(pg, `INSERT INTO requests (id, request_id, start_us, duration_ms, surface, method, path, model, attempts, status, cancelled,
        streamed, input_tokens, output_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, audio_tokens, usage_estimated, cost_usd)
        VALUES (${id}, 'old-${day}', ${day * DAY_US + 1000}, 5, 'openai', 'POST', '/v1/chat/completions', 'mini', 1, 200, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0.5)`);
      psql(pg, `INSERT INTO request_bodies VALUES (${id}, ${day * DAY_US + 1000}, 'old body', 'old answer', 0)`);
      psql(pg, `INSERT INTO spend_rollup VALUES (1, 'all', ${day}, '', 1, 1, 1, 0, 0, 0, 0.5, 0, 0, 0)`);
    }
    n = await startTorii(cfg);  // the writer's first pass purges
    try {
      await waitFor(async () => !tables(pg, 'requests_2%').includes(`requests_${daySuffix(ancient)}`),
        { timeoutMs: 10_000, what: 'the 40-day-old partition dropped' });
      const left = tables(pg, 'request%_2%');
      for (const t of ['requests', 'request_tags', 'request_bodies']) assert.ok(!left.includes(`${t}_${daySuffix(ancient)}`), left.join(','));
      assert.ok(!left.includes(`request_bodies_${daySuffix(older)}`), 'the 10-day-old bodies are gone');
      assert.ok(left.includes(`requests_${daySuffix(older)}`), 'the 10-day-old rows stay');
      assert.ok(left.includes(`requests_${daySuffix(today)}`));
      assert.equal((await http(`${n.url}/admin/logs/old-${ancient}`, { headers: ADMIN })).status, 404);
      const kept = await http(`${n.url}/admin/logs/old-${older}`, { headers: ADMIN });
      assert.equal(kept.status, 200, kept.text);
      assert.equal(kept.json.request_body, null, 'its body went with the content retention');
      assert.equal(psql(pg, `SELECT count(*) FROM spend_rollup WHERE period = 1 AND bucket = ${ancient}`), '0', 'its rollups went with it');
      assert.equal(psql(pg, `SELECT count(*) FROM spend_rollup WHERE period = 1 AND bucket = ${older}`), '1');
      assert.equal((await http(`${n.url}/admin/logs/retention-today`, { headers: ADMIN })).status, 200);
    } finally {
      await n.stop();
    }
  });
});
