'use strict';
// src/tls.js with node's test runner: the pure parts (loopback, the Host
// header, the redirect's target), then the hook on a real http.Server
// standing in for VS Code's, with a real TLS client: TLS served (and
// req.socket.encrypted set), plain HTTP redirected, loopback and AF_UNIX
// connections plain, a bad handshake and a silent socket that do not take
// the server down, install() and the launcher's files.
//
//   node --test tests/unit/test-tls.js      (meson: the unit suite)

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const test = require('node:test');
const tls = require('node:tls');

const src = process.env.OVH_SOURCE_DIR || path.join(__dirname, '..', '..');
const ovhTls = require(path.join(src, 'src', 'tls.js'));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'test-tls-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

// A self-signed P-256 certificate for "code.test" and 127.0.0.1 (openssl,
// which the build needs anyway for libcrypto).
function makeCertificate(name) {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=code.test',
    '-addext', 'subjectAltName=DNS:code.test,IP:127.0.0.1'], { stdio: 'ignore' });
  return { cert: fs.readFileSync(cert), key: fs.readFileSync(key) };
}
const CREDENTIALS = makeCertificate('server');

// A stand-in for VS Code's server: says whether the request came over TLS.
function vscode() {
  return http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(`vscode encrypted=${Boolean(req.socket.encrypted)} url=${req.url}`);
  });
}

function listen(server, ...where) {
  return new Promise((resolve) => server.listen(...where, () => resolve(server)));
}

function close(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    if (server.closeAllConnections)
      server.closeAllConnections();
  });
}

