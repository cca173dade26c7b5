// OpenAI surfaces, model resolution, response headers, auth.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startMock, startTorii, mockProvider, mockStats, mockReset, http, postJson, chatBody,
  assertOpenAIError, stopAllOf, readSSE, sseContent, postStream,
} from './harness.mjs';

const SECRETS = ['sk-up', 'az-key'];

function assertNoSecrets(res) {
  const hdrs = [...res.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n');
  for (const s of SECRETS) {
    assert.ok(!hdrs.includes(s), `provider key ${s} leaked in headers:\n${hdrs}`);
    assert.ok(!res.text.includes(s), `provider key ${s} leaked in body: ${res.text.slice(0, 300)}`);
  }
}

function assertToriiHeaders(res, provider, model) {
  assert.equal(res.headers.get('x-torii-provider'), provider, 'x-torii-provider');
  assert.equal(res.headers.get('x-torii-model'), model, 'x-torii-model');
  const rid = res.headers.get('x-request-id');
  assert.ok(rid && rid.length > 0, 'x-request-id missing');
}

describe('surfaces (open gateway)', () => {
  let up; let az; let torii;

  before(async () => {
    up = await startMock(['--api-key', 'sk-up']);
    az = await startMock(['--api-key', 'az-key']);
    torii = await startTorii({
      workers: 2,
      providers: [
        mockProvider(up, 'up'),
        { name: 'az', type: 'azure', base_url: az.url, api_key: 'az-key', api_version: '2024-10-21' },
        { name: 'local', type: 'mock' },
      ],
      models: [
        { name: 'fast', targets: [{ provider: 'up', model: 'mock-1' }] },
        { name: 'multi', targets: [{ provider: 'up', model: 'first-choice' }, { provider: 'local', model: 'second-choice' }] },
        { name: 'azure-chat', targets: [{ provider: 'az', model: 'my-deploy' }] },
        { name: 'azure-emb', targets: [{ provider: 'az', model: 'emb-deploy' }] },
        { name: 'demo', targets: [{ provider: 'local', model: 'demo' }] },
      ],
    });
  }, { timeout: 30_000 });

  after(async () => { await stopAllOf(torii, up, az); }, { timeout: 30_000 });

  it('GET /health and GET /ready answer 200', { timeout: 10_000 }, async () => {
    const h = await http(`${torii.url}/health`);
    assert.equal(h.status, 200, h.text);
    const r = await http(`${torii.url}/ready`);
    assert.equal(r.status, 200, r.text);
  });

  it('GET /v1/models lists exactly the configured model names', { timeout: 10_000 }, async () => {
    const r = await http(`${torii.v1}/models`);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(r.json.object, 'list');
    assert.ok(Array.isArray(r.json.data));
    const ids = r.json.data.map((m) => m.id).sort();
    assert.deepEqual(ids, ['azure-chat', 'azure-emb', 'demo', 'fast', 'multi']);
    for (const m of r.json.data) assert.equal(m.object, 'model', JSON.stringify(m));
    assertNoSecrets(r);
  });

  it('chat with a configured model goes to its target', { timeout: 10_000 }, async () => {
    await mockReset(up);
    const r = await postJson(`${torii.v1}/chat/completions`, chatBody('fast'));
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(r.json.object, 'chat.completion');
    assert.equal(r.json.model, 'mock-1', 'the upstream echoes the upstream model id');
    assert.equal(r.json.choices[0].message.role, 'assistant');
    assert.equal(typeof r.json.choices[0].message.content, 'string');
    assert.ok(r.json.choices[0].message.content.length > 0);
    assertToriiHeaders(r, 'up', 'mock-1');
    assertNoSecrets(r);
    const st = await mockStats(up);
    assert.equal(st.requests, 1);
    assert.equal(st.last_request.method, 'POST');
    assert.equal(st.last_request.path, '/v1/chat/completions');
    assert.equal(JSON.parse(st.last_request.body).model, 'mock-1');
    assert.equal(st.last_request.headers.authorization, 'Bearer sk-up');
  });

  it('a model with several targets uses the first one', { timeout: 10_000 }, async () => {
    await mockReset(up);
    const r = await postJson(`${torii.v1}/chat/completions`, chatBody('multi'));
    assert.equal(r.status, 200, r.text);
    assertToriiHeaders(r, 'up', 'first-choice');
    const st = await mockStats(up);
    assert.equal(st.requests, 1);
    assert.equal(JSON.parse(st.last_request.body).model, 'first-choice');
  });

  it('provider/model addresses a provider directly', { timeout: 10_000 }, async () => {
    await mockReset(up);
    const r = await postJson(`${torii.v1}/chat/completions`, chatBody('up/gpt-4o-mini'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.model, 'gpt-4o-mini');
    assertToriiHeaders(r, 'up', 'gpt-4o-mini');
    const st = await mockStats(up);
    assert.equal(JSON.parse(st.last_request.body).model, 'gpt-4o-mini');
    const local = await postJson(`${torii.v1}/chat/completions`, chatBody('local/anything-goes'));
    assert.equal(local.status, 200, local.text);
    assertToriiHeaders(local, 'local', 'anything-goes');
  });

  it('an unknown model is 404 model_not_found and reaches no upstream', { timeout: 10_000 }, async () => {
    await mockReset(up);
    for (const model of ['no-such-model', 'nope/gpt-4o', 'gpt-4o']) {
      const r = await postJson(`${torii.v1}/chat/completions`, chatBody(model));
      assertOpenAIError(assert, r, 404, { code: 'model_not_found' });
      assert.ok(r.headers.get('x-request-id'), 'x-request-id on errors too');
    }
    const e = await postJson(`${torii.v1}/embeddings`, { model: 'no-such-model', input: 'x' });
    assertOpenAIError(assert, e, 404, { code: 'model_not_found' });
    const c = await postJson(`${torii.v1}/completions`, { model: 'no-such-model', prompt: 'x' });
    assertOpenAIError(assert, c, 404, { code: 'model_not_found' });
    const st = await mockStats(up);
    assert.equal(st.requests, 0, 'nothing may be sent upstream for an unknown model');
  });

  it('POST /v1/completions via torii-mock', { timeout: 10_000 }, async () => {
    await mockReset(up);
    const r = await postJson(`${torii.v1}/completions`, { model: 'fast', prompt: 'Once upon a time', max_tokens: 16 });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.object, 'text_completion');
    assert.equal(typeof r.json.choices[0].text, 'string');
    assert.ok(r.json.choices[0].text.length > 0);
    assertToriiHeaders(r, 'up', 'mock-1');
    const st = await mockStats(up);
    assert.equal(st.last_request.path, '/v1/completions');
    assert.equal(JSON.parse(st.last_request.body).model, 'mock-1');
    assertNoSecrets(r);
  });

  it('POST /v1/embeddings via torii-mock (single and batch input)', { timeout: 10_000 }, async () => {
    await mockReset(up);
    const r = await postJson(`${torii.v1}/embeddings`, { model: 'fast', input: 'hello world' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.object, 'list');
    assert.equal(r.json.data.length, 1);
    const v = r.json.data[0].embedding;
    assert.ok(Array.isArray(v) && v.length > 0, 'float embedding expected');
    assert.ok(v.every((x) => typeof x === 'number' && Number.isFinite(x)));
    assertToriiHeaders(r, 'up', 'mock-1');
    const b = await postJson(`${torii.v1}/embeddings`, { model: 'fast', input: ['one', 'two', 'three'] });
    assert.equal(b.status, 200, b.text);
    assert.deepEqual(b.json.data.map((d) => d.index), [0, 1, 2]);
    for (const d of b.json.data) assert.equal(d.embedding.length, v.length);
    const st = await mockStats(up);
    assert.equal(st.last_request.path, '/v1/embeddings');
    assert.equal(st.by_path['/v1/embeddings'], 2);
  });

  it('azure: deployment URL, api-version and api-key header', { timeout: 10_000 }, async () => {
    await mockReset(az);
    const r = await postJson(`${torii.v1}/chat/completions`, chatBody('azure-chat'));
    assert.equal(r.status, 200, r.text);
    assertToriiHeaders(r, 'az', 'my-deploy');
    assertNoSecrets(r);
    const st = await mockStats(az);
    assert.equal(st.last_request.path, '/openai/deployments/my-deploy/chat/completions');
    assert.match(st.last_request.query, /(^|&)api-version=2024-10-21(&|$)/);
    assert.equal(st.last_request.headers['api-key'], 'az-key');
    assert.equal(r.json.choices[0].message.role, 'assistant');

    const e = await postJson(`${torii.v1}/embeddings`, { model: 'azure-emb', input: 'hi' });
    assert.equal(e.status, 200, e.text);
    assert.ok(e.json.data[0].embedding.length > 0);
    const st2 = await mockStats(az);
    assert.equal(st2.last_request.path, '/openai/deployments/emb-deploy/embeddings');
    assert.match(st2.last_request.query, /api-version=2024-10-21/);

    const d = await postJson(`${torii.v1}/chat/completions`, chatBody('az/other-deploy'));
    assert.equal(d.status, 200, d.text);
    const st3 = await mockStats(az);
    assert.equal(st3.last_request.path, '/openai/deployments/other-deploy/chat/completions');
  });

  it('in-process mock provider answers chat, completions and embeddings', { timeout: 10_000 }, async () => {
    await mockReset(up);
    const c = await postJson(`${torii.v1}/chat/completions`, chatBody('demo'));
    assert.equal(c.status, 200, c.text);
    assert.equal(c.json.object, 'chat.completion');
    assert.ok(c.json.choices[0].message.content.length > 0);
    assertToriiHeaders(c, 'local', 'demo');
    const t = await postJson(`${torii.v1}/completions`, { model: 'demo', prompt: 'Once upon a time' });
    assert.equal(t.status, 200, t.text);
    assert.ok(t.json.choices[0].text.length > 0);
    const e = await postJson(`${torii.v1}/embeddings`, { model: 'demo', input: 'hello' });
    assert.equal(e.status, 200, e.text);
    assert.ok(e.json.data[0].embedding.length > 0);
    const st = await mockStats(up);
    assert.equal(st.requests, 0, 'type: mock must not contact any upstream');
  });

  it('in-process mock and torii-mock give the same answer to the same request', { timeout: 10_000 }, async () => {
    const body = chatBody('demo', 'Tell me three things about gateways');
    const viaTorii = await postJson(`${torii.v1}/chat/completions`, body);
    const direct = await postJson(`${up.v1}/chat/completions`, body, { headers: { authorization: 'Bearer sk-up' } });
    assert.equal(viaTorii.status, 200, viaTorii.text);
    assert.equal(direct.status, 200, direct.text);
    assert.ok(Array.isArray(direct.json.choices) && direct.json.choices.length > 0);
    assert.deepEqual(viaTorii.json.choices, direct.json.choices);
    assert.deepEqual(viaTorii.json.usage, direct.json.usage);
  });

  it('in-process mock streams SSE ending with [DONE]', { timeout: 15_000 }, async () => {
    const plain = await postJson(`${torii.v1}/chat/completions`, chatBody('demo', 'stream me please'));
    const res = await postStream(`${torii.v1}/chat/completions`, chatBody('demo', 'stream me please', { stream: true }));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const sse = await readSSE(res);
    assert.ifError(sse.error);
    assert.ok(sse.done, 'no data: [DONE]');
    assert.equal(sse.events.at(-1).data, '[DONE]');
    assert.equal(sseContent(sse), plain.json.choices[0].message.content);
  });

  it('x-request-id is echoed when sent and generated (unique) otherwise', { timeout: 10_000 }, async () => {
    const mine = 'it-req-0123456789';
    const a = await postJson(`${torii.v1}/chat/completions`, chatBody('demo'), { headers: { 'x-request-id': mine } });
    assert.equal(a.status, 200);
    assert.equal(a.headers.get('x-request-id'), mine);
    const b = await postJson(`${torii.v1}/chat/completions`, chatBody('demo'));
    const c = await postJson(`${torii.v1}/chat/completions`, chatBody('demo'));
    const idb = b.headers.get('x-request-id');
    const idc = c.headers.get('x-request-id');
    assert.ok(idb && idb.length > 0);
    assert.ok(idc && idc.length > 0);
    assert.notEqual(idb, idc, 'generated request ids must differ');
    const h = await http(`${torii.url}/health`, { headers: { 'x-request-id': 'health-1' } });
    assert.equal(h.headers.get('x-request-id'), 'health-1');
    const e = await postJson(`${torii.v1}/chat/completions`, chatBody('no-such-model'), { headers: { 'x-request-id': 'err-1' } });
    assert.equal(e.status, 404);
    assert.equal(e.headers.get('x-request-id'), 'err-1');
  });

  it('no auth section: requests without any key are served', { timeout: 10_000 }, async () => {
    const r = await postJson(`${torii.v1}/chat/completions`, chatBody('demo'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.object, 'chat.completion');
    const m = await http(`${torii.v1}/models`);
    assert.equal(m.status, 200);
    assert.equal(m.json.object, 'list');
  });
});

describe('surfaces with auth', () => {
  let up; let torii;

  before(async () => {
    up = await startMock(['--api-key', 'sk-up']);
    torii = await startTorii({
      auth: { keys: ['k1', 'k2-second'] },
      providers: [mockProvider(up, 'up'), { name: 'local', type: 'mock' }],
      models: [
        { name: 'fast', targets: [{ provider: 'up', model: 'mock-1' }] },
        { name: 'demo', targets: [{ provider: 'local', model: 'demo' }] },
      ],
    });
  }, { timeout: 30_000 });

  after(async () => { await stopAllOf(torii, up); }, { timeout: 30_000 });

  it('missing or wrong key is 401 invalid_api_key and nothing goes upstream', { timeout: 10_000 }, async () => {
    await mockReset(up);
    const cases = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: 'Bearer k1x' },
      { authorization: 'Bearer ' },
      { authorization: 'k1' },
      { 'x-api-key': 'wrong' },
      { 'x-api-key': '' },
    ];
    for (const headers of cases) {
      const r = await postJson(`${torii.v1}/chat/completions`, chatBody('fast'), { headers });
      assertOpenAIError(assert, r, 401, { code: 'invalid_api_key' });
      assert.ok(!r.text.includes('k2-second'), 'configured gateway keys must not be revealed');
    }
    const st = await mockStats(up);
    assert.equal(st.requests, 0);
  });

  it('Authorization: Bearer and x-api-key are both accepted', { timeout: 10_000 }, async () => {
    const a = await postJson(`${torii.v1}/chat/completions`, chatBody('fast'), { headers: { authorization: 'Bearer k1' } });
    assert.equal(a.status, 200, a.text);
    const b = await postJson(`${torii.v1}/chat/completions`, chatBody('fast'), { headers: { 'x-api-key': 'k2-second' } });
    assert.equal(b.status, 200, b.text);
    const c = await postJson(`${torii.v1}/chat/completions`, chatBody('demo'), { headers: { authorization: 'Bearer k2-second' } });
    assert.equal(c.status, 200, c.text);
    for (const r of [a, b, c]) assert.equal(r.json.object, 'chat.completion');
  });

  it('every OpenAI endpoint is protected', { timeout: 10_000 }, async () => {
    const m = await http(`${torii.v1}/models`);
    assertOpenAIError(assert, m, 401, { code: 'invalid_api_key' });
    const t = await postJson(`${torii.v1}/completions`, { model: 'demo', prompt: 'x' });
    assertOpenAIError(assert, t, 401, { code: 'invalid_api_key' });
    const e = await postJson(`${torii.v1}/embeddings`, { model: 'demo', input: 'x' });
    assertOpenAIError(assert, e, 401, { code: 'invalid_api_key' });
    const s = await postJson(`${torii.v1}/chat/completions`, chatBody('demo', 'x', { stream: true }));
    assertOpenAIError(assert, s, 401, { code: 'invalid_api_key' });
    const ok = await http(`${torii.v1}/models`, { headers: { authorization: 'Bearer k1' } });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.json.data.map((x) => x.id).sort(), ['demo', 'fast']);
  });

  it('auth is checked before the model is resolved', { timeout: 10_000 }, async () => {
    const r = await postJson(`${torii.v1}/chat/completions`, chatBody('no-such-model'));
    assertOpenAIError(assert, r, 401, { code: 'invalid_api_key' });
  });

  it('/health needs no key', { timeout: 10_000 }, async () => {
    const h = await http(`${torii.url}/health`);
    assert.equal(h.status, 200, h.text);
  });
});
