'use strict';
// src/static-compress.js with node's test runner: the pure parts (which
// encoding, which file, which token), then the hook on a real http.Server
// in front of a stand-in for VS Code's handler, over a scratch server tree
// and cache: what is answered compressed, with which headers and bytes,
// and everything that must fall through to VS Code unchanged.
//
//   node --test tests/unit/test-static-compress.js      (meson: the unit suite)

const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const test = require('node:test');
const zlib = require('node:zlib');

const src = process.env.OVH_SOURCE_DIR || path.join(__dirname, '..', '..');
const sc = require(path.join(src, 'src', 'static-compress.js'));

const COMMIT = '53c2f3253bcf0123456789abcdef0123456789ab';
const TOKEN = 'a'.repeat(64);
const BIG = `// workbench\n${'function f(x) { return x * 2; }\n'.repeat(2000)}`;

test('chooseEncoding: brotli first, q=0 refuses, * allows, none is null', () => {
  assert.equal(sc.chooseEncoding('gzip, deflate, br, zstd'), 'br');
  assert.equal(sc.chooseEncoding('gzip, deflate'), 'gzip');
  assert.equal(sc.chooseEncoding('br;q=0, gzip'), 'gzip');
  assert.equal(sc.chooseEncoding('br;q=0, gzip;q=0'), null);
  assert.equal(sc.chooseEncoding('*'), 'br');
  assert.equal(sc.chooseEncoding('*, br;q=0'), 'gzip');
  assert.equal(sc.chooseEncoding('identity'), null);
  assert.equal(sc.chooseEncoding(''), null);
  assert.equal(sc.chooseEncoding(undefined), null);
});

test('staticPath: VS Code\'s static route, with a base path, never out of the root', () => {
  const o = { basePath: undefined, productPath: `/stable-${COMMIT}` };
  assert.equal(sc.staticPath(`/stable-${COMMIT}/static/out/vs/a.js`, o), 'out/vs/a.js');
  assert.equal(sc.staticPath(`/stable-${COMMIT}/static/out/vs/a.js?x=1#y`, o), 'out/vs/a.js');
  assert.equal(sc.staticPath('/static/out/vs/a.js', o), 'out/vs/a.js', 'VS Code also serves /static/ without the product path');
  assert.equal(sc.staticPath(`/stable-${COMMIT}/static/out/vs/%61.js`, o), 'out/vs/a.js');
  const based = { basePath: '/u/alice', productPath: `/stable-${COMMIT}` };
  assert.equal(sc.staticPath(`/u/alice/stable-${COMMIT}/static/out/b.css`, based), 'out/b.css');
  for (const bad of [`/stable-${COMMIT}/static/../product.json`, `/stable-${COMMIT}/static/%2e%2e/x.js`,
    `/stable-${COMMIT}/static/out/%2e%2e/%2e%2e/etc/passwd`, `/stable-${COMMIT}/static//etc/passwd`,
    `/stable-${COMMIT}/static/out\\x.js`, `/stable-${COMMIT}/static/%00.js`, `/stable-${COMMIT}/static/%zz`,
    `/stable-${COMMIT}/static/`, '/version', '/', `/stable-${COMMIT}/vscode-remote-resource?path=/etc/passwd`,
    'http://x/static/a.js']) {
    assert.equal(sc.staticPath(bad, o), null, bad);
  }
});

test('hasToken: the tkn parameter or the vscode-tkn cookie, as VS Code checks', () => {
  const req = (url, cookie) => ({ url, headers: cookie ? { cookie } : {} });
  assert.equal(sc.hasToken(req(`/static/a.js?tkn=${TOKEN}`), TOKEN), true);
  assert.equal(sc.hasToken(req('/static/a.js', `x=1; vscode-tkn=${TOKEN}`), TOKEN), true);
  assert.equal(sc.hasToken(req('/static/a.js', `vscode-tkn=${'b'.repeat(64)}`), TOKEN), false);
  assert.equal(sc.hasToken(req('/static/a.js?tkn=short'), TOKEN), false);
  assert.equal(sc.hasToken(req('/static/a.js', `other-tkn=${TOKEN}`), TOKEN), false);
  assert.equal(sc.hasToken(req('/static/a.js'), TOKEN), false);
  assert.equal(sc.hasToken(req('/static/a.js'), null), true, 'a server without a token');
});

