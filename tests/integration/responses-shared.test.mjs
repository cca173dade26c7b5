// Stored responses in a real PostgreSQL (initdb into a temp dir), shared by
// two nodes: a conversation started on one node goes on from the other with
// previous_response_id, and each node reads, lists and deletes what the other
// stored. With PostgreSQL down, a follow-up turn is a 503, never a guess.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startMock, startTorii, startPostgres, psql, stopAllOf, writeConfig, postJson } from './harness.mjs';

const KEY = 'k-shared-responses';

describe('Responses stored in PostgreSQL, shared by two nodes', () => {
  let mock; let pg; let a; let b;
  const config = () => ({
    auth: { keys: [KEY] },
    store: { path: writeConfig('').dir, postgres: pg.url },
    providers: [
      { name: 'oai', type: 'openai-compatible', base_url: mock.v1, api_key: 'k' },
      { name: 'claude', type: 'anthropic', base_url: mock.url, api_key: 'k' },
    ],
    models: [
      { name: 'chat', targets: [{ provider: 'oai', model: 'gpt-up' }] },
      { name: 'claude', targets: [{ provider: 'claude', model: 'claude-up' }] },
    ],
  });
  before(async () => {
    mock = await startMock();
    pg = await startPostgres();
    a = await startTorii(config());
    b = await startTorii(config());
  });
  after(() => stopAllOf(a, b, pg, mock));

  it('a conversation goes on across nodes and providers', async () => {
    const onA = new OpenAI({ apiKey: KEY, baseURL: a.v1, maxRetries: 0 });
    const onB = new OpenAI({ apiKey: KEY, baseURL: b.v1, maxRetries: 0 });
    const first = await onA.responses.create({ model: 'chat', input: 'My name is Ada' });
    // Stored before the answer's last byte left node A: node B reads it now.
    const second = await onB.responses.create({ model: 'claude', previous_response_id: first.id, input: 'Who am I' });
    assert.equal(second.previous_response_id, first.id);
    assert.ok(second.usage.input_tokens > first.usage.input_tokens);
    const items = await onA.responses.inputItems.list(second.id, { order: 'asc' });
    assert.deepEqual(items.data.map((i) => i.content[0].text),
      ['My name is Ada', 'Mock reply to: My name is Ada', 'Who am I']);
    assert.equal(psql(pg, `SELECT count(*) FROM responses WHERE id IN ('${first.id}', '${second.id}')`), '2');
    await onB.responses.delete(first.id);
    await assert.rejects(onA.responses.retrieve(first.id), (e) => e.status === 404);
  });

  it('with PostgreSQL down, a follow-up turn is a 503 and a new conversation is still answered', async () => {
    const r = await postJson(`${a.v1}/responses`, { model: 'chat', input: 'Before the outage' },
      { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(r.status, 200);
    await pg.halt();
    const follow = await postJson(`${a.v1}/responses`, { model: 'chat', input: 'x', previous_response_id: r.json.id },
      { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(follow.status, 503, follow.text);
    assert.equal(follow.json.error.code, 'store_unavailable');
    const fresh = await postJson(`${a.v1}/responses`, { model: 'chat', input: 'During the outage' },
      { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(fresh.status, 200, fresh.text);
    assert.equal(fresh.json.output[0].content[0].text, 'Mock reply to: During the outage');
    // Back up: the store takes writes again (its connection is opened anew).
    await pg.resume();
    const again = await postJson(`${a.v1}/responses`, { model: 'chat', input: 'y', previous_response_id: r.json.id },
      { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(again.status, 200, again.text);
  });
});
