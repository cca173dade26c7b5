// What any caller can send must not take the gateway down or reach the
// wire as headers of its own: repeated invalid bodies, CR/LF in model names,
// a HEAD before an error on the same connection, endpoints a model cannot serve.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startTorii, stopAllOf, postJson, assertHealthy, rawConnect, rawRequest,
} from './harness.mjs';

const KEY = 'sk-hardening';

describe('hardening', () => {
  let torii;

  before(async () => {
    torii = await startTorii({
      workers: 2,
      auth: { keys: [KEY] },
      providers: [
        { name: 'demo-mock', type: 'mock' },
        { name: 'claude', type: 'anthropic', base_url: 'http://127.0.0.1:9', api_key: 'k' },
      ],
      models: [{ name: 'sonnet', targets: [{ provider: 'claude', model: 'claude-sonnet-4-6' }] }],
    });
  }, { timeout: 30_000 });

  after(async () => { await stopAllOf(torii); }, { timeout: 30_000 });
  afterEach(async () => { await assertHealthy(assert, torii); });

  it('hundreds of invalid bodies on /v1/messages are each a 400 in Anthropic\'s shape, and the gateway lives on', { timeout: 60_000 }, async () => {
    const bodies = ['{"model":', '{"model":"sonnet"', '[1,2', '{"model":"sonnet","max_tokens":', 'not json', '{'];
    const headers = { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' };
    // Sequential on keep-alive connections, then concurrent: both shapes of
    // load that used to crash the worker or leave it spinning.
    for (let i = 0; i < 300; i++) {
      const res = await fetch(`${torii.url}/v1/messages`, {
        method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: bodies[i % bodies.length],
      });
      const json = await res.json();
      assert.equal(res.status, 400);
      assert.equal(json.type, 'error');
      assert.equal(json.error.type, 'invalid_request_error');
      assert.match(json.error.message, /There was an error parsing the body of your request/);
    }
    const burst = await Promise.all(Array.from({ length: 200 }, (_, i) => fetch(`${torii.url}/v1/messages`, {
      method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: bodies[i % bodies.length],
    }).then(async (res) => ({ status: res.status, body: await res.text() }))));
    for (const r of burst) assert.equal(r.status, 400, r.body);
    assert.equal(torii.child.exitCode, null, 'the gateway is still running');
  });

  for (const surface of ['openai', 'anthropic']) {
    it(`${surface} surface: a model name with CR/LF is a 400 and injects no header`, async () => {
      const model = 'demo-mock/mock-1\r\nSet-Cookie: session=attacker';
      const body = surface === 'openai'
        ? JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] })
        : JSON.stringify({ model, max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] });
      const path = surface === 'openai' ? '/v1/chat/completions' : '/v1/messages';
      const res = await rawRequest(torii.port, `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      const head = res.text.slice(0, res.text.indexOf('\r\n\r\n'));
      assert.doesNotMatch(head, /set-cookie/i, head);
      assert.equal(res.responses.length, 1, res.text);
      const r = res.responses[0];
      assert.equal(r.status, 400, res.text);
      if (surface === 'openai') {
        assert.equal(r.json.error.code, 'invalid_model_name');
        assert.equal(r.json.error.param, 'model');
      } else {
        assert.equal(r.json.type, 'error');
        assert.equal(r.json.error.type, 'invalid_request_error');
      }
      // The same name without the CR/LF is served.
      const ok = await postJson(`${torii.v1}/chat/completions`, { model: 'demo-mock/mock-1', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { authorization: `Bearer ${KEY}` } });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.headers.get('x-torii-model'), 'mock-1');
    });
  }

  it('an error answer after a HEAD on the same connection carries its body', async () => {
    const conn = await rawConnect(torii.port);
    try {
      await conn.write('HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n');
      await conn.waitUntil((c) => c.text().includes('\r\n\r\n'), 3000, 'HEAD answer');
      const headLength = conn.text().indexOf('\r\n\r\n') + 4;
      assert.equal(conn.text().length, headLength, 'a HEAD answer has no body');
      // A request the server itself refuses (malformed Content-Length).
      await conn.write('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n');
      await conn.waitClosed(3000);
      const rest = conn.text().slice(headLength);
      const end = rest.indexOf('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(rest.slice(0, end))[1]);
      assert.ok(length > 0);
      const body = rest.slice(end + 4);
      assert.equal(Buffer.byteLength(body, 'latin1'), length, `declared ${length} bytes, got ${JSON.stringify(body)}`);
      assert.equal(JSON.parse(body).error.type, 'invalid_request_error');
    } finally {
      conn.destroy();
    }
  });

  it('an endpoint no target of the model serves is a 400 naming what it serves, never a 5xx', async () => {
    const headers = { authorization: `Bearer ${KEY}` };
    for (const [path, body] of [
      ['/v1/embeddings', { model: 'sonnet', input: 'x' }],
      ['/v1/completions', { model: 'claude/claude-haiku-4-5', prompt: 'x' }],
    ]) {
      const r = await postJson(`${torii.url}${path}`, body, { headers });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.error.code, 'unsupported_endpoint');
      assert.equal(r.json.error.type, 'invalid_request_error');
      assert.match(r.json.error.message, new RegExp(`'${body.model}' cannot serve ${path}; it serves /v1/chat/completions`));
    }
  });
});
