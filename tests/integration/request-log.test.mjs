// The request log: one row per request on the API surfaces (answered,
// refused, failed, cancelled), attribution, bodies with redaction, the admin
// query and spend API, SIGTERM flush, restart, and a store outage that loses
// nothing (the database held by another process's exclusive lock). The
// first suite runs twice: on the SQLite file and on a real PostgreSQL
// (store.postgres); request-log-postgres.test.mjs has what only PostgreSQL does.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import {
  startMock, startTorii, stopAllOf, postJson, postStream, readSSE, http, chatBody, waitFor, writeConfig,
  fallbackFixture, metricValue, startPostgres,
} from './harness.mjs';

const ADMIN = { authorization: 'Bearer adm' };
const KEY = { authorization: 'Bearer user-key' };

const logs = async (torii, query = '') => {
  const r = await http(`${torii.url}/admin/logs${query}`, { headers: ADMIN });
  assert.equal(r.status, 200, r.text);
  return r.json;
};
// A request is handed to the log right after its last byte is written, so
// one read the moment its answer arrives may come first: read until it is there.
const logOf = (torii, id) => waitFor(async () => {
  const r = await http(`${torii.url}/admin/logs/${encodeURIComponent(id)}`, { headers: ADMIN });
  if (r.status !== 200 && r.status !== 404) assert.fail(`GET /admin/logs/${id}: ${r.status} ${r.text}`);
  return r.status === 200 ? r.json : null;
}, { timeoutMs: 5000, what: `request ${id} in the log` });

function baseConfig(good, bad, extra = {}) {
  return {
    workers: 2,
    auth: { keys: ['user-key'] },
    admin: { keys: ['adm'] },
    logging: { bodies: true },
    ...fallbackFixture(good, bad),
    ...extra,
  };
}