// A scratch server tree (ROOT/out/...), its token file and a home, and a
// real HTTP server whose handler stands for VS Code's: 403 without the
// token, else the file uncompressed with the header x-served-by: vscode.
async function scratch(t, extraArgs = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ovh-static-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const root = path.join(dir, 'root');
  fs.mkdirSync(path.join(root, 'out', 'vs'), { recursive: true });
  fs.writeFileSync(path.join(root, 'product.json'), JSON.stringify({ quality: 'stable', commit: COMMIT }));
  fs.writeFileSync(path.join(root, 'out', 'server-main.js'), '// the server\n');
  fs.writeFileSync(path.join(root, 'out', 'vs', 'workbench.js'), BIG);
  fs.writeFileSync(path.join(root, 'out', 'vs', 'workbench.css'), `.a { color: red; }\n`.repeat(200));
  fs.writeFileSync(path.join(root, 'out', 'vs', 'small.js'), '// under 1 KiB\n');
  fs.writeFileSync(path.join(root, 'out', 'vs', 'icon.png'), Buffer.alloc(4096, 7));
  // Node's side (a layer node/ and the server's entry points): never sent
  // to a browser, never compressed (the counts below leave them out).
  fs.mkdirSync(path.join(root, 'out', 'vs', 'base', 'node'), { recursive: true });
  fs.writeFileSync(path.join(root, 'out', 'vs', 'base', 'node', 'pty.js'), BIG);
  fs.writeFileSync(path.join(root, 'out', 'server-cli.js'), BIG);
  fs.writeFileSync(path.join(dir, 'token'), `${TOKEN}\n`);
  fs.mkdirSync(path.join(dir, 'home'));
  const server = http.createServer((req, res) => {
    if (!sc.hasToken(req, TOKEN)) {
      res.writeHead(403, { 'x-served-by': 'vscode' });
      return res.end('Forbidden.');
    }
    const rel = sc.staticPath(req.url, { productPath: `/stable-${COMMIT}` });
    if (!rel || !fs.existsSync(path.join(root, rel))) {
      res.writeHead(404, { 'x-served-by': 'vscode' });
      return res.end('Not found.');
    }
    res.writeHead(200, { 'x-served-by': 'vscode', 'Cache-Control': 'public, max-age=31536000' });
    res.end(fs.readFileSync(path.join(root, rel)));
  });
  const lines = [];
  const compressor = sc.install(server, {
    argv: ['node', path.join(root, 'out', 'server-main.js'), '--connection-token-file', path.join(dir, 'token'), ...extraArgs],
    env: { HOME: path.join(dir, 'home') },
    log: (line) => lines.push(line),
  });
  assert.ok(compressor, 'install() set the hook up');
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  }));
  await compressor.pass;
  const get = (url, headers = {}) => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: server.address().port, path: url, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
  return { dir, root, compressor, lines, get, cache: path.join(dir, 'home', '.cache', 'openvscode-host', 'static', `stable-${COMMIT}`) };
}

const url = (rel) => `/stable-${COMMIT}/static/${rel}`;
const cookie = { cookie: `vscode-tkn=${TOKEN}` };

