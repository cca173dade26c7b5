// A `bedrock` provider behind Torii: the OpenAI SDK (and the Anthropic SDK,
// through the output translator) against torii-mock speaking Converse and
// ConverseStream, with every request SigV4-signed and verified as AWS does.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startMock, startTorii, mockStats, mockConfig, mockReset, stopAllOf, waitFor } from './harness.mjs';

const AWS = {
  access_key_id: 'AKIDEXAMPLE',
  secret_access_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  session_token: 'IQoJb3JpZ2luX2VjEXAMPLETOKEN',
};
// What /mock/config must repeat, since it replaces the whole behaviour.
const MOCK_AUTH = {
  aws_access_key_id: AWS.access_key_id,
  aws_secret_access_key: AWS.secret_access_key,
  aws_session_token: AWS.session_token,
  aws_region: 'us-east-1',
};
const CLAUDE_ID = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const TITAN_EMBED_ID = 'amazon.titan-embed-text-v2:0';
// torii-mock's vectors have 16 dimensions unless asked for others.
const MOCK_DIMENSIONS = 16;
const WEATHER = {
  type: 'function',
  function: {
    name: 'get_weather', description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
// A 1x1 transparent PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

async function collect(stream) {
  let text = '';
  let finish = null;
  let usage = null;
  const calls = [];
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    const c = chunk.choices[0];
    if (!c) continue;
    text += c.delta?.content ?? '';
    for (const tc of c.delta?.tool_calls ?? []) {
      calls[tc.index] ??= { id: '', name: '', arguments: '' };
      if (tc.id) calls[tc.index].id = tc.id;
      if (tc.function?.name) calls[tc.index].name = tc.function.name;
      calls[tc.index].arguments += tc.function?.arguments ?? '';
    }
    if (c.finish_reason) finish = c.finish_reason;
  }
  return { text, finish, usage, calls };
}

describe('bedrock provider', () => {
  let mock; let torii; let openai; let anthropic;

  before(async () => {
    mock = await startMock([
      '--aws-access-key-id', AWS.access_key_id, '--aws-secret-access-key', AWS.secret_access_key,
      '--aws-session-token', AWS.session_token, '--aws-region', 'us-east-1',
    ]);
    torii = await startTorii({
      workers: 1,
      auth: { keys: ['k1'] },
      providers: [{ name: 'aws', type: 'bedrock', region: 'us-east-1', base_url: mock.url, ...AWS }],
      models: [
        { name: 'titan', targets: [{ provider: 'aws', model: 'amazon.titan-text-express-v1' }] },
        { name: 'claude', targets: [{ provider: 'aws', model: CLAUDE_ID }] },
        { name: 'titan-embed', targets: [{ provider: 'aws', model: TITAN_EMBED_ID }] },
        { name: 'cohere-embed', targets: [{ provider: 'aws', model: 'cohere.embed-english-v3' }] },
      ],
    });
    openai = new OpenAI({ apiKey: 'k1', baseURL: torii.v1, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'k1', baseURL: torii.url, maxRetries: 0 });
  });
  after(() => stopAllOf(torii, mock));

  it('plain chat is translated both ways and signed with the session token', async () => {
    const r = await openai.chat.completions.create({
      model: 'titan', max_tokens: 50, temperature: 0.5, stop: ['NEVER'],
      messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Hello Bedrock via OpenAI' }],
    });
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.model, 'amazon.titan-text-express-v1');
    assert.match(r.id, /^chatcmpl-req_mock_\d+$/);
    assert.match(r.choices[0].message.content, /Hello Bedrock via OpenAI/);
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.ok(r.usage.prompt_tokens > 0 && r.usage.completion_tokens > 0);
    assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);

    const seen = (await mockStats(mock)).last_request;
    assert.equal(seen.path, '/model/amazon.titan-text-express-v1/converse');
    assert.match(seen.headers.authorization, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request/);
    assert.equal(seen.headers['x-amz-security-token'], AWS.session_token);
    const body = JSON.parse(seen.body);
    assert.deepEqual(body.system, [{ text: 'Be terse.' }]);
    assert.deepEqual(body.messages, [{ role: 'user', content: [{ text: 'Hello Bedrock via OpenAI' }] }]);
    assert.deepEqual(body.inferenceConfig, { maxTokens: 50, temperature: 0.5, stopSequences: ['NEVER'] });
    assert.equal(body.model, undefined);
  });

  it("a model id with ':' goes as %3A and still verifies", async () => {
    const r = await openai.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'Colon model' }] });
    assert.equal(r.model, CLAUDE_ID);
    assert.match(r.choices[0].message.content, /Colon model/);
    const seen = (await mockStats(mock)).last_request;
    assert.equal(seen.path, '/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse');
  });

  it('streaming equals the plain answer, with usage when asked', async () => {
    const params = { model: 'claude', messages: [{ role: 'user', content: 'Stream through Bedrock please' }] };
    const plain = await openai.chat.completions.create(params);
    const s = await collect(await openai.chat.completions.create({
      ...params, stream: true, stream_options: { include_usage: true },
    }));
    assert.equal((await mockStats(mock)).last_request.path, '/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream');
    assert.equal(s.text, plain.choices[0].message.content);
    assert.equal(s.finish, 'stop');
    assert.deepEqual(s.usage, plain.usage);

    const noUsage = await collect(await openai.chat.completions.create({ ...params, stream: true }));
    assert.equal(noUsage.text, plain.choices[0].message.content);
    assert.equal(noUsage.usage, null);
  });

  it('max_tokens maps to length, plain and streamed', async () => {
    const params = { model: 'titan', max_tokens: 3, messages: [{ role: 'user', content: 'one two three four five six' }] };
    const plain = await openai.chat.completions.create(params);
    assert.equal(plain.choices[0].finish_reason, 'length');
    assert.equal(plain.usage.completion_tokens, 3);
    const s = await collect(await openai.chat.completions.create({ ...params, stream: true }));
    assert.equal(s.finish, 'length');
    assert.equal(s.text, plain.choices[0].message.content);
  });

  it('tool calls and the tool result round trip keep their ids', async () => {
    const first = await openai.chat.completions.create({
      model: 'claude', tools: [WEATHER], tool_choice: 'required', messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    assert.equal(first.choices[0].finish_reason, 'tool_calls');
    const call = first.choices[0].message.tool_calls[0];
    assert.match(call.id, /^tooluse_mock_/);
    assert.equal(call.function.name, 'get_weather');
    assert.equal(typeof JSON.parse(call.function.arguments).city, 'string');
    let body = JSON.parse((await mockStats(mock)).last_request.body);
    assert.deepEqual(body.toolConfig.toolChoice, { any: {} });
    assert.deepEqual(body.toolConfig.tools[0].toolSpec.inputSchema.json, WEATHER.function.parameters);

    const second = await openai.chat.completions.create({
      model: 'claude', tools: [WEATHER],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        first.choices[0].message,
        { role: 'tool', tool_call_id: call.id, content: 'Rain, 12 C' },
      ],
    });
    assert.match(second.choices[0].message.content, /Rain, 12 C/);
    body = JSON.parse((await mockStats(mock)).last_request.body);
    assert.equal(body.messages[1].role, 'assistant');
    assert.deepEqual(body.messages[1].content[0].toolUse,
      { toolUseId: call.id, name: 'get_weather', input: JSON.parse(call.function.arguments) });
    assert.equal(body.messages[2].role, 'user');
    assert.deepEqual(body.messages[2].content[0].toolResult,
      { toolUseId: call.id, content: [{ text: 'Rain, 12 C' }] });
  });

  it('streamed tool calls carry the same id and arguments', async () => {
    const params = { model: 'claude', tools: [WEATHER], messages: [{ role: 'user', content: 'Weather in Rome?' }] };
    const plain = await openai.chat.completions.create(params);
    const s = await collect(await openai.chat.completions.create({ ...params, stream: true }));
    const want = plain.choices[0].message.tool_calls[0];
    assert.equal(s.finish, 'tool_calls');
    assert.equal(s.calls.length, 1);
    assert.equal(s.calls[0].id, want.id);
    assert.equal(s.calls[0].name, 'get_weather');
    assert.deepEqual(JSON.parse(s.calls[0].arguments), JSON.parse(want.function.arguments));
  });

  it('image input goes as bytes with its format', async () => {
    const r = await openai.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: [
        { type: 'text', text: 'Describe this picture' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
      ] }],
    });
    assert.match(r.choices[0].message.content, /Describe this picture/);
    const body = JSON.parse((await mockStats(mock)).last_request.body);
    assert.deepEqual(body.messages[0].content[1], { image: { format: 'png', source: { bytes: PNG } } });

    await assert.rejects(
      openai.chat.completions.create({
        model: 'claude',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }],
      }),
      (err) => err instanceof OpenAI.BadRequestError && /data URL/.test(err.message),
    );
  });

  it('the Anthropic SDK is answered through the translator, plain and streamed', async () => {
    const msg = await anthropic.messages.create({ model: 'claude', max_tokens: 64, messages: [{ role: 'user', content: 'Anthropic via Bedrock' }] });
    assert.equal(msg.type, 'message');
    assert.match(msg.content[0].text, /Anthropic via Bedrock/);
    assert.equal(msg.stop_reason, 'end_turn');
    const final = await anthropic.messages.stream({
      model: 'claude', max_tokens: 64, messages: [{ role: 'user', content: 'Anthropic via Bedrock' }],
    }).finalMessage();
    assert.equal(final.content[0].text, msg.content[0].text);
    assert.equal(final.stop_reason, 'end_turn');
  });

  it('upstream errors keep their meaning', async () => {
    try {
      await mockConfig(mock, { ...MOCK_AUTH, fail_status: 429, retry_after: 7 });
      await assert.rejects(
        openai.chat.completions.create({ model: 'titan', messages: [{ role: 'user', content: 'x' }] }),
        (err) => err instanceof OpenAI.RateLimitError && /ThrottlingException/.test(err.message) &&
          err.headers.get('retry-after') === '7',
      );
      await mockConfig(mock, { ...MOCK_AUTH, fail_status: 400, fail_code: 'context_length_exceeded' });
      await assert.rejects(
        openai.chat.completions.create({ model: 'titan', messages: [{ role: 'user', content: 'x' }] }),
        (err) => err instanceof OpenAI.BadRequestError && err.code === 'context_length_exceeded',
      );
      await mockConfig(mock, { ...MOCK_AUTH, fail_status: 503 });
      await assert.rejects(
        openai.chat.completions.create({ model: 'titan', messages: [{ role: 'user', content: 'x' }] }),
        (err) => err.status === 503,
      );
      // Credentials the upstream does not know: a gateway-side auth failure.
      await mockConfig(mock, { ...MOCK_AUTH, aws_session_token: 'another-token' });
      await assert.rejects(
        openai.chat.completions.create({ model: 'titan', messages: [{ role: 'user', content: 'x' }] }),
        (err) => err.status === 401 && /UnrecognizedClientException/.test(err.message),
      );
    } finally {
      await mockReset(mock);
    }
  });

  it('embeddings go through InvokeModel: Titan once per input, base64 decoded by the SDK', async () => {
    const before = (await mockStats(mock)).requests;
    const r = await openai.embeddings.create({ model: 'titan-embed', input: ['first text here', 'second one'] });
    assert.equal(r.object, 'list');
    assert.equal(r.model, TITAN_EMBED_ID);
    assert.deepEqual(r.data.map((d) => d.index), [0, 1]);
    for (const d of r.data) {
      assert.equal(d.object, 'embedding');
      assert.equal(d.embedding.length, MOCK_DIMENSIONS);
      const norm = Math.hypot(...d.embedding);
      assert.ok(Math.abs(norm - 1) < 1e-3, `unit norm, got ${norm}`);
    }
    assert.notDeepEqual(r.data[0].embedding, r.data[1].embedding);
    assert.ok(r.usage.prompt_tokens > 0);
    assert.equal(r.usage.total_tokens, r.usage.prompt_tokens);

    // Each input alone gives the same vector at the same place, and the
    // usage is their sum.
    const one = await openai.embeddings.create({ model: 'titan-embed', input: 'first text here', encoding_format: 'float' });
    const two = await openai.embeddings.create({ model: 'titan-embed', input: 'second one', encoding_format: 'float' });
    for (const [i, single] of [one, two].entries())
      single.data[0].embedding.forEach((x, k) => assert.ok(Math.abs(x - r.data[i].embedding[k]) < 1e-6));
    assert.equal(r.usage.prompt_tokens, one.usage.prompt_tokens + two.usage.prompt_tokens);

    const stats = await mockStats(mock);
    assert.equal(stats.requests - before, 4, 'Titan takes one text a call: two for the pair, one each for the singles');
    const seen = stats.last_request;
    assert.equal(seen.path, '/model/amazon.titan-embed-text-v2%3A0/invoke');
    assert.match(seen.headers.authorization, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request/);
    assert.deepEqual(JSON.parse(seen.body), { inputText: 'second one', normalize: true });
  });

  it('dimensions reach Titan', async () => {
    const r = await openai.embeddings.create({ model: 'titan-embed', input: 'sized vector', dimensions: 8 });
    assert.equal(r.data[0].embedding.length, 8);
    assert.deepEqual(JSON.parse((await mockStats(mock)).last_request.body),
      { inputText: 'sized vector', dimensions: 8, normalize: true });
  });

  it('Cohere Embed takes the inputs in one call', async () => {
    const r = await openai.embeddings.create({ model: 'cohere-embed', input: ['alpha beta', 'gamma', 'delta epsilon'] });
    assert.equal(r.model, 'cohere.embed-english-v3');
    assert.deepEqual(r.data.map((d) => d.index), [0, 1, 2]);
    for (const d of r.data) assert.equal(d.embedding.length, MOCK_DIMENSIONS);
    assert.ok(r.usage.prompt_tokens > 0, 'from X-Amzn-Bedrock-Input-Token-Count');
    const seen = (await mockStats(mock)).last_request;
    assert.equal(seen.path, '/model/cohere.embed-english-v3/invoke');
    assert.deepEqual(JSON.parse(seen.body),
      { texts: ['alpha beta', 'gamma', 'delta epsilon'], input_type: 'search_document' });
    // The same text embeds alike through either family.
    const titan = await openai.embeddings.create({ model: 'titan-embed', input: 'gamma' });
    titan.data[0].embedding.forEach((x, k) => assert.ok(Math.abs(x - r.data[1].embedding[k]) < 1e-6));
  });

  it('embeddings refuse token ids and map upstream errors like chat', async () => {
    await assert.rejects(
      openai.embeddings.create({ model: 'titan-embed', input: [[1, 2, 3]] }),
      (err) => err instanceof OpenAI.BadRequestError && /token arrays/.test(err.message),
    );
    await assert.rejects(
      openai.embeddings.create({ model: 'claude', input: 'x' }),
      (err) => err instanceof OpenAI.BadRequestError && /cannot embed/.test(err.message),
    );
    try {
      await mockConfig(mock, { ...MOCK_AUTH, fail_status: 429, retry_after: 3 });
      await assert.rejects(
        openai.embeddings.create({ model: 'cohere-embed', input: 'x' }),
        (err) => err instanceof OpenAI.RateLimitError && /ThrottlingException/.test(err.message),
      );
      await mockConfig(mock, { ...MOCK_AUTH, aws_session_token: 'another-token' });
      await assert.rejects(
        openai.embeddings.create({ model: 'titan-embed', input: ['a', 'b'] }),
        (err) => err.status === 401 && /UnrecognizedClientException/.test(err.message),
      );
    } finally {
      await mockReset(mock);
    }
  });

  it('an exception in the stream ends it with an error the SDK raises', async () => {
    try {
      await mockConfig(mock, { ...MOCK_AUTH, fail_status: 429, fail_mid_stream: true, reset_after_events: 3 });
      const stream = await openai.chat.completions.create({
        model: 'claude', stream: true, messages: [{ role: 'user', content: 'a b c d e f g h' }],
      });
      await assert.rejects(collect(stream), (err) => /ThrottlingException|throttlingException/.test(err.message));
    } finally {
      await mockReset(mock);
    }
  });

  it('a stream that fails before its first event is an ordinary error status', async () => {
    try {
      await mockConfig(mock, { ...MOCK_AUTH, fail_status: 429, fail_mid_stream: true, reset_after_events: 0 });
      await assert.rejects(
        openai.chat.completions.create({ model: 'claude', stream: true, messages: [{ role: 'user', content: 'x' }] }),
        (err) => err instanceof OpenAI.RateLimitError,
      );
    } finally {
      await mockReset(mock);
    }
  });

  it('a client that hangs up cancels the upstream stream', async () => {
    try {
      await mockConfig(mock, { ...MOCK_AUTH, tokens_per_sec: 5, reply_words: 100 });
      const controller = new AbortController();
      const stream = await openai.chat.completions.create(
        { model: 'claude', stream: true, messages: [{ role: 'user', content: 'slow' }] },
        { signal: controller.signal },
      );
      let words = 0;
      // The SDK ends the iteration quietly on abort.
      try {
        for await (const chunk of stream) {
          if (chunk.choices[0]?.delta?.content) words += 1;
          if (words === 2) controller.abort();
        }
      } catch (err) {
        assert.equal(err.name, 'APIUserAbortError');
      }
      assert.equal(words, 2);
      await waitFor(async () => (await mockStats(mock)).streams_client_closed === 1, { what: 'upstream stream closed' });
    } finally {
      await mockReset(mock);
    }
  });

  it('a bad CRC mid-stream ends the stream with an error, and torii keeps serving', async () => {
    for (const badCrc of ['message', 'prelude']) {
      try {
        await mockConfig(mock, { ...MOCK_AUTH, bad_crc: badCrc, reset_after_events: 3 });
        const stream = await openai.chat.completions.create({
          model: 'claude', stream: true, messages: [{ role: 'user', content: 'one two three four five six seven' }],
        });
        let text = '';
        await assert.rejects(
          (async () => {
            for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
          })(),
          (err) => /event-stream|CRC|crc/.test(err.message),
        );
        assert.ok(text.length > 0, 'the events before the bad one were delivered');
      } finally {
        await mockReset(mock);
      }
    }
    const r = await openai.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'Still here' }] });
    assert.match(r.choices[0].message.content, /Still here/);
    const s = await collect(await openai.chat.completions.create({
      model: 'claude', stream: true, messages: [{ role: 'user', content: 'Still streaming' }],
    }));
    assert.match(s.text, /Still streaming/);
  });
});