for (const store of ['sqlite', 'postgres']) describe(`request log (${store})`, () => {
  let good; let bad; let slow; let torii; let pg;
  before(async () => {
    good = await startMock();
    bad = await startMock(['--fail-status', '503']);
    slow = await startMock(['--tokens-per-sec', '20']);
    const cfg = baseConfig(good, bad);
    cfg.providers.push({ name: 'slowp', type: 'openai', base_url: slow.v1, api_key: 'k' });
    cfg.models.push({ name: 'slow', targets: [{ provider: 'slowp', model: 'gpt-4o-mini' }] });
    if (store === 'postgres') {
      pg = await startPostgres();
      cfg.store = { postgres: pg.url };
    }
    torii = await startTorii(cfg);
  }, { timeout: 60_000 });
  after(async () => { await stopAllOf(torii, good, bad, slow, pg); }, { timeout: 30_000 });

  it('logs an answered request with its timings, route, usage and cost', async () => {
    const r = await postJson(`${torii.v1}/chat/completions`, chatBody('mini', 'log this one'), { headers: { ...KEY, 'x-request-id': 'log-answered-1' } });
    assert.equal(r.status, 200, r.text);
    const row = await logOf(torii, 'log-answered-1');
    assert.equal(row.status, 200);
    assert.equal(row.model, 'mini');
    assert.equal(row.provider, 'oai');
    assert.equal(row.upstream_model, 'gpt-4o-mini');
    assert.equal(row.attempts, 1);
    assert.equal(row.surface, 'openai');
    assert.equal(row.path, '/v1/chat/completions');
    assert.equal(row.key_id, 'static-0');
    assert.equal(row.usage.input_tokens, r.json.usage.prompt_tokens);
    assert.equal(row.usage.output_tokens, r.json.usage.completion_tokens);
    assert.equal(row.finish_reason, 'stop');
    assert.equal(row.cost_usd, Number(r.headers.get('x-torii-cost-usd')));
    assert.ok(row.duration_ms > 0 && row.upstream_ms > 0 && row.upstream_ms <= row.duration_ms);
    assert.ok(Math.abs(Date.parse(row.start_time) - Date.now()) < 60_000);
  });

  it('logs refused and failed requests too: 401, 404, 400 on a bad header', async () => {
    const unauth = await postJson(`${torii.v1}/chat/completions`, chatBody('mini'), { headers: { 'x-request-id': 'log-401' } });
    assert.equal(unauth.status, 401);
    const missing = await postJson(`${torii.v1}/chat/completions`, chatBody('nope'), { headers: { ...KEY, 'x-request-id': 'log-404' } });
    assert.equal(missing.status, 404);
    const badMeta = await postJson(`${torii.v1}/chat/completions`, chatBody('mini'), { headers: { ...KEY, 'x-request-id': 'log-400', 'x-torii-metadata': '[1,2]' } });
    assert.equal(badMeta.status, 400);
    assert.equal(badMeta.json.error.param, 'x-torii-metadata');
    assert.equal(badMeta.json.error.code, 'invalid_metadata');
    assert.equal((await logOf(torii, 'log-401')).error_code, 'invalid_api_key');
    const nf = await logOf(torii, 'log-404');
    assert.equal(nf.status, 404);
    assert.equal(nf.error_code, 'model_not_found');
    assert.equal(nf.model, null);
    assert.equal((await logOf(torii, 'log-400')).error_code, 'invalid_metadata');
  });

  it('logs fallbacks with their attempts', async () => {
    const r = await postJson(`${torii.v1}/chat/completions`, chatBody('flaky'), { headers: { ...KEY, 'x-request-id': 'log-fallback' } });
    assert.equal(r.status, 200, r.text);
    const row = await logOf(torii, 'log-fallback');
    assert.equal(row.model, 'flaky');
    assert.equal(row.fallback_model, 'mini');
    assert.equal(row.provider, 'oai');
    assert.equal(row.attempts, 2);
  });

  it('logs a stream with its time to first token, and a cancelled one as 499', { timeout: 20_000 }, async () => {
    const res = await postStream(`${torii.v1}/chat/completions`, chatBody('mini', 'stream it', { stream: true }), { headers: { ...KEY, 'x-request-id': 'log-stream' } });
    await readSSE(res);
    const row = await logOf(torii, 'log-stream');
    assert.equal(row.streamed, true);
    assert.ok(row.ttft_ms > 0 && row.ttft_ms <= row.duration_ms);
    assert.ok(row.usage.output_tokens > 0);
    assert.equal(row.finish_reason, 'stop');

    const ctrl = new AbortController();
    const cut = await postStream(`${torii.v1}/chat/completions`, chatBody('slow', 'a long story please', { stream: true, max_tokens: 200 }),
      { headers: { ...KEY, 'x-request-id': 'log-cancelled' }, signal: ctrl.signal });
    await readSSE(cut, { onEvent: () => { ctrl.abort(); return true; } });
    const cancelled = await waitFor(async () => {
      const r = await http(`${torii.url}/admin/logs/log-cancelled`, { headers: ADMIN });
      return r.status === 200 ? r.json : null;
    }, { what: 'the cancelled request in the log' });
    assert.equal(cancelled.status, 499);
    assert.equal(cancelled.cancelled, true);
    assert.equal(cancelled.error_code, 'client_cancelled');
    assert.equal(cancelled.finish_reason, null, 'a cut stream never said why it would end');
  });

  it('records attribution from headers, the body user and Anthropic metadata.user_id', async () => {
    await postJson(`${torii.v1}/chat/completions`, chatBody('mini'), {
      headers: { ...KEY, 'x-request-id': 'log-attr-1', 'x-torii-user': 'alice', 'x-torii-tags': ' search , beta', 'x-torii-metadata': '{"feature":"search","n":2}', 'x-torii-session-id': 'sess-9' },
    });
    await postJson(`${torii.v1}/chat/completions`, { ...chatBody('mini'), user: 'bob' }, { headers: { ...KEY, 'x-request-id': 'log-attr-2' } });
    await postJson(`${torii.url}/v1/messages`, { model: 'haiku', max_tokens: 20, metadata: { user_id: 'carol' }, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-api-key': 'user-key', 'x-request-id': 'log-attr-3' } });
    const a = await logOf(torii, 'log-attr-1');
    assert.equal(a.user_id, 'alice');
    assert.deepEqual(a.tags, ['search', 'beta']);
    assert.deepEqual(a.metadata, { feature: 'search', n: 2 });
    assert.equal(a.session_id, 'sess-9');
    assert.equal((await logOf(torii, 'log-attr-2')).user_id, 'bob');
    const c = await logOf(torii, 'log-attr-3');
    assert.equal(c.user_id, 'carol');
    assert.equal(c.surface, 'anthropic');
    const byTag = await logs(torii, '?tag=search');
    assert.ok(byTag.data.some((x) => x.request_id === 'log-attr-1'));
    assert.ok(byTag.data.every((x) => x.tags.includes('search')));
    const byUser = await waitFor(async () => {
      const page = await logs(torii, '?user=bob');
      return page.data.length ? page : null;
    }, { timeoutMs: 5000, what: 'bob\'s request' });
    assert.deepEqual(byUser.data.map((x) => x.request_id), ['log-attr-2']);
  });

  it('keeps bodies redacted, and never a credential', async () => {
    const text = 'reach me at jane.doe@example.com, card 4111 1111 1111 1111, key sk-proj-abcdefghijklmnopqrstuvwx';
    await postJson(`${torii.v1}/chat/completions`, chatBody('mini', text), { headers: { ...KEY, 'x-request-id': 'log-bodies' } });
    const row = await logOf(torii, 'log-bodies');
    assert.match(row.request_body, /\[EMAIL\]/);
    assert.match(row.request_body, /\[CARD\]/);
    assert.match(row.request_body, /\[SECRET\]/);
    assert.doesNotMatch(row.request_body, /jane\.doe|4111 1111|abcdefghijklmnop/);
    assert.match(row.response_body, /"choices"/);
    // Neither the client's key nor the provider's appears anywhere in the store.
    const dir = path.join(torii.dir, 'torii-data');
    const stored = store === 'postgres'
      ? [['the PostgreSQL dump', spawnSync('pg_dump', [pg.url, '--data-only'], { encoding: 'utf8' }).stdout]]
      : ['torii.db', 'torii.db-wal'].map((n) => path.join(dir, n)).filter(existsSync)
        .map((f) => [f, readFileSync(f).toString('latin1')]);
    assert.ok(stored.some(([, bytes]) => bytes.includes('[EMAIL]')), 'the bodies are in what is read');
    for (const [f, bytes] of stored) {
      assert.ok(!bytes.includes('user-key'), `${f} holds the client key`);
      assert.ok(!bytes.includes('sk-upstream-secret'), `${f} holds the provider key`);
    }
  });

  it('filters and pages with a cursor through every row', async () => {
    for (let i = 0; i < 5; i++) await postJson(`${torii.v1}/chat/completions`, chatBody('mini'), { headers: { ...KEY, 'x-torii-tags': 'paging' } });
    await waitFor(async () => (await logs(torii, '?tag=paging&limit=1000')).data.length === 5, { timeoutMs: 5000, what: 'the five requests logged' });
    const seen = [];
    let cursor = null;
    do {
      const page = await logs(torii, `?tag=paging&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.ok(page.data.length <= 2);
      seen.push(...page.data.map((x) => x.request_id));
      cursor = page.next_cursor;
    } while (cursor);
    assert.equal(seen.length, 5);
    assert.equal(new Set(seen).size, 5);
    const errors = await logs(torii, '?status=4xx&limit=1000');
    assert.ok(errors.data.length >= 3 && errors.data.every((x) => x.status >= 400 && x.status < 500));
    const future = await logs(torii, '?since=2999-01-01T00:00:00Z');
    assert.equal(future.data.length, 0);
    const bad = await http(`${torii.url}/admin/logs?since=yesterday`, { headers: ADMIN });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.param, 'since');
    assert.equal((await http(`${torii.url}/admin/logs?colour=red`, { headers: ADMIN })).status, 400);
    assert.equal((await http(`${torii.url}/admin/logs`, { headers: KEY })).status, 401, 'an API key is not an admin key');
    assert.equal((await http(`${torii.url}/admin/logs/no-such-id`, { headers: ADMIN })).status, 404);
  });

  it('the spend report adds up to the logged costs', async () => {
    const all = await logs(torii, '?limit=1000');
    const byModel = new Map();
    for (const row of all.data) if (row.model) byModel.set(row.model, (byModel.get(row.model) ?? 0) + (row.cost_usd ?? 0));
    const r = await http(`${torii.url}/admin/spend?group_by=model`, { headers: ADMIN });
    assert.equal(r.status, 200, r.text);
    for (const g of r.json.data) {
      if (g.group === null) continue;
      assert.ok(Math.abs(g.cost_usd - byModel.get(g.group)) < 1e-12, `${g.group}: ${g.cost_usd} vs ${byModel.get(g.group)}`);
    }
    const total = all.data.reduce((s, x) => s + (x.cost_usd ?? 0), 0);
    assert.ok(Math.abs(r.json.total.cost_usd - total) < 1e-12);
    assert.equal(r.json.total.requests, all.data.length);
    const day = await http(`${torii.url}/admin/spend?group_by=day`, { headers: ADMIN });
    assert.equal(day.json.data.length, 1);
    assert.match(day.json.data[0].group, /^\d{4}-\d{2}-\d{2}$/);
    assert.equal((await http(`${torii.url}/admin/spend?group_by=colour`, { headers: ADMIN })).status, 400);
  });
});

describe('request log durability', () => {
  let good; let bad;
  before(async () => { good = await startMock(); bad = await startMock(['--fail-status', '503']); }, { timeout: 30_000 });
  after(async () => { await stopAllOf(good, bad); }, { timeout: 30_000 });

  it('SIGTERM writes every finished request; a restart on the same store keeps them', { timeout: 30_000 }, async () => {
    const store = writeConfig('').dir;
    const cfg = baseConfig(good, bad, { store: { path: store } });
    let torii = await startTorii(cfg);
    const N = 40;
    await Promise.all(Array.from({ length: N }, (_, i) => postJson(`${torii.v1}/chat/completions`, chatBody('mini'), { headers: { ...KEY, 'x-torii-tags': 'durable', 'x-request-id': `durable-${i}` } })));
    await torii.stop();  // SIGTERM right after the answers
    torii = await startTorii(cfg);
    const page = await logs(torii, '?tag=durable&limit=1000');
    assert.equal(page.data.length, N);
    await torii.stop();
    rmSync(store, { recursive: true, force: true });
  });

  it('a store that cannot be written holds the records and writes them when it can again', { timeout: 60_000 }, async () => {
    const store = writeConfig('').dir;
    const torii = await startTorii(baseConfig(good, bad, { store: { path: store } }));
    try {
      await postJson(`${torii.v1}/chat/completions`, chatBody('mini'), { headers: KEY });
      await logs(torii);  // the database exists and has been written
      // Another process takes the database's write lock and keeps it.
      const holder = spawn('sqlite3', [path.join(store, 'torii.db')], { stdio: ['pipe', 'pipe', 'inherit'] });
      holder.on('error', (e) => { throw new Error(`sqlite3 (scripts/install-deps.sh installs it): ${e.message}`); });
      holder.stdin.write('PRAGMA busy_timeout=5000; BEGIN EXCLUSIVE; SELECT \'locked\';\n');
      await new Promise((resolve) => holder.stdout.on('data', (d) => { if (String(d).includes('locked')) resolve(); }));
      const N = 25;
      for (let i = 0; i < N; i++) {
        const r = await postJson(`${torii.v1}/chat/completions`, chatBody('mini'), { headers: { ...KEY, 'x-torii-tags': 'outage' } });
        assert.equal(r.status, 200, 'requests are served while the store is down');
      }
      const metric = (name) => metricValue(torii, name);
      await waitFor(async () => (await metric('torii_log_store_errors_total')) > 0, { timeoutMs: 15_000, what: 'a failed write' });
      assert.ok((await metric('torii_log_queue_depth')) > 0, 'the records are held');
      holder.stdin.end('COMMIT;\n');
      await waitFor(async () => (await metric('torii_log_queue_depth')) === 0, { timeoutMs: 20_000, what: 'the backlog written' });
      const page = await logs(torii, '?tag=outage&limit=1000');
      assert.equal(page.data.length, N);
      assert.equal(await metric('torii_log_dropped_total'), 0);
    } finally {
      await torii.stop();
      rmSync(store, { recursive: true, force: true });
    }
  });

  it('SIGTERM during a store outage spools the records; the next start writes them', { timeout: 60_000 }, async () => {
    const store = writeConfig('').dir;
    const cfg = baseConfig(good, bad, { store: { path: store } });
    let torii = await startTorii(cfg);
    let holder;
    try {
      await postJson(`${torii.v1}/chat/completions`, chatBody('mini'), { headers: KEY });
      await logs(torii);
      holder = spawn('sqlite3', [path.join(store, 'torii.db')], { stdio: ['pipe', 'pipe', 'inherit'] });
      holder.stdin.write('PRAGMA busy_timeout=5000; BEGIN EXCLUSIVE; SELECT \'locked\';\n');
      await new Promise((resolve) => holder.stdout.on('data', (d) => { if (String(d).includes('locked')) resolve(); }));
      const N = 15;
      for (let i = 0; i < N; i++) {
        const r = await postJson(`${torii.v1}/chat/completions`, chatBody('mini'), { headers: { ...KEY, 'x-torii-tags': 'spooled' } });
        assert.equal(r.status, 200);
      }
      await torii.stop({ timeoutMs: 30_000 });
      const spool = path.join(store, 'log-spool.jsonl');
      assert.ok(existsSync(spool), 'the records were spooled');
      assert.equal(readFileSync(spool, 'utf8').trim().split('\n').filter((l) => l.includes('"spooled"')).length, N);
      holder.stdin.end('COMMIT;\n');
      await new Promise((resolve) => holder.on('close', resolve));
      holder = null;
      torii = await startTorii(cfg);
      const page = await logs(torii, '?tag=spooled&limit=1000');
      assert.equal(page.data.length, N);
      assert.ok(!existsSync(spool), 'the spool is gone once written');
    } finally {
      if (holder) holder.kill();
      await torii.stop();
      rmSync(store, { recursive: true, force: true });
    }
  });
});
