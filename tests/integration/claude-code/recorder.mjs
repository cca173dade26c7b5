// A pass-through HTTP proxy between Claude Code and torii that records, for
// every request, what Claude Code asked for and what the gateway answered
// (status, and the body of error answers). Responses stream through unchanged.
import http from 'node:http';

export async function startRecorder(targetUrl) {
  const target = new URL(targetUrl);
  const exchanges = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body = null;
      try { body = raw.length ? JSON.parse(raw.toString('utf8')) : null; } catch { body = null; }
      const ex = {
        method: req.method,
        url: req.url,
        model: body?.model,
        stream: body?.stream,
        roles: Array.isArray(body?.messages) ? body.messages.map((m) => m.role) : undefined,
        anthropic_beta: req.headers['anthropic-beta'],
        anthropic_version: req.headers['anthropic-version'],
      };
      exchanges.push(ex);
      const headers = { ...req.headers, host: target.host };
      const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (ur) => {
        ex.status = ur.statusCode;
        ex.response_content_type = ur.headers['content-type'];
        res.writeHead(ur.statusCode, ur.headers);
        if (ur.statusCode >= 400) {
          let text = '';
          ur.setEncoding('utf8');
          ur.on('data', (d) => { if (text.length < 4000) text += d; res.write(d); });
          ur.on('end', () => { ex.error_body = text; res.end(); });
        } else {
          ur.pipe(res);
        }
      });
      up.on('error', (err) => {
        ex.status = 'proxy-error';
        ex.error_body = err.message;
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ type: 'error', error: { type: 'api_error', message: `recorder: ${err.message}` } }));
      });
      up.end(raw);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    exchanges,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
