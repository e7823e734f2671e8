'use strict';
// src/signin.js with node's test runner: the pure parts (the $7$ hash,
// cookies, navigations, where to return, the client's address, the
// limiter), then the hook on a real http.Server in front of a stand-in for
// VS Code's handler (403 without the token, as VS Code): the page for a
// navigation, VS Code's 403 for everything else, the token and the
// password, the limiter per address, the journal, BasePath, redirects
// that must not leave the server, and malformed input.
//
//   node --test tests/unit/test-signin.js      (meson: the unit suite)

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const test = require('node:test');

const src = process.env.OVH_SOURCE_DIR || path.join(__dirname, '..', '..');
const si = require(path.join(src, 'src', 'signin.js'));

const TOKEN = crypto.randomBytes(32).toString('hex');
const PASSWORD = 'correct horse battery staple';
// Made by libxcrypt (crypt_gensalt_rn("$7$") and crypt_rn, as
// openvscodectl password set does) for "hunter2": N=2^14, r=32, p=1.
const LIBXCRYPT_HASH = '$7$CU..../....p6FaA6ZS1TtGRzMrv9J8h/$OPsp856AUyFlPHir8ZeKsuxF6Pbb02DBUExMkHk647A';

// A cheap $7$ hash for the tests: N=2^10 ('8'), r=8 ('6....'), p=1 ('/....').
function scryptHash(password, salt = crypto.randomBytes(12).toString('hex')) {
  const key = crypto.scryptSync(password, salt, 32, { N: 1024, r: 8, p: 1 });
  return `$7$86..../....${salt}$${si.encode64(key)}`;
}

test('$7$: libxcrypt\'s hash verifies, a wrong password does not, bounds hold', async () => {
  const parsed = si.parseScrypt(LIBXCRYPT_HASH);
  assert.deepEqual([parsed.N, parsed.r, parsed.p], [16384, 32, 1]);
  assert.equal(await si.verifyPassword('hunter2', parsed), true);
  assert.equal(await si.verifyPassword('hunter3', parsed), false);
  assert.equal(await si.verifyPassword('', parsed), false);
  const mine = scryptHash(PASSWORD);
  assert.equal(await si.verifyPassword(PASSWORD, si.parseScrypt(mine)), true);
  for (const bad of ['', 'x', '$y$j9T$abc$def', '$6$salt$hash', LIBXCRYPT_HASH.slice(0, -1), `${LIBXCRYPT_HASH}A`,
    LIBXCRYPT_HASH.replace('$7$C', '$7$/'), LIBXCRYPT_HASH.replace('$7$C', '$7$z'), // N=2^1, 2^63
    LIBXCRYPT_HASH.replace('CU....', 'C.....'), // r=0
    LIBXCRYPT_HASH.replace('/....p6', 'zzzzzp6'), // p huge
    LIBXCRYPT_HASH.replace('$7$C', '$7$I'), // N=2^20, r=32: 4 GiB
    '$7$CU..../....$OPsp856AUyFlPHir8ZeKsuxF6Pbb02DBUExMkHk647A', // no salt
    `$7$CU..../....salt:x$${'.'.repeat(43)}`, null, undefined, 42]) {
    assert.equal(si.parseScrypt(bad), null, String(bad));
  }
});

test('cookies are read as VS Code reads them: the first vscode-tkn wins', () => {
  assert.equal(si.parseCookies(`a=1; vscode-tkn=${TOKEN}; vscode-tkn=x`).get('vscode-tkn'), TOKEN);
  assert.equal(si.parseCookies(`vscode-tkn="${TOKEN}"`).get('vscode-tkn'), TOKEN);
  assert.equal(si.parseCookies('vscode-tkn=%zz').get('vscode-tkn'), '%zz');
  assert.equal(si.parseCookies(undefined).size, 0);
  const req = (url, cookie) => ({ url, headers: cookie ? { cookie } : {} });
  assert.equal(si.tokenState(req('/', `vscode-tkn=${TOKEN}`), TOKEN), 'valid');
  assert.equal(si.tokenState(req(`/?tkn=${TOKEN}`), TOKEN), 'valid');
  assert.equal(si.tokenState(req(`/?tkn=${TOKEN}&tkn=${TOKEN}`), TOKEN), 'wrong', 'VS Code refuses two');
  assert.equal(si.tokenState(req('/', 'vscode-tkn=old'), TOKEN), 'wrong');
  assert.equal(si.tokenState(req('/?tkn=x', `vscode-tkn=${TOKEN}`), TOKEN), 'wrong');
  assert.equal(si.tokenState(req('/', `vscode-tkn=x; vscode-tkn=${TOKEN}`), TOKEN), 'wrong');
  assert.equal(si.tokenState(req('/'), TOKEN), 'none');
});

