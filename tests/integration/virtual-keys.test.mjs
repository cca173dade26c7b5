// Virtual keys: issued, listed, changed, blocked, rotated with a grace period
// and revoked through the admin API; accepted on both surfaces (and by the
// official OpenAI SDK) while live; model allow-lists with globs; attribution
// in the request log; state kept across a restart.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { startMock, startTorii, stopAllOf, postJson, http, chatBody, writeConfig, waitFor } from './harness.mjs';

const ADMIN = { authorization: 'Bearer adm-secret' };
const admin = (torii, method, p, body) => http(`${torii.url}${p}`, { method, headers: ADMIN, body });
const chat = (torii, key, model = 'mini') =>
  postJson(`${torii.v1}/chat/completions`, chatBody(model), { headers: { authorization: `Bearer ${key}` } });

describe('virtual keys', () => {
  let mock; let torii; let store; let cfg;
  before(async () => {
    mock = await startMock();
    store = writeConfig('').dir;
    cfg = {
      admin: { keys: ['adm-secret'] },
      store: { path: store },
      providers: [{ name: 'oai', type: 'openai', base_url: mock.v1, api_key: 'k' },
        { name: 'claude', type: 'anthropic', base_url: mock.url, api_key: 'k' }],
      models: [
        { name: 'mini', targets: [{ provider: 'oai', model: 'gpt-4o-mini' }] },
        { name: 'claude-haiku', targets: [{ provider: 'claude', model: 'claude-haiku-4-5-20251001' }] },
        { name: 'big', targets: [{ provider: 'oai', model: 'gpt-4o' }] },
      ],
    };
    torii = await startTorii(cfg);
  }, { timeout: 30_000 });
  after(async () => { await stopAllOf(torii, mock); rmSync(store, { recursive: true, force: true }); }, { timeout: 30_000 });

  let created; let teamId; let userId;
  it('issues a key once, stores only its hash, and accepts it', async () => {
    const team = await admin(torii, 'POST', '/admin/teams', { name: 'team one' });
    assert.equal(team.status, 201, team.text);
    const user = await admin(torii, 'POST', '/admin/users', { name: 'alice' });
    assert.equal(user.status, 201, user.text);
    teamId = team.json.id; userId = user.json.id;
    const r = await admin(torii, 'POST', '/admin/keys', { alias: 'team-a', team_id: teamId, user_id: userId, metadata: { env: 'prod' }, tags: ['a'] });
    assert.equal(r.status, 201, r.text);
    created = r.json;
    assert.match(created.key, /^tk-[0-9A-Za-z]{40}$/);
    assert.match(created.id, /^key_[0-9a-f]{16}$/);
    assert.equal(created.alias, 'team-a');
    assert.equal(created.key_prefix, created.key.slice(0, 7));
    assert.equal(created.spend_usd, 0);
    const ok = await chat(torii, created.key);
    assert.equal(ok.status, 200, ok.text);
    // The secret is nowhere in the store, and never listed again.
    for (const f of readdirSync(store).filter((n) => n.startsWith('torii.db'))) assert.ok(!readFileSync(path.join(store, f)).toString('latin1').includes(created.key));
    const list = await admin(torii, 'GET', '/admin/keys');
    assert.equal(list.status, 200);
    assert.ok(list.json.data.some((k) => k.id === created.id));
    assert.ok(!list.text.includes(created.key));
    assert.equal((await chat(torii, 'tk-' + 'x'.repeat(40))).status, 401);
  });

  it('works from the OpenAI SDK and on the Anthropic surface', async () => {
    const client = new OpenAI({ baseURL: torii.v1, apiKey: created.key, maxRetries: 0 });
    const c = await client.chat.completions.create({ model: 'mini', messages: [{ role: 'user', content: 'hi' }] });
    assert.ok(c.choices[0].message.content);
    const a = await postJson(`${torii.url}/v1/messages`, { model: 'claude-haiku', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-api-key': created.key } });
    assert.equal(a.status, 200, a.text);
  });

  it('logs the key, its team and user; spend shows on the key', async () => {
    const r = await postJson(`${torii.v1}/chat/completions`, chatBody('mini'), { headers: { authorization: `Bearer ${created.key}`, 'x-request-id': 'vk-log-1' } });
    assert.equal(r.status, 200);
    // Logged right after the answer's last byte: read until it is there.
    const row = await waitFor(async () => {
      const r = await admin(torii, 'GET', '/admin/logs/vk-log-1');
      return r.status === 200 ? r.json : null;
    }, { timeoutMs: 5000, what: 'the request in the log' });
    assert.equal(row.key_id, created.id);
    assert.equal(row.team_id, teamId);
    assert.equal(row.user_id, userId);
    const k = (await admin(torii, 'GET', `/admin/keys/${created.id}`)).json;
    assert.ok(k.spend_usd > 0, 'spend is charged to the key');
  });

  it('model allow-lists with globs hold for every way of naming a model', async () => {
    const r = await admin(torii, 'POST', '/admin/keys', { models: ['mini', 'claude-*'] });
    const key = r.json.key;
    assert.equal((await chat(torii, key, 'mini')).status, 200);
    const denied = await chat(torii, key, 'big');
    assert.equal(denied.status, 403);
    assert.equal(denied.json.error.code, 'model_not_allowed');
    assert.equal((await chat(torii, key, 'oai/gpt-4o')).status, 403, 'the direct provider/model form too');
    const a = await postJson(`${torii.url}/v1/messages`, { model: 'claude-haiku', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-api-key': key } });
    assert.equal(a.status, 200, 'a glob match');
    const b = await postJson(`${torii.url}/v1/messages`, { model: 'big', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-api-key': key } });
    assert.equal(b.status, 403);
    assert.equal(b.json.error.type, 'permission_error');
    // /v1/models lists what the key may use; a key without a list sees every model.
    const listed = await http(`${torii.v1}/models`, { headers: { authorization: `Bearer ${key}` } });
    assert.deepEqual(listed.json.data.map((m) => m.id).sort(), ['claude-haiku', 'mini']);
    const all = await http(`${torii.v1}/models`, { headers: { authorization: `Bearer ${created.key}` } });
    assert.deepEqual(all.json.data.map((m) => m.id).sort(), ['big', 'claude-haiku', 'mini']);
  });

  it('blocks, expires, rotates with a grace period, and revokes', async () => {
    const k = (await admin(torii, 'POST', '/admin/keys', { alias: 'lifecycle' })).json;
    assert.equal((await admin(torii, 'PATCH', `/admin/keys/${k.id}`, { blocked: true })).status, 200);
    const blocked = await chat(torii, k.key);
    assert.equal(blocked.status, 401);
    assert.match(blocked.json.error.message, /blocked/);
    await admin(torii, 'PATCH', `/admin/keys/${k.id}`, { blocked: false });
    assert.equal((await chat(torii, k.key)).status, 200);
    await admin(torii, 'PATCH', `/admin/keys/${k.id}`, { expires_at: '2001-01-01T00:00:00Z' });
    assert.match((await chat(torii, k.key)).json.error.message, /expired/);
    await admin(torii, 'PATCH', `/admin/keys/${k.id}`, { expires_at: null });

    const rotated = await admin(torii, 'POST', `/admin/keys/${k.id}/rotate`, { grace_period_s: 60 });
    assert.equal(rotated.status, 200, rotated.text);
    assert.notEqual(rotated.json.key, k.key);
    assert.equal((await chat(torii, rotated.json.key)).status, 200);
    assert.equal((await chat(torii, k.key)).status, 200, 'the old secret works during the grace period');
    const again = await admin(torii, 'POST', `/admin/keys/${k.id}/rotate`, {});
    assert.equal((await chat(torii, rotated.json.key)).status, 401, 'no grace: the previous secret stops at once');
    assert.equal((await chat(torii, again.json.key)).status, 200);

    const del = await admin(torii, 'DELETE', `/admin/keys/${k.id}`);
    assert.equal(del.status, 200);
    assert.ok(del.json.revoked_at);
    assert.equal((await chat(torii, again.json.key)).status, 401);
    assert.equal((await admin(torii, 'PATCH', `/admin/keys/${k.id}`, { alias: 'x' })).status, 409);
  });

  it('refuses bad admin bodies naming the field', async () => {
    const cases = [
      [{ colour: 'red' }, 'colour'], [{ alias: '' }, 'alias'], [{ models: 'mini' }, 'models'], [{ models: [1] }, 'models'],
      [{ expires_at: 'tomorrow' }, 'expires_at'], [{ metadata: [] }, 'metadata'], [{ blocked: 'yes' }, 'blocked'],
      [{ max_budget_usd: -1 }, 'max_budget_usd'], [{ alias: 'team-a' }, 'alias'], [{ team_id: 'team_nope' }, 'team_id'],
      [{ budget_period: 'month' }, 'budget_period'], [{ rpm: 0 }, 'rpm'], [{ tpm: 1.5 }, 'tpm'], [{ max_parallel: 'x' }, 'max_parallel'],
      [{ max_budget_usd: 1, budget_period: 'fortnight' }, 'budget_period'],
    ];
    for (const [body, param] of cases) {
      const r = await admin(torii, 'POST', '/admin/keys', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.json.error.param, param);
    }
    assert.equal((await admin(torii, 'POST', '/admin/keys', '{not json')).status, 400);
    assert.equal((await admin(torii, 'GET', '/admin/keys/key_0000000000000000')).status, 404);
    assert.equal((await http(`${torii.url}/admin/keys`, { headers: { authorization: `Bearer ${created.key}` } })).status, 401,
      'a virtual key never reaches the admin API');
  });

  it('keeps keys across a restart', async () => {
    await torii.stop();
    torii = await startTorii(cfg);
    assert.equal((await chat(torii, created.key)).status, 200);
    const list = await admin(torii, 'GET', '/admin/keys');
    assert.ok(list.json.data.some((k) => k.alias === 'team-a'));
  });
});
