// Governance on one node: teams and users through the admin API; rate limits
// (rpm, tpm, max_parallel) per key, user and team with OpenAI's headers and
// 429 + Retry-After; budgets as hard caps (reserve, then settle) with 402
// budget_exceeded, exact under concurrency, kept across a restart; keys
// declared in the config (`keys:`).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startMock, startTorii, stopAllOf, postJson, http, chatBody, writeConfig, mockConfig, mockStats, waitFor, postStream, readSSE, metricValue } from './harness.mjs';

const ADMIN = { authorization: 'Bearer adm-secret' };
const admin = (torii, method, p, body) => http(`${torii.url}${p}`, { method, headers: ADMIN, body });
const chat = (torii, key, extra = {}, model = 'mini') =>
  postJson(`${torii.v1}/chat/completions`, chatBody(model, 'Say hello', extra), { headers: { authorization: `Bearer ${key}` } });
const newKey = async (torii, body) => {
  const r = await admin(torii, 'POST', '/admin/keys', body);
  assert.equal(r.status, 201, r.text);
  return r.json;
};
const cost = (r) => Number(r.headers.get('x-torii-cost-usd'));

describe('governance', () => {
  let mock; let slow; let torii; let store; let cfg;
  before(async () => {
    mock = await startMock();
    slow = await startMock(['--tokens-per-sec', '20', '--reply-words', '300']);
    store = writeConfig('').dir;
    cfg = {
      admin: { keys: ['adm-secret'] },
      store: { path: store },
      keys: [
        { key: 'declared-secret-1', alias: 'gitops', rpm: 1, models: ['mini'] },
        { key: 'declared-secret-2', alias: 'gitops-budget', max_budget_usd: 0.0001, budget_period: 'month' },
      ],
      providers: [{ name: 'oai', type: 'openai', base_url: mock.v1, api_key: 'k' },
        { name: 'slow-oai', type: 'openai', base_url: slow.v1, api_key: 'k' },
        { name: 'claude', type: 'anthropic', base_url: mock.url, api_key: 'k' },
        { name: 'compat', type: 'openai-compatible', base_url: mock.v1, api_key: 'k' }],
      models: [
        // Dear on purpose, so that a few requests reach a small budget.
        { name: 'mini', targets: [{ provider: 'oai', model: 'gpt-4o-mini', price: { input: 100, output: 400 } }] },
        { name: 'claude-haiku', targets: [{ provider: 'claude', model: 'claude-haiku-4-5-20251001', price: { input: 100, output: 500 } }] },
        { name: 'unpriced', targets: [{ provider: 'oai', model: 'house-model-7' }] },
        { name: 'compat-mini', targets: [{ provider: 'compat', model: 'llama-mini', price: { input: 100, output: 400 } }] },
        { name: 'slow', targets: [{ provider: 'slow-oai', model: 'gpt-4o-mini', price: { input: 100, output: 400 } }] },
      ],
      // A tier picks its model without client changes.
      routes: [
        { when: { team: 'gold', model: 'mini' }, model: 'claude-haiku' },
        { when: { key_tag: 'beta', model: 'mini' }, model: 'claude-haiku' },
      ],
    };
    torii = await startTorii(cfg);
  }, { timeout: 30_000 });
  after(async () => { await stopAllOf(torii, mock, slow); rmSync(store, { recursive: true, force: true }); }, { timeout: 30_000 });

  it('creates, lists, changes and deletes teams and users, refusing bad bodies by field', async () => {
    const t = await admin(torii, 'POST', '/admin/teams', { name: 'research', rpm: 100, max_budget_usd: 50, budget_period: 'month', models: ['mini'] });
    assert.equal(t.status, 201, t.text);
    assert.match(t.json.id, /^team_[0-9a-f]{16}$/);
    assert.equal(t.json.object, 'team');
    assert.equal(t.json.spend_usd, 0);
    assert.equal(t.json.budget_remaining_usd, 50);
    assert.match(t.json.budget_resets_at, /^\d{4}-\d\d-01T00:00:00(\.0+)?Z$/);
    assert.equal(await metricValue(torii, 'torii_budget_remaining_usd{level="team",name="research"}'), 50);
    const got = await admin(torii, 'GET', `/admin/teams/${t.json.id}`);
    assert.equal(got.json.name, 'research');
    const patched = await admin(torii, 'PATCH', `/admin/teams/${t.json.id}`, { rpm: null, metadata: { cost_center: '42' } });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.rpm, null);
    assert.deepEqual(patched.json.metadata, { cost_center: '42' });
    assert.ok((await admin(torii, 'GET', '/admin/teams')).json.data.some((x) => x.id === t.json.id));
    for (const [body, param] of [[{ name: 'research' }, 'name'], [{ colour: 1 }, 'colour'], [{ max_budget_usd: -5 }, 'max_budget_usd'],
      [{ budget_period: '1d' }, 'budget_period'], [{ max_parallel: 0 }, 'max_parallel'], [{ models: 'x' }, 'models']]) {
      const r = await admin(torii, 'POST', '/admin/teams', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.json.error.param, param);
    }
    const k = await newKey(torii, { team_id: t.json.id });
    const inUse = await admin(torii, 'DELETE', `/admin/teams/${t.json.id}`);
    assert.equal(inUse.status, 409);
    assert.equal(inUse.json.error.code, 'team_in_use');
    await admin(torii, 'DELETE', `/admin/keys/${k.id}`);
    assert.equal((await admin(torii, 'DELETE', `/admin/teams/${t.json.id}`)).status, 200);
    assert.equal((await admin(torii, 'GET', `/admin/teams/${t.json.id}`)).status, 404);

    const u = await admin(torii, 'POST', '/admin/users', { name: 'bob', tpm: 1000 });
    assert.equal(u.status, 201, u.text);
    assert.equal(u.json.object, 'user');
    assert.equal(u.json.tpm, 1000);
    assert.equal((await admin(torii, 'POST', '/admin/keys', { user_id: 'user_0000000000000000' })).json.error.code, 'user_not_found');
  });

  it('limits requests per minute exactly, with OpenAI headers, a 429 and Retry-After', async () => {
    const k = await newKey(torii, { alias: 'rpm-3', rpm: 3 });
    const remaining = [];
    for (let i = 0; i < 3; i++) {
      const r = await chat(torii, k.key);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers.get('x-ratelimit-limit-requests'), '3');
      remaining.push(r.headers.get('x-ratelimit-remaining-requests'));
      assert.match(r.headers.get('x-ratelimit-reset-requests'), /^\d+(ms|s|m\d+s)$/);
    }
    assert.deepEqual(remaining, ['2', '1', '0']);
    const refused = await chat(torii, k.key);
    assert.equal(refused.status, 429);
    assert.equal(refused.json.error.code, 'rate_limit_exceeded');
    assert.equal(refused.json.error.type, 'rate_limit_error');
    assert.match(refused.json.error.message, /key 'rpm-3'.*3 requests per minute \(rpm\)/);
    const retry = Number(refused.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 20, `Retry-After ${retry}: one request comes back every 20 s`);
    // Counted in /metrics, under the model it asked for.
    const limited = await waitFor(async () => {
      const v = await metricValue(torii, 'torii_ratelimited_total{model="mini",provider=""}');
      return v >= 1 ? v : null;
    }, { what: 'the refusal in torii_ratelimited_total' });
    assert.ok(limited >= 1);
    // The Anthropic surface answers in its own shape.
    const a = await postJson(`${torii.url}/v1/messages`, { model: 'claude-haiku', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-api-key': k.key } });
    assert.equal(a.status, 429);
    assert.equal(a.json.error.type, 'rate_limit_error');
    assert.ok(a.headers.get('retry-after'));
  });

  it('limits tokens per minute: prompt and max_tokens up front, trued up after', async () => {
    const k = await newKey(torii, { alias: 'tpm', tpm: 400 });
    const big = await chat(torii, k.key, { max_tokens: 1000 });
    assert.equal(big.status, 429, 'a request that alone is over the limit');
    assert.match(big.json.error.message, /400 tokens per minute \(tpm\).*alone/);
    const first = await chat(torii, k.key, { max_tokens: 100 });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.headers.get('x-ratelimit-limit-tokens'), '400');
    const left = Number(first.headers.get('x-ratelimit-remaining-tokens'));
    assert.ok(left < 400 - 100 && left > 0, `remaining ${left}`);
    // The true-up gave back what max_tokens reserved and the answer did not use.
    const usage = first.json.usage.total_tokens;
    assert.ok(usage < 100);
    const again = await chat(torii, k.key, { max_tokens: 100 });
    assert.equal(again.status, 200);
    assert.ok(Number(again.headers.get('x-ratelimit-remaining-tokens')) > left - 100 - 10,
      'the first request was charged its real usage, not its max_tokens');
    let refused;
    for (let i = 0; i < 40 && !refused; i++) {
      const r = await chat(torii, k.key, { max_tokens: 300 });
      if (r.status === 429) refused = r;
    }
    assert.ok(refused, 'the limit is reached');
    assert.match(refused.json.error.message, /tpm/);
  });

  it('limits some models only (model_limits), beside the key\'s own limits', async () => {
    const k = await newKey(torii, { alias: 'per-model', rpm: 100, model_limits: { 'claude-*': { rpm: 1 } } });
    assert.deepEqual(k.model_limits, { 'claude-*': { rpm: 1 } });
    const haiku = () => postJson(`${torii.v1}/chat/completions`, chatBody('claude-haiku', 'hi', { max_tokens: 5 }),
      { headers: { authorization: `Bearer ${k.key}` } });
    assert.equal((await haiku()).status, 200);
    const refused = await haiku();
    assert.equal(refused.status, 429);
    assert.match(refused.json.error.message, /key 'per-model' on models 'claude-\*': 1 requests per minute/);
    for (let i = 0; i < 3; i++) assert.equal((await chat(torii, k.key)).status, 200, 'other models keep the key\'s own limit');
    for (const body of [{ model_limits: [] }, { model_limits: { 'gpt-*': {} } }, { model_limits: { 'gpt-*': { rpm: 0 } } },
      { model_limits: { 'gpt-*': { rps: 3 } } }]) {
      const r = await admin(torii, 'POST', '/admin/keys', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.json.error.param, 'model_limits');
    }
  });

  it('limits requests in flight, and gives the slot back when a request ends', async () => {
    const k = await newKey(torii, { alias: 'par', max_parallel: 2 });
    await mockConfig(mock, { latency_ms: 400 });
    try {
      const all = await Promise.all([0, 1, 2].map(() => chat(torii, k.key)));
      const statuses = all.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 200, 429]);
      assert.match(all.find((r) => r.status === 429).json.error.message, /2 requests in flight \(max_parallel\)/);
    } finally {
      await mockConfig(mock, { latency_ms: 0 });
    }
    assert.equal((await chat(torii, k.key)).status, 200);
  });

  it('charges every level: a team limit holds across its keys, a user limit across theirs', async () => {
    const team = (await admin(torii, 'POST', '/admin/teams', { name: 'tiny', rpm: 2 })).json;
    const a = await newKey(torii, { team_id: team.id });
    const b = await newKey(torii, { team_id: team.id });
    assert.equal((await chat(torii, a.key)).status, 200);
    assert.equal((await chat(torii, b.key)).status, 200);
    const third = await chat(torii, a.key);
    assert.equal(third.status, 429);
    assert.match(third.json.error.message, /team 'tiny'/);
    // A key refused at its team gave its own counters back: b has no rpm of its own anyway,
    // so check a key limit that sits under a team that refuses.
    const user = (await admin(torii, 'POST', '/admin/users', { name: 'carol', models: ['claude-*'] })).json;
    const c = await newKey(torii, { user_id: user.id });
    const denied = await chat(torii, c.key);
    assert.equal(denied.status, 403);
    assert.equal(denied.json.error.code, 'model_not_allowed');
    assert.match(denied.json.error.message, /user/);
    // A blocked team stops its keys.
    await admin(torii, 'PATCH', `/admin/teams/${team.id}`, { blocked: true, rpm: null });
    const blocked = await chat(torii, b.key);
    assert.equal(blocked.status, 401);
    assert.match(blocked.json.error.message, /team is blocked/);
  });

  it('reserves before, settles after: a budget is a hard cap with 402 and the reset time', async () => {
    const k = await newKey(torii, { alias: 'budget', max_budget_usd: 0.02, budget_period: 'month' });
    let spent = 0; let refused; let lastRemaining = Infinity;
    for (let i = 0; i < 100 && !refused; i++) {
      const r = await chat(torii, k.key, { max_tokens: 20 });
      if (r.status === 402) { refused = r; break; }
      assert.equal(r.status, 200, r.text);
      spent += cost(r);
      const remaining = Number(r.headers.get('x-torii-budget-remaining-usd'));
      assert.ok(remaining < lastRemaining, 'the room left shrinks');
      lastRemaining = remaining;
    }
    assert.ok(refused, 'the budget ran out');
    assert.ok(spent <= 0.02 + 1e-12, `spent ${spent} of 0.02`);
    assert.equal(refused.json.error.type, 'insufficient_quota');
    assert.equal(refused.json.error.code, 'budget_exceeded');
    assert.match(refused.json.error.message, /key 'budget'.*of \$0\.02 this month.*resets at \d{4}-\d\d-01T00:00:00/);
    await waitFor(async () => (await metricValue(torii, 'torii_budget_exceeded_total{model="mini",provider=""}')) >= 1,
      { what: 'the refusal in torii_budget_exceeded_total' });
    const shown = await waitFor(async () => {
      const g = (await admin(torii, 'GET', `/admin/keys/${k.id}`)).json;
      return Math.abs(g.spend_usd - spent) < 1e-9 ? g : null;
    }, { what: 'the key\'s spend to equal the sum of its costs' });
    assert.ok(shown.budget_remaining_usd >= 0);
    // The Anthropic surface: 402 as billing_error.
    const a = await postJson(`${torii.url}/v1/messages`, { model: 'claude-haiku', max_tokens: 1000, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-api-key': k.key } });
    assert.equal(a.status, 402);
    assert.equal(a.json.error.type, 'billing_error');
    // Raising the budget lets it spend again, from what it spent so far.
    await admin(torii, 'PATCH', `/admin/keys/${k.id}`, { max_budget_usd: 1 });
    assert.equal((await chat(torii, k.key, { max_tokens: 20 })).status, 200);
  });

  it('holds an upstream to the output cap its reservation assumed when the body sets none', async () => {
    const k = await newKey(torii, { alias: 'capped', max_budget_usd: 100 });
    const sent = async () => JSON.parse((await mockStats(mock)).last_request.body);
    // OpenAI takes max_completion_tokens (its reasoning models refuse max_tokens).
    assert.equal((await chat(torii, k.key, {}, 'mini')).status, 200);
    let body = await sent();
    assert.equal(body.max_completion_tokens, 4096);
    assert.equal(body.max_tokens, undefined);
    // Other OpenAI-compatible hosts, max_tokens.
    assert.equal((await chat(torii, k.key, {}, 'compat-mini')).status, 200);
    body = await sent();
    assert.equal(body.max_tokens, 4096);
    assert.equal(body.max_completion_tokens, undefined);
    // The Responses API, max_output_tokens.
    const r = await postJson(`${torii.v1}/responses`, { model: 'mini', input: 'Say hello' },
      { headers: { authorization: `Bearer ${k.key}` } });
    assert.equal(r.status, 200, r.text);
    body = await sent();
    assert.equal(body.max_output_tokens, 4096);
    // A cap the client set is left as it is, and without a budget nothing is added.
    assert.equal((await chat(torii, k.key, { max_tokens: 20 }, 'mini')).status, 200);
    body = await sent();
    assert.equal(body.max_tokens, 20);
    assert.equal(body.max_completion_tokens, undefined);
    const free = await newKey(torii, { alias: 'uncapped' });
    assert.equal((await chat(torii, free.key, {}, 'mini')).status, 200);
    body = await sent();
    assert.equal(body.max_completion_tokens, undefined);
    assert.equal(body.max_tokens, undefined);
  });

  it('reserves the thinking a reasoning effort may add on top of max_tokens', async () => {
    // $1 holds 100 output tokens at $400/M, not 100 + 16384 (high effort:
    // Anthropic's and Bedrock's Claude thinking budget).
    const k = await newKey(torii, { alias: 'thinker', max_budget_usd: 1 });
    const refused = await chat(torii, k.key, { max_tokens: 100, reasoning_effort: 'high' }, 'claude-haiku');
    assert.equal(refused.status, 402, refused.text);
    assert.equal(refused.json.error.code, 'budget_exceeded');
    assert.equal((await chat(torii, k.key, { max_tokens: 100 }, 'claude-haiku')).status, 200);
  });

  it('holds the cap under 150 concurrent requests, and the ledger equals the costs', async () => {
    const budget = 0.05;
    const k = await newKey(torii, { alias: 'crowd', max_budget_usd: budget });
    const all = await Promise.all(Array.from({ length: 150 }, () => chat(torii, k.key, { max_tokens: 20 })));
    const ok = all.filter((r) => r.status === 200);
    const refused = all.filter((r) => r.status !== 200);
    assert.ok(ok.length > 0 && refused.length > 0, `${ok.length} admitted, ${refused.length} refused`);
    for (const r of refused) assert.equal(r.status, 402, r.text);
    const total = ok.reduce((s, r) => s + cost(r), 0);
    assert.ok(total <= budget + 1e-12, `charged ${total} of ${budget}`);
    await waitFor(async () => {
      const g = (await admin(torii, 'GET', `/admin/keys/${k.id}`)).json;
      return Math.abs(g.spend_usd - total) < 1e-9;
    }, { what: 'ledger spend to equal the sum of the answered costs' });
  });

  it('charges a cancelled stream for what was generated, and gives its reservation back', { timeout: 20_000 }, async () => {
    const k = await newKey(torii, { alias: 'cut', max_budget_usd: 1 });
    const ctrl = new AbortController();
    const res = await postStream(`${torii.v1}/chat/completions`, chatBody('slow', 'a long story please', { stream: true, max_tokens: 400 }),
      { headers: { authorization: `Bearer ${k.key}`, 'x-request-id': 'gov-cut' }, signal: ctrl.signal });
    assert.equal(res.status, 200);
    let events = 0;
    await readSSE(res, { onEvent: () => { events += 1; if (events >= 5) { ctrl.abort(); return true; } return false; } });
    const row = await waitFor(async () => {
      const r = await admin(torii, 'GET', '/admin/logs/gov-cut');
      return r.status === 200 ? r.json : null;
    }, { what: 'the cancelled stream in the log' });
    assert.equal(row.status, 499);
    assert.ok(row.cost_usd > 0, `charged ${row.cost_usd} for what was generated`);
    const max = 400 * 400 / 1e6;  // max_tokens at the output price
    assert.ok(row.cost_usd < max / 4, 'charged for what was generated, not for max_tokens');
    const g = await waitFor(async () => {
      const x = (await admin(torii, 'GET', `/admin/keys/${k.id}`)).json;
      return Math.abs(x.spend_usd - row.cost_usd) < 1e-9 ? x : null;
    }, { what: 'the key charged the cancelled stream\'s cost' });
    assert.ok(Math.abs(g.budget_remaining_usd - (1 - row.cost_usd)) < 1e-9, 'and its reservation released');
  });

  it('refuses a model without a price under a budget, since its cost could not be charged', async () => {
    const k = await newKey(torii, { max_budget_usd: 10 });
    const r = await chat(torii, k.key, {}, 'unpriced');
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 'price_unknown');
    const free = await newKey(torii, {});
    assert.equal((await chat(torii, free.key, {}, 'unpriced')).status, 200, 'without a budget it is served');
  });

  it('puts the rate-limit headers on streams too', async () => {
    const k = await newKey(torii, { rpm: 50, tpm: 100000 });
    const res = await postStream(`${torii.v1}/chat/completions`, chatBody('mini', 'hi', { stream: true }),
      { headers: { authorization: `Bearer ${k.key}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-ratelimit-limit-requests'), '50');
    assert.equal(res.headers.get('x-ratelimit-remaining-requests'), '49');
    assert.equal(res.headers.get('x-ratelimit-limit-tokens'), '100000');
    await readSSE(res);
  });

  it('serves keys declared in the config, which the admin API does not list', async () => {
    const declared = { authorization: 'Bearer declared-secret-1' };
    const first = await postJson(`${torii.v1}/chat/completions`, chatBody('mini'), { headers: declared });
    assert.equal(first.status, 200, first.text);
    const second = await postJson(`${torii.v1}/chat/completions`, chatBody('mini'), { headers: declared });
    assert.equal(second.status, 429);
    assert.match(second.json.error.message, /key 'gitops'/);
    const other = await postJson(`${torii.url}/v1/messages`, { model: 'claude-haiku', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-api-key': 'declared-secret-1' } });
    assert.equal(other.status, 403, 'its allow-list holds');
    const list = await admin(torii, 'GET', '/admin/keys');
    assert.ok(!list.json.data.some((x) => x.alias === 'gitops'));
    const cfgShown = await admin(torii, 'GET', '/admin/config');
    assert.ok(!cfgShown.text.includes('declared-secret-1'), 'the secret is masked');
    const poor = await postJson(`${torii.v1}/chat/completions`, chatBody('mini', 'hi', { max_tokens: 50 }),
      { headers: { authorization: 'Bearer declared-secret-2' } });
    assert.equal(poor.status, 402, 'a declared budget holds');
  });

  it('routes by the caller: a team (by name or id) or a key tag picks the model', async () => {
    const gold = (await admin(torii, 'POST', '/admin/teams', { name: 'gold' })).json;
    const inGold = await newKey(torii, { team_id: gold.id });
    const tagged = await newKey(torii, { tags: ['beta'] });
    const plain = await newKey(torii, { tags: ['alpha'] });
    const upstream = async (key) => {
      const r = await chat(torii, key);
      assert.equal(r.status, 200, r.text);
      return r.headers.get('x-torii-model');
    };
    assert.equal(await upstream(inGold.key), 'claude-haiku-4-5-20251001');
    assert.equal(await upstream(tagged.key), 'claude-haiku-4-5-20251001');
    assert.equal(await upstream(plain.key), 'gpt-4o-mini');
  });

  it('keeps budgets and spend across a restart', async () => {
    const k = await newKey(torii, { alias: 'persist', max_budget_usd: 0.01 });
    let spent = 0;
    for (let i = 0; i < 50; i++) {
      const r = await chat(torii, k.key, { max_tokens: 20 });
      if (r.status !== 200) break;
      spent += cost(r);
    }
    await torii.stop();
    torii = await startTorii(cfg);
    const g = (await admin(torii, 'GET', `/admin/keys/${k.id}`)).json;
    assert.ok(Math.abs(g.spend_usd - spent) < 1e-9, `spend ${g.spend_usd} after the restart, ${spent} before`);
    const r = await chat(torii, k.key, { max_tokens: 20 });
    assert.equal(r.status, 402, 'the spent budget is still spent');
  });

  it('loses no settled spend to a kill -9: the journal is replayed at the next start', async () => {
    const k = await newKey(torii, { alias: 'killed', max_budget_usd: 100 });
    // Concurrent, so both workers settle, and killed at once after the last
    // answer: well inside the ledger's 100 ms batch.
    const answers = await Promise.all(Array.from({ length: 40 }, () => chat(torii, k.key, { max_tokens: 20 })));
    assert.ok(answers.every((r) => r.status === 200));
    const spent = answers.reduce((s, r) => s + cost(r), 0);
    await torii.stop({ signal: 'SIGKILL' });
    torii = await startTorii(cfg);
    const g = (await admin(torii, 'GET', `/admin/keys/${k.id}`)).json;
    assert.ok(Math.abs(g.spend_usd - spent) < 1e-9, `spend ${g.spend_usd} after the kill, ${spent} before`);
    // Replayed once: another restart does not count it again.
    await torii.stop();
    torii = await startTorii(cfg);
    const again = (await admin(torii, 'GET', `/admin/keys/${k.id}`)).json;
    assert.ok(Math.abs(again.spend_usd - spent) < 1e-9, `spend ${again.spend_usd} after a second restart`);
  });
});
