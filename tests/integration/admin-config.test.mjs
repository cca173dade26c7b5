// GET /admin/config: the running configuration as JSON, every secret masked,
// admin key only.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTorii, stopAllOf, http } from './harness.mjs';

describe('GET /admin/config', () => {
  let torii;
  after(async () => { await stopAllOf(torii); }, { timeout: 30_000 });

  it('shows the configuration with secrets masked', async () => {
    const secrets = {
      api: 'sk-provider-secret-value-123456', admin: 'admin-key-long-enough-9876', user: 'user-key-long-enough-5555',
      aws: 'aws-secret-access-key-abcdefgh', header: 'org-header-token-zzzz1111', collector: 'collector-key-qqqq2222',
    };
    torii = await startTorii({
      admin: { keys: [secrets.admin] },
      auth: { keys: [secrets.user] },
      tracing: { otlp_endpoint: 'http://127.0.0.1:9', headers: { 'x-api-key': secrets.collector } },
      logging: { bodies: true, retention_days: 9 },
      providers: [
        { name: 'oai', type: 'openai', api_key: secrets.api, headers: { 'X-Auth-Token': secrets.header, 'OpenAI-Organization': 'org-visible' } },
        { name: 'aws', type: 'bedrock', region: 'us-east-1', access_key_id: 'AKIAEXAMPLEEXAMPLE', secret_access_key: secrets.aws },
      ],
      models: [{ name: 'mini', targets: [{ provider: 'oai', model: 'gpt-4o-mini', price: { input: 0.1, output: 0.4 } }], fallbacks: [] }],
    });
    assert.equal((await http(`${torii.url}/admin/config`)).status, 401);
    assert.equal((await http(`${torii.url}/admin/config`, { headers: { authorization: `Bearer ${secrets.user}` } })).status, 401);
    const r = await http(`${torii.url}/admin/config`, { headers: { authorization: `Bearer ${secrets.admin}` } });
    assert.equal(r.status, 200, r.text);
    for (const s of Object.values(secrets)) assert.ok(!r.text.includes(s), `a secret is shown: ${s}`);
    const c = r.json;
    assert.equal(c.providers[0].api_key, '****3456');
    assert.equal(c.providers[0].headers['X-Auth-Token'], '****1111');
    assert.equal(c.providers[0].headers['OpenAI-Organization'], 'org-visible');
    assert.equal(c.providers[1].secret_access_key, '****efgh');
    assert.equal(c.providers[1].region, 'us-east-1');
    assert.deepEqual(c.models[0].targets[0].price, { input: 0.1, output: 0.4 });
    assert.deepEqual(c.auth.keys, ['****5555']);
    assert.deepEqual(c.admin.keys, ['****9876']);
    assert.equal(c.logging.retention_days, 9);
    assert.equal(c.logging.bodies, true);
    assert.equal(c.tracing.headers['x-api-key'], '****2222');
    assert.equal(c.tracing.otlp_endpoint, 'http://127.0.0.1:9');
  });
});
