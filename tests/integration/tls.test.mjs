// TLS to upstreams: certificate verification against SSL_CERT_FILE, SNI, host
// name checks, and keep-alive reuse, with a local HTTPS upstream whose
// certificate comes from a throwaway CA made with the openssl CLI.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { startTorii, postJson, chatBody, assertOpenAIError, stopAllOf } from './harness.mjs';

function makeCa(dir) {
  const run = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Torii Test CA',
    '-keyout', 'ca.key', '-out', 'ca.pem');
  writeFileSync(path.join(dir, 'ext.cnf'),
    'basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
    '-extfile', 'ext.cnf', '-out', 'server.pem');
  return {
    ca: path.join(dir, 'ca.pem'),
    key: readFileSync(path.join(dir, 'server.key')),
    cert: readFileSync(path.join(dir, 'server.pem')),
  };
}

describe('TLS upstreams', () => {
  let dir; let certs; let server; let port; let trusting; let distrusting;
  const seen = { servernames: [], connections: 0, requests: 0, auth: [] };

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'torii-tls-'));
    certs = makeCa(dir);
    server = https.createServer({ key: certs.key, cert: certs.cert, keepAlive: true }, (req, res) => {
      seen.requests += 1;
      seen.auth.push(req.headers.authorization);
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        const model = JSON.parse(body).model;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({
          id: 'chatcmpl-tls', object: 'chat.completion', created: 1, model,
          choices: [{ index: 0, message: { role: 'assistant', content: 'over TLS' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
        }));
      });
    });
    server.on('secureConnection', (sock) => { seen.connections += 1; seen.servernames.push(sock.servername); });
    await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
    port = server.address().port;
    const config = {
      workers: 1,
      providers: [
        { name: 'byname', type: 'openai-compatible', base_url: `https://localhost:${port}/v1`, api_key: 'sk-tls' },
        // Same server, but the certificate names only localhost, not 127.0.0.1.
        { name: 'byip', type: 'openai-compatible', base_url: `https://127.0.0.1:${port}/v1`, api_key: 'sk-tls' },
      ],
      models: [{ name: 'secure', targets: [{ provider: 'byname', model: 'gpt-tls' }] }],
    };
    trusting = await startTorii(config, { env: { SSL_CERT_FILE: certs.ca } });
    distrusting = await startTorii(config);
  });

  after(async () => {
    await stopAllOf(trusting, distrusting);
    await new Promise((resolve) => { server.close(resolve); server.closeAllConnections?.(); });
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies the upstream against SSL_CERT_FILE and sends SNI', async () => {
    const r = await postJson(`${trusting.v1}/chat/completions`, chatBody('secure'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.choices[0].message.content, 'over TLS');
    assert.equal(r.json.model, 'gpt-tls');
    assert.ok(seen.servernames.includes('localhost'), JSON.stringify(seen.servernames));
    assert.equal(seen.auth.at(-1), 'Bearer sk-tls');
  });

  it('reuses the TLS connection for the next requests', async () => {
    const before = seen.connections;
    for (let i = 0; i < 5; i += 1) {
      const r = await postJson(`${trusting.v1}/chat/completions`, chatBody('secure'));
      assert.equal(r.status, 200);
    }
    assert.equal(seen.connections, before);
  });

  it('rejects a certificate that does not name the host', async () => {
    const before = { connections: seen.connections, requests: seen.requests };
    const r = await postJson(`${trusting.v1}/chat/completions`, chatBody('byip/x'));
    assertOpenAIError(assert, r, 502, { code: 'upstream_unreachable' });
    assert.match(r.json.error.message, /TLS|certificate|verify/i);
    assert.equal(seen.requests, before.requests);
  });

  it('rejects an upstream signed by an unknown CA', async () => {
    const before = seen.requests;
    const r = await postJson(`${distrusting.v1}/chat/completions`, chatBody('secure'));
    assertOpenAIError(assert, r, 502, { code: 'upstream_unreachable' });
    assert.match(r.json.error.message, /TLS|certificate|verify/i);
    assert.equal(seen.requests, before);
  });
});
