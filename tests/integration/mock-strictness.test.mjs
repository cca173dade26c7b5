// torii-mock refuses what the real APIs refuse, so a translator that sends a
// field a provider does not take fails here as it would there (the checks are
// taken from the providers' documented errors, not from torii); and what a
// client sends that torii cannot know a host refuses reaches the host and its
// refusal reaches the client, never dropped on the way.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startMock, startTorii, stopAllOf, postJson, mockStats, mockConfig } from './harness.mjs';

const KEY = 'k-strict';
const chat = (extra = {}) => ({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }], ...extra });

describe('torii-mock field strictness', () => {
  let mock; let lenient; let torii;
  before(async () => {
    mock = await startMock();
    lenient = await startMock(['--accept-unknown-fields']);
    torii = await startTorii({
      auth: { keys: [KEY] },
      providers: [
        { name: 'openai', type: 'openai', base_url: mock.v1, api_key: 'k' },
        { name: 'vllm', type: 'openai-compatible', base_url: lenient.v1, api_key: 'k' },
      ],
      models: [
        { name: 'gpt', targets: [{ provider: 'openai', model: 'gpt-up' }] },
        { name: 'local', targets: [{ provider: 'vllm', model: 'llama-up' }] },
      ],
    });
  });
  after(() => stopAllOf(torii, lenient, mock));

  it('OpenAI paths refuse undocumented fields as api.openai.com does, unless told to take them', async () => {
    const refused = await postJson(`${mock.v1}/chat/completions`, chat({ top_k: 5 }));
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.json.error,
      { message: 'Unrecognized request argument supplied: top_k', type: 'invalid_request_error', param: null, code: null });
    const embeddings = await postJson(`${mock.v1}/embeddings`, { model: 'e', input: 'x', truncate: 'END' });
    assert.equal(embeddings.status, 400);
    assert.equal(embeddings.json.error.message, 'Unrecognized request argument supplied: truncate');
    // Every documented field is taken.
    const documented = await postJson(`${mock.v1}/chat/completions`, chat({
      temperature: 0.5, top_p: 1, n: 1, stop: ['x'], seed: 1, user: 'u', metadata: { a: 'b' }, store: false,
      max_completion_tokens: 20, presence_penalty: 0, frequency_penalty: 0, logprobs: false, service_tier: 'auto',
    }));
    assert.equal(documented.status, 200, documented.text);
    assert.equal((await postJson(`${lenient.v1}/chat/completions`, chat({ top_k: 5 }))).status, 200);
    await mockConfig(mock, { accept_unknown_fields: true });
    assert.equal((await postJson(`${mock.v1}/chat/completions`, chat({ top_k: 5 }))).status, 200);
    await mockConfig(mock, {});
    assert.equal((await postJson(`${mock.v1}/chat/completions`, chat({ top_k: 5 }))).status, 400);
  });

  it('reports the SHA-256 of the bytes it received', async () => {
    const raw = '{"model":"mock-1",  "messages":[{"role":"user","content":"caf\u00e9 \\u00e9"}]}';
    const r = await postJson(`${mock.v1}/chat/completions`, raw);
    assert.equal(r.status, 200, r.text);
    const seen = (await mockStats(mock)).last_request;
    assert.equal(seen.body, raw);
    assert.equal(seen.body_sha256, createHash('sha256').update(raw).digest('hex'));
    assert.equal(r.headers.get('x-mock-body-sha256'), seen.body_sha256, 'and on the answer itself');
    // Every API answers with it, a refusal too.
    const anthropic = await postJson(`${mock.url}/v1/messages`, { model: 'm', max_tokens: 5, messages: [] },
      { headers: { 'anthropic-version': '2023-06-01' } });
    assert.equal(anthropic.headers.get('x-mock-body-sha256'),
      createHash('sha256').update(JSON.stringify({ model: 'm', max_tokens: 5, messages: [] })).digest('hex'));
  });

  it("a field only the host knows reaches it through torii, and the host's refusal reaches the client", async () => {
    const headers = { authorization: `Bearer ${KEY}` };
    const taken = await postJson(`${torii.v1}/chat/completions`, { ...chat({ top_k: 5 }), model: 'local' }, { headers });
    assert.equal(taken.status, 200, taken.text);
    assert.equal(JSON.parse((await mockStats(lenient)).last_request.body).top_k, 5);
    const refused = await postJson(`${torii.v1}/chat/completions`, { ...chat({ top_k: 5 }), model: 'gpt' }, { headers });
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.json.error.message, 'Unrecognized request argument supplied: top_k');
    assert.equal(JSON.parse((await mockStats(mock)).last_request.body).top_k, 5);
  });
});