test('navigations: Fetch Metadata, or Accept text/html first; never XHR, curl or WebSockets', () => {
  const nav = (headers, method = 'GET') => si.isNavigation({ method, headers });
  assert.equal(nav({ 'sec-fetch-mode': 'navigate', accept: 'text/html' }), true);
  assert.equal(nav({ accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }), true);
  assert.equal(nav({ 'sec-fetch-mode': 'cors', accept: 'text/html' }), false);
  assert.equal(nav({ 'sec-fetch-mode': 'no-cors' }), false);
  assert.equal(nav({ accept: '*/*' }), false);
  assert.equal(nav({}), false);
  assert.equal(nav({ 'sec-fetch-mode': 'navigate', upgrade: 'websocket' }), false);
  assert.equal(nav({ 'sec-fetch-mode': 'navigate' }, 'HEAD'), false);
});

test('where to return: this server, under the base path, without a tkn; nothing else', () => {
  assert.equal(si.safeReturn('/?folder=/home/a&tkn=x', ''), '/?folder=%2Fhome%2Fa');
  assert.equal(si.safeReturn('/some/page', ''), '/some/page');
  assert.equal(si.safeReturn('/u/alice/x?y=1', '/u/alice'), '/u/alice/x?y=1');
  assert.equal(si.safeReturn('/u/alice', '/u/alice'), '/u/alice');
  for (const bad of ['//evil.example/', '/\\evil.example', 'https://evil.example/', 'evil', '', null, undefined,
    '/\r\nx', '/u/bob/', '/u/alicex', '/sign-in', `/${'a'.repeat(3000)}`,
    'javascript:alert(1)', '/\t/evil.example']) {
    const got = si.safeReturn(bad, bad === '/u/bob/' || bad === '/u/alicex' ? '/u/alice' : '');
    assert.ok(got === '/' || got === '/u/alice/', `${JSON.stringify(bad)} -> ${got}`);
  }
  // A percent-encoded CR LF stays encoded in the path: never a header.
  assert.equal(si.safeReturn('/a%0d%0aSet-Cookie:x', ''), '/a%0d%0aSet-Cookie:x');
});

test('the client\'s address: the peer; X-Forwarded-For only from a unix socket; IPv6 by /64', () => {
  const req = (remoteAddress, xff) => ({ socket: { remoteAddress }, headers: xff ? { 'x-forwarded-for': xff } : {} });
  assert.equal(si.clientAddress(req('192.0.2.7')).key, '192.0.2.7');
  assert.equal(si.clientAddress(req('::ffff:192.0.2.7')).key, '192.0.2.7');
  assert.equal(si.clientAddress(req('127.0.0.1', '198.51.100.1')).key, '127.0.0.1', 'a loopback peer\'s header is not believed');
  assert.equal(si.clientAddress(req(undefined, '10.0.0.1, 198.51.100.1')).key, '198.51.100.1', 'the proxy\'s entry');
  assert.equal(si.clientAddress(req(undefined, 'not-an-address')).key, 'unix socket');
  assert.equal(si.clientAddress(req(undefined)).key, 'unix socket');
  assert.equal(si.clientAddress(req('2001:db8:1:2:aaaa::1')).key, '2001:db8:1:2::/64');
  assert.equal(si.clientAddress(req('2001:db8:1:2:bbbb:cccc:dddd:eeee')).key, '2001:db8:1:2::/64');
  assert.equal(si.clientAddress(req('2001:db8::1')).key, '2001:db8:0:0::/64');
  assert.equal(si.clientAddress(req('::1')).key, '0:0:0:0::/64');
});

