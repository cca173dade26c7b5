// Pass-through: the client's body reaches the upstream byte for byte except the
// value of "model"; upstream credentials and headers come from the provider.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  startMock, startTorii, mockProvider, mockStats, mockReset, http, postJson, postStream,
  readSSE, stopAllOf,
} from './harness.mjs';

const GW = { authorization: 'Bearer k1' };
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

// Raw JSON text with odd spacing, escapes, raw UTF-8, every OpenAI feature field,
// unknown fields, numbers that a re-serialiser would rewrite, and "model"
// appearing inside strings and nested objects. MODEL marks the top-level value.
function chatTemplate(modelToken) {
  return `{ "messages" : [
   {"role":"system","content":"You are  terse.\\tTabs, escapes \\" \\\\ \\/ and unicode: caf\\u00e9 caf\u00e9 日本語 🚀 Ω"},
   {"role" :"user",   "content":[{"type":"text","text":"What is in this image? Say \\"model\\": \\"fast\\""},
      {"type":"image_url","image_url":{"url":"data:image/png;base64,${PNG}","detail":"low"}}]}
 ],
${modelToken === null ? '' : `  "model":   ${modelToken} ,\n`}  "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["c","f"]}},"required":["city"]}}}],
  "tool_choice" : "auto",
  "response_format": {"type":"json_schema","json_schema":{"name":"answer","strict":true,"schema":{"type":"object","properties":{"a":{"type":"number"}},"required":["a"],"additionalProperties":false}}},
  "logprobs": true, "top_logprobs": 2,
  "n": 2,   "seed": 42,
  "temperature": 0.70, "top_p": 1.0, "frequency_penalty": -0.50, "presence_penalty": 0e0,
  "metadata": {"model": "fast", "note": "nested model key stays"},
  "user": "user-\\u0031",
  "x_vendor_extension": {"nested": [1, 2.50, {"a": null, "b": false}], "huge": 12345678901234567890}
}
`;
}

const q = (s) => JSON.stringify(s);