test('brotli for a browser that takes it: VS Code\'s headers, plus the encoding, Vary and an ETag', async (t) => {
  const s = await scratch(t);
  assert.match(s.lines.join('\n'), /2 of 2 static files served compressed \(0 from the cache, 2 compressed now/);
  const r = await s.get(url('out/vs/workbench.js'), { ...cookie, 'accept-encoding': 'gzip, deflate, br' });
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-served-by'], undefined, 'answered by the hook');
  assert.equal(r.headers['content-encoding'], 'br');
  assert.equal(r.headers['content-type'], 'text/javascript');
  assert.equal(r.headers['cache-control'], 'public, max-age=31536000');
  assert.equal(r.headers.vary, 'Accept-Encoding');
  assert.match(r.headers.etag, /^"[A-Za-z0-9_-]{22}-br"$/);
  assert.equal(Number(r.headers['content-length']), r.body.length);
  assert.equal(zlib.brotliDecompressSync(r.body).toString(), BIG);
  assert.ok(r.body.length < BIG.length / 10, `compressed ${r.body.length} of ${BIG.length} bytes`);
  const css = await s.get(url('out/vs/workbench.css') + `?tkn=${TOKEN}`, { 'accept-encoding': 'br' });
  assert.equal(css.headers['content-type'], 'text/css');
  assert.equal(css.headers['content-encoding'], 'br');
});

test('gzip when brotli is not taken; 304 for the same ETag', async (t) => {
  const s = await scratch(t);
  const r = await s.get(url('out/vs/workbench.js'), { ...cookie, 'accept-encoding': 'gzip' });
  assert.equal(r.headers['content-encoding'], 'gzip');
  assert.equal(zlib.gunzipSync(r.body).toString(), BIG);
  const again = await s.get(url('out/vs/workbench.js'), { ...cookie, 'accept-encoding': 'gzip', 'if-none-match': r.headers.etag });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
  const br = await s.get(url('out/vs/workbench.js'), { ...cookie, 'accept-encoding': 'br', 'if-none-match': r.headers.etag });
  assert.equal(br.status, 200, 'the gzip ETag does not match the brotli form');
});

test('everything else is VS Code\'s, unchanged', async (t) => {
  const s = await scratch(t);
  const vscode = (r) => r.headers['x-served-by'] === 'vscode';
  let r = await s.get(url('out/vs/workbench.js'), { 'accept-encoding': 'br' });
  assert.ok(vscode(r) && r.status === 403, 'no token: VS Code refuses, the hook never answers');
  r = await s.get(url('out/vs/workbench.js'), { 'accept-encoding': 'br', cookie: `vscode-tkn=${'b'.repeat(64)}` });
  assert.ok(vscode(r) && r.status === 403, 'a wrong token');
  r = await s.get(url('out/vs/workbench.js'), { ...cookie });
  assert.ok(vscode(r) && r.headers['content-encoding'] === undefined && r.body.toString() === BIG, 'no Accept-Encoding');
  r = await s.get(url('out/vs/small.js'), { ...cookie, 'accept-encoding': 'br' });
  assert.ok(vscode(r) && r.status === 200, 'a file under 1 KiB');
  r = await s.get(url('out/vs/icon.png'), { ...cookie, 'accept-encoding': 'br' });
  assert.ok(vscode(r) && r.status === 200, 'a type the hook does not compress');
  r = await s.get(url('out/vs/nosuch.js'), { ...cookie, 'accept-encoding': 'br' });
  assert.ok(vscode(r), 'an unknown path');
  r = await s.get('/version', { ...cookie, 'accept-encoding': 'br' });
  assert.ok(vscode(r), 'another route');
  r = await s.get(url('out/../out/vs/workbench.js').replace('/out/../', '/out/%2e%2e/'), { ...cookie, 'accept-encoding': 'br' });
  assert.equal(r.headers['content-encoding'], 'br', 'a dot-dot that stays inside names the same file');
});

test('a missing cache file: VS Code serves it, uncompressed', async (t) => {
  const s = await scratch(t);
  fs.rmSync(path.join(s.cache, 'out', 'vs', 'workbench.js.br'));
  const r = await s.get(url('out/vs/workbench.js'), { ...cookie, 'accept-encoding': 'br' });
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-served-by'], 'vscode');
  assert.equal(r.body.toString(), BIG);
  const next = await s.get(url('out/vs/workbench.js'), { ...cookie, 'accept-encoding': 'br' });
  assert.equal(next.headers['x-served-by'], 'vscode', 'and goes on doing so');
});

test('the cache is reused by the next start, and a changed file is compressed again', async (t) => {
  const s = await scratch(t);
  const again = new sc.StaticCompressor({ root: s.root, cacheDir: s.cache, token: TOKEN, productPath: `/stable-${COMMIT}` });
  let r = await again.precompress();
  assert.deepEqual([r.files, r.cached, r.made], [2, 2, 0]);
  fs.writeFileSync(path.join(s.root, 'out', 'vs', 'workbench.css'), `.b { color: blue; }\n`.repeat(300));
  const later = new sc.StaticCompressor({ root: s.root, cacheDir: s.cache, token: TOKEN, productPath: `/stable-${COMMIT}` });
  r = await later.precompress();
  assert.deepEqual([r.cached, r.made], [1, 1]);
  const entry = later.ready.get('out/vs/workbench.css');
  assert.equal(zlib.brotliDecompressSync(fs.readFileSync(entry.br.file)).toString(), `.b { color: blue; }\n`.repeat(300));
});

test('the caches of the two versions used last are kept, older ones removed', async (t) => {
  const s = await scratch(t);
  const base = path.dirname(s.cache);
  const old = ['stable-1111111111111111111111111111111111111111', 'stable-2222222222222222222222222222222222222222',
    'insider-3333333333333333333333333333333333333333'];
  old.forEach((name, i) => {
    fs.mkdirSync(path.join(base, name, 'out'), { recursive: true });
    const when = new Date(Date.now() - (i + 1) * 3600e3);
    fs.utimesSync(path.join(base, name), when, when);
  });
  fs.mkdirSync(path.join(base, 'not-a-version'));
  const again = new sc.StaticCompressor({ root: s.root, cacheDir: s.cache, token: TOKEN, productPath: `/stable-${COMMIT}` });
  const r = await again.precompress();
  assert.deepEqual(r.pruned.sort(), [old[1], old[2]].sort());
  assert.deepEqual(fs.readdirSync(base).sort(), [old[0], 'not-a-version', `stable-${COMMIT}`].sort());
});

test('the cache is the account\'s alone (0700 directories, 0600 files)', async (t) => {
  const s = await scratch(t);
  assert.equal(fs.statSync(s.cache).mode & 0o777, 0o700);
  assert.equal(fs.statSync(path.join(s.cache, 'out', 'vs', 'workbench.js.br')).mode & 0o777, 0o600);
});

test('install() stays out of the way when it lacks what it needs', () => {
  const server = http.createServer();
  assert.equal(sc.install(server, { argv: ['node', '/x/y.js'], env: { HOME: '/tmp' }, log: () => {} }), null);
  assert.equal(sc.install(server, { argv: ['node', '/nonexistent/out/server-main.js'], env: { HOME: '/tmp' }, log: () => {} }), null);
  assert.equal(sc.install(server, { argv: ['node', '/x/out/server-main.js'], env: { VSCODE_DEV: '1', HOME: '/tmp' }, log: () => {} }), null);
  assert.equal(server.listenerCount('request'), 0);
});