function httpsGet(port, pathname = '/', host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const req = require('node:https').get({
      host, port, path: pathname, ca: CREDENTIALS.cert, servername: 'code.test', agent: false,
    }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

// A raw HTTP/1.1 request (any Host header, even an evil one).
function rawHttp(connectOptions, request) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(connectOptions, () => socket.write(request));
    let text = '';
    socket.on('data', (c) => { text += c; });
    socket.on('end', () => resolve(text));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

function location(response) {
  const m = /\r\nLocation: ([^\r]*)\r\n/i.exec(response);
  return m ? m[1] : null;
}

test('loopback addresses, and which sockets stay plain', () => {
  for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1'])
    assert.equal(ovhTls.isLoopback(a), true, a);
  for (const a of ['10.0.0.1', '192.168.1.2', '::', '::2', 'fe80::1', '::ffff:10.0.0.1', '128.0.0.1', '', undefined])
    assert.equal(ovhTls.isLoopback(a), false, String(a));
  assert.equal(ovhTls.isPlainLocal({ remoteAddress: undefined, localAddress: undefined }), true);
  assert.equal(ovhTls.isPlainLocal({ remoteAddress: '10.0.0.2', localAddress: '10.0.0.1' }), false);
  assert.equal(ovhTls.isPlainLocal({ remoteAddress: '127.0.0.1', localAddress: '127.0.0.1' }), true);
});

test('the Host header is used only when it is a host[:port]', () => {
  for (const h of ['code.lan', 'code.lan:3000', 'CODE.lan.', '10.0.0.1:3000', '[fe80::1]:3000', '[::1]', 'a-b.c'])
    assert.equal(ovhTls.validHost(h), h, h);
  for (const h of ['', 'evil.com/x', 'evil.com@x', 'a b', 'x:0', 'x:65536', 'x:3000:1', '[nope]', '-a.b',
    'evil.com\r\nSet-Cookie: a=b', 'a..b', 'x:', `${'a'.repeat(64)}.b`, undefined, 42])
    assert.equal(ovhTls.validHost(h), null, String(h));
  const req = (host, url) => ({ headers: { host }, url, socket: { localAddress: '::ffff:10.0.0.1', localPort: 3000 } });
  assert.equal(ovhTls.redirectTarget(req('code.lan:3000', '/a?b=c')), 'https://code.lan:3000/a?b=c');
  assert.equal(ovhTls.redirectTarget(req('evil/x', '/a')), 'https://10.0.0.1:3000/a');
  assert.equal(ovhTls.redirectTarget(req(undefined, '//evil.com/')), 'https://10.0.0.1:3000/');
  assert.equal(ovhTls.redirectTarget(req('code.lan', '*')), 'https://code.lan/');
  const v6 = { headers: {}, url: '/', socket: { localAddress: 'fe80::2', localPort: 3000 } };
  assert.equal(ovhTls.redirectTarget(v6), 'https://[fe80::2]:3000/');
});

test('a bad certificate or key is refused before anything is served', () => {
  const other = makeCertificate('other');
  assert.throws(() => ovhTls.serveTls(vscode(), { cert: CREDENTIALS.cert, key: other.key }));
  assert.throws(() => ovhTls.serveTls(vscode(), { cert: Buffer.from('nope'), key: CREDENTIALS.key }));
});

// Every connection treated as a network one (127.0.0.1 is what a test can
// listen on everywhere); the real predicate is tested further down.
test('TLS served, plain HTTP redirected, a bad handshake and silence survived', async () => {
  const server = vscode();
  ovhTls.serveTls(server, { ...CREDENTIALS, isPlain: () => false, firstByteTimeoutMs: 300, handshakeTimeoutMs: 400 });
  await listen(server, 0, '127.0.0.1');
  const { port } = server.address();
  try {
    const https = await httpsGet(port, '/x?y=1');
    assert.equal(https.status, 200);
    assert.equal(https.body, 'vscode encrypted=true url=/x?y=1');

    const plain = await rawHttp({ port, host: '127.0.0.1' },
      `GET /a/b?c=d HTTP/1.1\r\nHost: code.lan:${port}\r\n\r\n`);
    assert.match(plain, /^HTTP\/1\.1 308 /);
    assert.equal(location(plain), `https://code.lan:${port}/a/b?c=d`);
    assert.doesNotMatch(plain, /vscode/);

    const evil = await rawHttp({ port, host: '127.0.0.1' }, 'GET / HTTP/1.1\r\nHost: evil.com/x@y\r\n\r\n');
    assert.equal(location(evil), `https://127.0.0.1:${port}/`);
    const head = await rawHttp({ port, host: '127.0.0.1' }, 'HEAD /h HTTP/1.1\r\nHost: code.lan\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 308 /);
    assert.equal(location(head), 'https://code.lan/h');

    // A handshake record of garbage: that connection fails, the server serves on.
    const garbage = await rawHttp({ port, host: '127.0.0.1' }, Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]));
    assert.doesNotMatch(garbage, /vscode/);
    // A client that does not trust the certificate: its error, not the server's.
    await assert.rejects(new Promise((resolve, reject) => {
      const c = tls.connect({ port, host: '127.0.0.1', servername: 'code.test' }, resolve);
      c.on('error', reject);
    }), /self.signed|unable to verify/i);
    // A connection that sends nothing is closed after the first-byte timeout.
    const started = Date.now();
    const silent = await rawHttp({ port, host: '127.0.0.1' }, '');
    assert.equal(silent, '');
    assert.ok(Date.now() - started >= 250, 'closed by the timeout');
    // A handshake that stops after its first bytes is closed too.
    const stalled = await rawHttp({ port, host: '127.0.0.1' }, Buffer.from([0x16, 0x03, 0x01]));
    assert.equal(stalled, '');
    // A connection closed before its first byte, and one reset mid-handshake.
    await new Promise((resolve) => net.connect({ port, host: '127.0.0.1' }, function () { this.destroy(); resolve(); }));
    await new Promise((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => { s.write(Buffer.from([0x16, 0x03, 0x01])); s.resetAndDestroy ? s.resetAndDestroy() : s.destroy(); resolve(); });
      s.on('error', () => {});
    });

    const again = await httpsGet(port, '/again');
    assert.equal(again.body, 'vscode encrypted=true url=/again');
    // Keep-alive and a WebSocket-style upgrade go through the TLS socket.
    const upgraded = await new Promise((resolve, reject) => {
      server.once('upgrade', (req, socket) => {
        socket.end(`HTTP/1.1 101 Switching Protocols\r\nX-Encrypted: ${Boolean(socket.encrypted)}\r\n\r\n`);
      });
      const c = tls.connect({ port, host: '127.0.0.1', ca: CREDENTIALS.cert, servername: 'code.test' }, () =>
        c.write('GET /ws HTTP/1.1\r\nHost: code.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'));
      let text = '';
      c.on('data', (d) => { text += d; });
      c.on('close', () => resolve(text));
      c.on('error', reject);
    });
    assert.match(upgraded, /^HTTP\/1\.1 101 /);
    assert.match(upgraded, /X-Encrypted: true/);
  } finally {
    await close(server);
  }
});