test('the limiter: free tries, then a doubling wait, per key, bounded and forgetful', () => {
  let now = 1e12;
  const limiter = new si.Limiter({ now: () => now, max: 5 });
  for (let i = 0; i < si.FREE_FAILURES; i++)
    assert.equal(limiter.fail('a'), 0);
  assert.equal(limiter.fail('a'), 1);
  assert.equal(limiter.wait('a'), 1);
  assert.equal(limiter.wait('b'), 0, 'another address waits for nothing');
  now += 1000;
  assert.equal(limiter.wait('a'), 0);
  assert.equal(limiter.fail('a'), 2);
  assert.equal(limiter.fail('a'), 4);
  for (let i = 0; i < 20; i++)
    limiter.fail('a');
  assert.equal(limiter.wait('a'), si.MAX_WAIT_S, 'the wait has a ceiling');
  limiter.succeed('a');
  assert.equal(limiter.wait('a'), 0);
  for (let i = 0; i < 50; i++)
    limiter.fail(`k${i}`);
  assert.equal(limiter.entries.size, 5, 'the table is bounded');
  assert.ok(limiter.entries.has('k49') && !limiter.entries.has('k0'), 'the oldest go first');
  now += 3600 * 1000 + 1;
  assert.equal(limiter.wait('k49'), 0);
  assert.equal(limiter.entries.size, 0, 'an hour after the last failure they are forgotten');
});

