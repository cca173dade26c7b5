// What the security review checks from outside: nothing of the admin API or
// a guarded /metrics answers without the admin key (the API keys included),
// and the secrets (provider keys, AWS secrets, virtual, gateway and admin
// keys) appear in none of what torii shows or writes: its log, the metrics,
// the request log with bodies, /admin/config, error messages, response
// headers. And no client-controlled upstream: a model naming a URL or an
// unknown provider goes nowhere.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startMock, startTorii, stopAllOf, http, postJson, chatBody, closedPort,
} from './harness.mjs';

const SECRETS = {
  provider: 'sk-upstream-provider-secret-0001',
  failing: 'sk-upstream-failing-secret-0002',
  awsSecret: 'aws/secret/key/never/shown/0003',
  gateway: 'gw-gateway-key-secret-0004',
  admin: 'adm-admin-key-secret-0005',
};

describe('secrets and exposure', () => {
  let mock, torii, virtualKey, unreachable;

  before(async () => {
    mock = await startMock(['--api-key', SECRETS.provider]);
    unreachable = await closedPort();
    torii = await startTorii({
      auth: { keys: [SECRETS.gateway] },
      admin: { keys: [SECRETS.admin] },
      metrics: { auth: true },
      logging: { bodies: true },
      providers: [
        { name: 'up', type: 'openai', base_url: mock.v1, api_key: SECRETS.provider },
        // The mock refuses this key: its 401 reaches the client without the key.
        { name: 'wrong', type: 'openai', base_url: mock.v1, api_key: SECRETS.failing },
        { name: 'aws', type: 'bedrock', region: 'us-east-1', base_url: `http://127.0.0.1:${unreachable}`,
          access_key_id: 'AKIASECURITYTEST01', secret_access_key: SECRETS.awsSecret },
      ],
      models: [
        { name: 'm', targets: [{ provider: 'up', model: 'gpt-4o-mini' }] },
        { name: 'refused', targets: [{ provider: 'wrong', model: 'gpt-4o-mini' }] },
        { name: 'down', targets: [{ provider: 'aws', model: 'anthropic.claude-3-haiku-v1:0' }] },
      ],
    });
    const r = await postJson(`${torii.url}/admin/keys`, { alias: 'sec' }, { headers: { authorization: `Bearer ${SECRETS.admin}` } });
    assert.equal(r.status, 201, r.text);
    virtualKey = r.json.key;
  });

  after(() => stopAllOf(torii, mock));

  it('admin routes and a guarded /metrics need the admin key, not an API key', async () => {
    for (const path of ['/admin/keys', '/admin/logs', '/admin/config', '/admin/spend', '/metrics']) {
      for (const headers of [{}, { authorization: `Bearer ${SECRETS.gateway}` }, { authorization: `Bearer ${virtualKey}` },
        { authorization: `Bearer ${SECRETS.admin}x` }, { authorization: `Bearer ${SECRETS.admin.slice(0, -1)}` }]) {
        const r = await http(`${torii.url}${path}`, { headers });
        assert.equal(r.status, 401, `${path} with ${JSON.stringify(headers)}: ${r.status} ${r.text.slice(0, 200)}`);
        for (const s of Object.values(SECRETS)) assert.ok(!r.text.includes(s), `${path} refusal shows a secret`);
      }
      const ok = await http(`${torii.url}${path}`, { headers: { authorization: `Bearer ${SECRETS.admin}` } });
      assert.equal(ok.status, 200, `${path}: ${ok.text.slice(0, 200)}`);
    }
  });

  it('no secret in answers, errors, headers, the request log, /admin/config, /metrics or the log', async () => {
    const seen = [];
    const keep = (what, r) => seen.push([what, r.text + JSON.stringify(r.headers)]);
    for (const key of [SECRETS.gateway, virtualKey]) {
      const headers = { authorization: `Bearer ${key}` };
      // The mock's reply quotes the prompt, so of the answer only its headers
      // count; the logged bodies (request and reply) must have the key redacted.
      const answer = await postJson(`${torii.v1}/chat/completions`, chatBody('m', `my key is ${virtualKey}`), { headers });
      assert.equal(answer.status, 200, answer.text);
      seen.push(['answer headers', JSON.stringify(answer.headers)]);
      const refused = await postJson(`${torii.v1}/chat/completions`, chatBody('refused'), { headers });
      assert.equal(refused.status, 401, refused.text);  // the provider's refusal, returned at once (not retryable)
      keep('upstream 401', refused);
      const down = await postJson(`${torii.v1}/chat/completions`, chatBody('down'), { headers });
      assert.ok(down.status >= 500, down.text);
      keep('unreachable upstream', down);
    }
    keep('bad key', await postJson(`${torii.v1}/chat/completions`, chatBody('m'), { headers: { authorization: `Bearer ${SECRETS.gateway}-wrong` } }));
    const admin = { authorization: `Bearer ${SECRETS.admin}` };
    keep('/admin/config', await http(`${torii.url}/admin/config`, { headers: admin }));
    keep('/metrics', await http(`${torii.url}/metrics`, { headers: admin }));
    const logs = await http(`${torii.url}/admin/logs?limit=100`, { headers: admin });
    keep('/admin/logs', logs);
    for (const row of logs.json.data) keep(`/admin/logs/${row.request_id}`, await http(`${torii.url}/admin/logs/${row.request_id}`, { headers: admin }));
    keep('/admin/keys', await http(`${torii.url}/admin/keys`, { headers: admin }));
    seen.push(['stderr', torii.stderr()], ['stdout', torii.stdout()]);

    // The virtual key shows once, in its create answer only.
    const masked = { ...SECRETS, virtual: virtualKey };
    for (const [what, text] of seen)
      for (const [name, secret] of Object.entries(masked))
        assert.ok(!text.includes(secret), `the ${name} secret appears in ${what}: ...${text.slice(Math.max(0, text.indexOf(secret) - 100), text.indexOf(secret) + 60)}...`);
    // /admin/config masks, rather than drops, what it hides.
    const config = seen.find(([w]) => w === '/admin/config')[1];
    assert.ok(logs.json.data.length >= 5, 'the requests were logged');
    const bodies = seen.filter(([w]) => w.startsWith('/admin/logs/')).map(([, t]) => t).join('\n');
    assert.match(bodies, /my key is \[SECRET\]/, 'the logged bodies redact the key');
    assert.match(config, new RegExp(`\\*\\*\\*\\*${SECRETS.provider.slice(-4)}`));
  });

  it('no client-controlled upstream: a URL or an unknown provider as the model goes nowhere', async () => {
    const headers = { authorization: `Bearer ${SECRETS.gateway}` };
    const before = (await http(`${mock.url}/mock/stats`)).json.requests;
    for (const model of [`http://127.0.0.1:${mock.port}/v1`, `elsewhere/gpt-4o-mini`, `//127.0.0.1:${mock.port}/x`]) {
      const r = await postJson(`${torii.v1}/chat/completions`, chatBody(model), {
        headers: { ...headers, 'x-torii-base-url': `http://127.0.0.1:${mock.port}/v1`, 'x-forwarded-host': '127.0.0.1' },
      });
      assert.equal(r.status, 404, `${model}: ${r.text}`);
      assert.equal(r.json.error.code, 'model_not_found');
    }
    assert.equal((await http(`${mock.url}/mock/stats`)).json.requests, before, 'a request reached an upstream');
  });
});