describe('pass-through', () => {
  let up; let az; let torii;

  before(async () => {
    // An OpenAI-compatible host that takes vendor fields (x_vendor_extension).
    up = await startMock(['--api-key', 'sk-up', '--accept-unknown-fields']);
    az = await startMock(['--api-key', 'az-key', '--accept-unknown-fields']);
    torii = await startTorii({
      auth: { keys: ['k1'] },
      providers: [
        mockProvider(up, 'up', { headers: { 'X-Team': 'blue', 'OpenAI-Organization': 'org-1' } }),
        { name: 'az', type: 'azure', base_url: az.url, api_key: 'az-key', api_version: '2024-10-21' },
      ],
      models: [
        { name: 'fast', targets: [{ provider: 'up', model: 'mock-1' }] },
        { name: 'mock-1', targets: [{ provider: 'up', model: 'mock-1' }] },
        { name: 'azure-chat', targets: [{ provider: 'az', model: 'my-deploy' }] },
      ],
    });
  }, { timeout: 30_000 });

  after(async () => { await stopAllOf(torii, up, az); }, { timeout: 30_000 });

  async function sendAndGetUpstream(path, body, mock = up) {
    await mockReset(mock);
    const r = await http(`${torii.v1}${path}`, {
      method: 'POST', headers: { ...GW, 'content-type': 'application/json' }, body, timeoutMs: 10_000,
    });
    const st = await mockStats(mock);
    return { r, st };
  }

  it('chat body is forwarded byte for byte except the model value (configured name)', { timeout: 15_000 }, async () => {
    const body = chatTemplate(q('fast'));
    const { r, st } = await sendAndGetUpstream('/chat/completions', body);
    assert.equal(st.requests, 1, `upstream not called; torii answered ${r.status} ${r.text}`);
    assert.equal(st.last_request.body, chatTemplate(q('mock-1')));
    // The bytes as received, not only their UTF-8 rendering.
    assert.equal(st.last_request.body_sha256, createHash('sha256').update(chatTemplate(q('mock-1'))).digest('hex'));
    assert.equal(r.status, 200, r.text);
  });

  it('direct provider/model, model as the first key without spaces', { timeout: 15_000 }, async () => {
    const tail = chatTemplate(null).replace(/^\{/, '');
    const body = `{"model":"up/gpt-4o-mini",${tail}`;
    const { r, st } = await sendAndGetUpstream('/chat/completions', body);
    assert.equal(st.requests, 1, `upstream not called; torii answered ${r.status} ${r.text}`);
    assert.equal(st.last_request.body, `{"model":"gpt-4o-mini",${tail}`);
    assert.equal(r.status, 200, r.text);
  });

  it('model as the last key, followed by whitespace', { timeout: 15_000 }, async () => {
    const make = (m) => `{"messages":[{"role":"user","content":"hi \\"model\\":\\"fast\\""}],"seed":7,"model"\t:\n"${m}"   \n}`;
    const { r, st } = await sendAndGetUpstream('/chat/completions', make('fast'));
    assert.equal(st.requests, 1, `upstream not called; torii answered ${r.status} ${r.text}`);
    assert.equal(st.last_request.body, make('mock-1'));
    assert.equal(r.status, 200, r.text);
  });

  it('when the model name equals the upstream id the body is untouched', { timeout: 15_000 }, async () => {
    const body = chatTemplate(q('mock-1'));
    const { r, st } = await sendAndGetUpstream('/chat/completions', body);
    assert.equal(st.last_request.body, body);
    assert.equal(r.status, 200, r.text);
  });

  it('streaming body with stream_options is forwarded unchanged except model', { timeout: 15_000 }, async () => {
    const make = (m) => `{"model": "${m}", "stream":true, "stream_options": {"include_usage": true},"messages":[{"role":"user","content":"stream  this 🚀"}], "x_extra":[1.50]}`;
    await mockReset(up);
    const res = await postStream(`${torii.v1}/chat/completions`, make('fast'), { headers: GW });
    assert.equal(res.status, 200);
    const sse = await readSSE(res);
    assert.ifError(sse.error);
    assert.ok(sse.done);
    const st = await mockStats(up);
    assert.equal(st.last_request.body, make('mock-1'));
    const chunks = sse.events.filter((e) => e.data && e.data !== '[DONE]').map((e) => JSON.parse(e.data));
    assert.ok(chunks.some((c) => c.usage && typeof c.usage.total_tokens === 'number'),
      'include_usage reached the upstream, so a usage chunk is expected');
  });

  it('completions body is forwarded unchanged except model', { timeout: 15_000 }, async () => {
    const make = (m) => `{"prompt": ["Once upon a time", "In a galaxy"] ,"model":"${m}","max_tokens":16,"echo":false,"suffix":null,"logit_bias":{"50256":-100},"best_of":1, "logprobs": 0}`;
    const { r, st } = await sendAndGetUpstream('/completions', make('fast'));
    assert.equal(st.last_request.path, '/v1/completions');
    assert.equal(st.last_request.body, make('mock-1'));
    assert.equal(r.status, 200, r.text);
  });

  it('embeddings body is forwarded unchanged except model', { timeout: 15_000 }, async () => {
    const make = (m) => `{"input":["caf\u00e9", "second  input"],"model":"${m}","encoding_format":"float","dimensions":8,"user":"u-2"}`;
    const { r, st } = await sendAndGetUpstream('/embeddings', make('up/text-embedding-3-small'));
    assert.equal(st.last_request.path, '/v1/embeddings');
    assert.equal(st.last_request.body, make('text-embedding-3-small'));
    assert.equal(r.status, 200, r.text);
  });

  it('azure receives every field of the body', { timeout: 15_000 }, async () => {
    const body = chatTemplate(q('azure-chat'));
    const { r, st } = await sendAndGetUpstream('/chat/completions', body, az);
    assert.equal(st.requests, 1, `upstream not called; torii answered ${r.status} ${r.text}`);
    assert.equal(st.last_request.path, '/openai/deployments/my-deploy/chat/completions');
    const sent = JSON.parse(body);
    const got = JSON.parse(st.last_request.body);
    delete sent.model;
    delete got.model;
    assert.deepEqual(got, sent);
  });

  it('upstream gets the provider key and headers, never the client credentials', { timeout: 15_000 }, async () => {
    await mockReset(up);
    const r = await http(`${torii.v1}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k1', 'x-api-key': 'k1', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(r.status, 200, r.text);
    const h = (await mockStats(up)).last_request.headers;
    assert.equal(h.authorization, 'Bearer sk-up');
    assert.equal(h['x-team'], 'blue');
    assert.equal(h['openai-organization'], 'org-1');
    assert.equal(h['x-api-key'], undefined, 'client x-api-key forwarded upstream');
    for (const [k, v] of Object.entries(h)) {
      assert.ok(!/\bk1\b/.test(String(v)), `client key leaked upstream in ${k}: ${v}`);
    }
    assert.match(h['content-type'] ?? '', /application\/json/);
  });

  it('the upstream answer is returned unchanged', { timeout: 15_000 }, async () => {
    const viaTorii = await http(`${torii.v1}/chat/completions`, {
      method: 'POST', headers: { ...GW, 'content-type': 'application/json' }, body: chatTemplate(q('fast')),
    });
    const direct = await http(`${up.v1}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-up', 'content-type': 'application/json' },
      body: chatTemplate(q('mock-1')),
    });
    assert.equal(viaTorii.status, 200, viaTorii.text);
    assert.equal(direct.status, 200, direct.text);
    assert.equal(direct.json.object, 'chat.completion');
    assert.deepEqual(viaTorii.json, direct.json);
    assert.ok(!viaTorii.text.includes('sk-up'));
    for (const [k, v] of viaTorii.headers.entries()) assert.ok(!v.includes('sk-up'), `key leaked in ${k}`);
  });
});