// A stand-in for VS Code's handler: /version public, 403 without the
// token (cookie or tkn), 405 for other methods, else 200.
async function scratch(t, { basePath = '', password = null, cookieMaxAge = null, unix = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ovh-signin-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'connection-token'), `${TOKEN}\n`, { mode: 0o400 });
  const lines = [];
  if (password || cookieMaxAge) {
    fs.writeFileSync(path.join(dir, 'sign-in'), (cookieMaxAge ? `cookie-max-age=${cookieMaxAge}\n` : '') +
      (password ? `password-hash=${scryptHash(password)}\n` : ''), { mode: 0o400 });
  }
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET') {
      res.writeHead(405, { 'x-served-by': 'vscode' });
      return res.end(`Unsupported method ${req.method}`);
    }
    let p = req.url.split('?')[0];
    if (basePath && p.startsWith(basePath))
      p = p.slice(basePath.length) || '/';
    if (p === '/version') {
      res.writeHead(200, { 'x-served-by': 'vscode' });
      return res.end('0123456789abcdef0123456789abcdef01234567');
    }
    if (si.tokenState(req, TOKEN) !== 'valid') {
      res.writeHead(403, { 'x-served-by': 'vscode' });
      return res.end('Forbidden.');
    }
    res.writeHead(200, { 'x-served-by': 'vscode' });
    res.end('workbench');
  });
  const signIn = si.install(server, {
    argv: ['node', '/x/out/server-main.js', '--connection-token-file', path.join(dir, 'connection-token'),
      ...(basePath ? ['--server-base-path', `${basePath}/`] : [])],
    log: (line) => lines.push(line),
  });
  assert.ok(signIn, 'install() set the hook up');
  const where = unix ? { path: path.join(dir, 'http.sock') } : { port: 0, host: '127.0.0.1' };
  await new Promise((resolve) => server.listen(where, resolve));
  t.after(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  }));
  const request = (method, url, headers = {}, body = null) => new Promise((resolve, reject) => {
    const target = unix ? { socketPath: where.path } : { host: '127.0.0.1', port: server.address().port };
    const req = http.request({ ...target, method, path: url, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
  const navigate = (url, headers = {}) => request('GET', url, {
    'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', accept: 'text/html,*/*;q=0.8', ...headers });
  const post = (fields, headers = {}, url = `${basePath}/sign-in`) => request('POST', url, {
    'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', ...headers },
  new URLSearchParams(fields).toString());
  return { dir, signIn, lines, request, navigate, post };
}

const vscode = (r) => r.headers['x-served-by'] === 'vscode';

test('a navigation without the token gets the page (401, strict CSP); everything else VS Code\'s 403', async (t) => {
  const s = await scratch(t);
  let r = await s.navigate('/?folder=/home/a');
  assert.equal(r.status, 401);
  assert.ok(!vscode(r));
  assert.match(r.headers['content-type'], /^text\/html/);
  assert.equal(r.headers['content-security-policy'], si.CSP);
  assert.match(si.CSP, /default-src 'none'/);
  assert.doesNotMatch(si.CSP, /unsafe-inline|script-src/);
  assert.equal(r.headers['cache-control'], 'no-store');
  assert.equal(r.headers['x-frame-options'], 'DENY');
  assert.match(r.body, /<form method="post" action="\/sign-in">/);
  assert.match(r.body, /name="then" value="\/\?folder=%2Fhome%2Fa"/);
  assert.match(r.body, /<label for="secret">Connection token<\/label>/);
  assert.doesNotMatch(r.body, /<script|src=|href=/, 'self-contained, nothing to load');
  const style = /<style>([\s\S]*?)<\/style>/.exec(r.body)[1];
  assert.ok(si.CSP.includes(`'sha256-${crypto.createHash('sha256').update(style).digest('base64')}'`), 'the style\'s hash');
  r = await s.navigate('/', { accept: 'text/html' });
  assert.equal(r.status, 401);
  r = await s.request('GET', '/', { accept: '*/*' });
  assert.ok(vscode(r) && r.status === 403, 'curl: VS Code\'s 403');
  r = await s.request('GET', '/', { 'sec-fetch-mode': 'cors', accept: 'text/html' });
  assert.ok(vscode(r) && r.status === 403, 'XHR: VS Code\'s 403');
  r = await s.request('GET', '/stable-0123456789abcdef0123456789abcdef01234567/static/out/a.js', { 'sec-fetch-mode': 'no-cors' });
  assert.ok(vscode(r) && r.status === 403, 'a script: VS Code\'s 403');
  r = await s.request('GET', '/', { 'sec-fetch-mode': 'navigate', upgrade: 'websocket', connection: 'upgrade' });
  assert.ok(vscode(r), 'a WebSocket upgrade is not a navigation');
  r = await s.navigate('/version');
  assert.ok(vscode(r) && r.status === 200, 'public routes stay VS Code\'s');
  r = await s.navigate('/', { cookie: `vscode-tkn=${TOKEN}` });
  assert.ok(vscode(r) && r.status === 200, 'with the cookie: the workbench');
  r = await s.navigate(`/?tkn=${TOKEN}`);
  assert.ok(vscode(r) && r.status === 200, 'with the right ?tkn=: VS Code (its own cookie and redirect)');
  r = await s.request('PUT', '/', {});
  assert.ok(vscode(r) && r.status === 405);
});

test('a wrong ?tkn= or an old cookie: the page, saying so; the journal has the address only', async (t) => {
  const s = await scratch(t);
  let r = await s.navigate('/?tkn=wrong-token-value');
  assert.equal(r.status, 401);
  assert.match(r.body, /The link&#39;s token is not valid/);
  assert.match(r.body, /name="then" value="\/"/, 'the return path drops the wrong tkn');
  r = await s.navigate('/?tkn=wrong', { cookie: `vscode-tkn=${TOKEN}` });
  assert.equal(r.status, 401, 'VS Code would replace a good cookie with the wrong token');
  r = await s.navigate('/', { cookie: 'vscode-tkn=an-old-token' });
  assert.equal(r.status, 401);
  assert.match(r.body, /expired or the token changed/);
  assert.match(s.lines.join('\n'), /a link with a wrong token from 127\.0\.0\.1/);
  assert.doesNotMatch(s.lines.join('\n'), /wrong-token-value|an-old-token/);
});

test('the right token: VS Code\'s cookie and a 303 to the page asked for', async (t) => {
  const s = await scratch(t);
  const r = await s.post({ secret: TOKEN, then: '/?folder=/w' });
  assert.equal(r.status, 303);
  assert.equal(r.headers.location, '/?folder=%2Fw');
  assert.equal(r.headers['set-cookie'].length, 1);
  assert.equal(r.headers['set-cookie'][0], `vscode-tkn=${TOKEN}; Path=/; Max-Age=604800; SameSite=Lax`);
  assert.equal(r.headers['cache-control'], 'no-store');
  const w = await s.navigate('/?folder=/w', { cookie: `vscode-tkn=${TOKEN}` });
  assert.ok(vscode(w) && w.body === 'workbench');
  assert.match(s.lines.join('\n'), /<6>signin\.js: signed in from 127\.0\.0\.1 with the token/);
  const again = await s.navigate('/sign-in', { cookie: `vscode-tkn=${TOKEN}` });
  assert.equal(again.status, 303, 'signed in, the sign-in address leads home');
  assert.equal(again.headers.location, '/');
});

test('a wrong token: the page again (401), in the journal without the secret', async (t) => {
  const s = await scratch(t);
  const guess = `guess-${crypto.randomBytes(8).toString('hex')}`;
  const r = await s.post({ secret: guess, then: '/' });
  assert.equal(r.status, 401);
  assert.equal(r.headers['set-cookie'], undefined);
  assert.match(r.body, /That is not the connection token\./);
  assert.doesNotMatch(r.body, new RegExp(guess));
  const journal = s.lines.join('\n');
  assert.match(journal, /<4>signin\.js: sign-in failed from 127\.0\.0\.1 \(1 in a row\)/);
  assert.ok(!journal.includes(guess) && !journal.includes(TOKEN), 'no secret in the journal');
});

test('the password, when the administrator set one; the token still works', async (t) => {
  const s = await scratch(t, { password: PASSWORD, cookieMaxAge: 3600 });
  let r = await s.navigate('/');
  assert.match(r.body, /Password or connection token/);
  r = await s.post({ secret: 'not the password', then: '/' });
  assert.equal(r.status, 401);
  assert.match(r.body, /That is not the password or the connection token\./);
  r = await s.post({ secret: PASSWORD, then: '/x' });
  assert.equal(r.status, 303);
  assert.equal(r.headers.location, '/x');
  assert.equal(r.headers['set-cookie'][0], `vscode-tkn=${TOKEN}; Path=/; Max-Age=3600; SameSite=Lax`,
    'the cookie holds the token, VS Code\'s meaning, with the configured lifetime');
  assert.match(s.lines.join('\n'), /signed in from 127\.0\.0\.1 with the password/);
  assert.ok(!s.lines.join('\n').includes(PASSWORD));
  r = await s.post({ secret: TOKEN, then: '/' });
  assert.equal(r.status, 303);
});

test('the limiter: a growing wait per address (429, Retry-After); another address still signs in', async (t) => {
  const s = await scratch(t, { password: PASSWORD, unix: true });
  // Behind a proxy on the unix socket, the proxy's X-Forwarded-For entry
  // is the client.
  const attacker = { 'x-forwarded-for': '203.0.113.9' };
  for (let i = 1; i <= si.FREE_FAILURES; i++) {
    const r = await s.post({ secret: `guess ${i}`, then: '/' }, attacker);
    assert.equal(r.status, 401, `failure ${i} is free`);
  }
  let r = await s.post({ secret: 'guess 4', then: '/' }, attacker);
  assert.equal(r.status, 401);
  assert.equal(r.headers['retry-after'], '1');
  assert.match(r.body, /Try again in 1 s\./);
  r = await s.post({ secret: PASSWORD, then: '/' }, attacker);
  assert.equal(r.status, 429, 'while it waits, not even the right password is tried');
  assert.match(r.body, /Too many failed attempts from your address\. Try again in 1 s\./);
  assert.equal(r.headers['retry-after'], '1');
  r = await s.post({ secret: PASSWORD, then: '/' }, { 'x-forwarded-for': '198.51.100.20' });
  assert.equal(r.status, 303, 'another address is never locked out');
  await new Promise((resolve) => setTimeout(resolve, 1100));
  r = await s.post({ secret: 'guess 5', then: '/' }, attacker);
  assert.equal(r.headers['retry-after'], '2', 'the wait doubles');
  const journal = s.lines.join('\n');
  assert.match(journal, /sign-in failed from 203\.0\.113\.9 \(via the unix socket\) \(4 in a row; the next attempt waits 1 s\)/);
  assert.match(journal, /signed in from 198\.51\.100\.20 \(via the unix socket\) with the password/);
  assert.doesNotMatch(journal, /guess/);
});

test('BasePath: the page, the form and the cookie live under it', async (t) => {
  const s = await scratch(t, { basePath: '/u/alice' });
  let r = await s.navigate('/u/alice/?folder=/w');
  assert.equal(r.status, 401);
  assert.match(r.body, /action="\/u\/alice\/sign-in"/);
  assert.match(r.body, /name="then" value="\/u\/alice\/\?folder=%2Fw"/);
  r = await s.navigate('/u/alice/version');
  assert.ok(vscode(r) && r.status === 200);
  r = await s.post({ secret: TOKEN, then: '/u/alice/?folder=/w' });
  assert.equal(r.status, 303);
  assert.equal(r.headers.location, '/u/alice/?folder=%2Fw');
  assert.match(r.headers['set-cookie'][0], /; Path=\/u\/alice; /);
  r = await s.post({ secret: TOKEN, then: '/u/bob/' });
  assert.equal(r.headers.location, '/u/alice/', 'outside the base path: home');
  r = await s.post({ secret: TOKEN, then: '/' }, {}, '/sign-in');
  assert.ok(vscode(r) && r.status === 405, 'the sign-in address is under the base path only');
});

test('no open redirect: other origins and odd paths return home', async (t) => {
  const s = await scratch(t);
  for (const then of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', '']) {
    const r = await s.post({ secret: TOKEN, then });
    assert.equal(r.status, 303);
    assert.equal(r.headers.location, '/', then);
  }
});

test('malformed input: no form, a huge form, no secret, another site; nothing signed in', async (t) => {
  const s = await scratch(t);
  let r = await s.request('POST', '/sign-in', { 'content-type': 'application/json' }, JSON.stringify({ secret: TOKEN }));
  assert.equal(r.status, 400);
  assert.equal(r.headers['set-cookie'], undefined);
  r = await s.request('POST', '/sign-in', { 'content-type': 'application/x-www-form-urlencoded' }, `secret=${'a'.repeat(8192)}`);
  assert.equal(r.status, 413);
  r = await s.post({ then: '/' });
  assert.equal(r.status, 401);
  assert.match(r.body, /Enter the connection token or the password/);
  r = await s.post({ secret: 'x'.repeat(2000), then: '/' });
  assert.equal(r.status, 401);
  r = await s.post({ secret: TOKEN, then: '/' }, { 'sec-fetch-site': 'cross-site' });
  assert.equal(r.status, 403, 'another site\'s form');
  assert.equal(r.headers['set-cookie'], undefined);
  r = await s.request('POST', '/sign-in', { 'content-type': 'application/x-www-form-urlencoded' }, '%%%&&&=secret=');
  assert.equal(r.status, 401);
  r = await s.navigate('/%zz%00<script>');
  assert.equal(r.status, 401);
  assert.doesNotMatch(r.body, /<script>/, 'the return path is escaped in the page');
  assert.equal(s.lines.filter((l) => l.startsWith('<3>')).length, 0);
});

test('install(): nothing without a token; a sign-in file it cannot trust is an error', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ovh-signin-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const server = http.createServer();
  assert.equal(si.install(server, { argv: ['node', 'server-main.js', '--without-connection-token'] }), null);
  assert.equal(si.install(server, { argv: ['node', 'server-main.js'] }), null);
  fs.writeFileSync(path.join(dir, 'connection-token'), `${TOKEN}\n`);
  fs.writeFileSync(path.join(dir, 'sign-in'), 'password-hash=$6$not$scrypt\n');
  assert.throws(() => si.install(server, { argv: ['node', 'server-main.js', '--connection-token-file', path.join(dir, 'connection-token')] }),
    /unexpected line "password-hash=\.\.\."/);
  assert.ok(!String(fs.readFileSync(path.join(dir, 'sign-in'))).includes('...'), 'the message never quotes the value');
  assert.deepEqual(si.readSettings(path.join(dir, 'none')), { cookieMaxAge: 604800, passwordHash: null });
});