test('a connection on loopback stays plain HTTP, served by VS Code', async () => {
  const server = vscode();
  ovhTls.serveTls(server, CREDENTIALS);
  await listen(server, 0, '127.0.0.1');
  const { port } = server.address();
  try {
    const plain = await rawHttp({ port, host: '127.0.0.1' }, 'GET /p HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(plain, /^HTTP\/1\.1 200 /);
    assert.match(plain, /vscode encrypted=false url=\/p/);
  } finally {
    await close(server);
  }
});

test('a connection over AF_UNIX stays plain HTTP, served by VS Code', async () => {
  const server = vscode();
  ovhTls.serveTls(server, CREDENTIALS);
  const socketPath = path.join(dir, 'x.sock');
  await listen(server, socketPath);
  try {
    const plain = await rawHttp({ path: socketPath }, 'GET /u HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(plain, /^HTTP\/1\.1 200 /);
    assert.match(plain, /vscode encrypted=false url=\/u/);
  } finally {
    await close(server);
  }
});

// The real predicate on a real network address, when the machine has one.
const networkAddress = Object.values(os.networkInterfaces()).flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal);
test('on a non-loopback address: TLS served, plain redirected', { skip: !networkAddress && 'no network address' },
  async () => {
    const server = vscode();
    ovhTls.serveTls(server, CREDENTIALS);
    await listen(server, 0, networkAddress.address);
    const { port } = server.address();
    try {
      const plain = await rawHttp({ port, host: networkAddress.address },
        `GET /n HTTP/1.1\r\nHost: code.lan:${port}\r\n\r\n`);
      assert.equal(location(plain), `https://code.lan:${port}/n`);
      const https = await new Promise((resolve, reject) => {
        const c = tls.connect({ port, host: networkAddress.address, ca: CREDENTIALS.cert, servername: 'code.test' },
          () => c.write('GET /s HTTP/1.1\r\nHost: code.test\r\nConnection: close\r\n\r\n'));
        let text = '';
        c.on('data', (d) => { text += d; });
        c.on('close', () => resolve(text));
        c.on('error', reject);
      });
      assert.match(https, /vscode encrypted=true url=\/s/);
    } finally {
      await close(server);
    }
  });

test('install() reads tls.crt and tls.key beside the token file, or does nothing', () => {
  const runtime = fs.mkdtempSync(path.join(dir, 'run-'));
  const tokenFile = path.join(runtime, 'token');
  fs.writeFileSync(tokenFile, 'abc\n');
  const argv = ['node', 'server-main.js', '--connection-token-file', tokenFile];
  const lines = [];
  const log = (line) => lines.push(line);
  assert.equal(ovhTls.install(vscode(), { argv, log }), null);
  assert.equal(ovhTls.install(vscode(), { argv: ['node', 'x', '--without-connection-token'], log }), null);
  assert.deepEqual(lines, []);
  fs.writeFileSync(path.join(runtime, 'tls.key'), CREDENTIALS.key, { mode: 0o400 });
  assert.throws(() => ovhTls.install(vscode(), { argv, log }), /ENOENT.*tls\.crt/);
  fs.writeFileSync(path.join(runtime, 'tls.crt'), CREDENTIALS.cert);
  const served = ovhTls.install(vscode(), { argv: ['node', 'x', `--connection-token-file=${tokenFile}`], log });
  assert.ok(served.secureContext instanceof tls.SecureContext);
  assert.match(lines[0], /^<6>tls\.js: HTTPS/);
  fs.writeFileSync(path.join(runtime, 'tls.crt'), makeCertificate('third').cert);
  assert.throws(() => ovhTls.install(vscode(), { argv, log }), /key values mismatch|KEY_VALUES_MISMATCH/i);
});
