'use strict';
// signin.js: a sign-in page instead of VS Code's bare "403 Forbidden".
//
// VS Code's server lets a browser in with its connection token, given once
// as /?tkn=TOKEN and then kept in the cookie vscode-tkn. Without it, every
// request gets "Forbidden." in plain text. sd-listen.js hands this module
// VS Code's HTTP server; install() puts a hook in front of VS Code's
// request handler that answers two kinds of request and passes on all
// others unchanged:
//
//   a browser's navigation (GET, Sec-Fetch-Mode: navigate, or Accept:
//   text/html from a browser without Fetch Metadata) that VS Code would
//   refuse for want of a token: the sign-in page, status 401;
//
//   POST [BASE]/sign-in (VS Code answers every POST with 405): the token
//   or the password the administrator set. Right: VS Code's own cookie,
//   holding the token, and a 303 back to the page asked for. Wrong: the
//   page again (401), and after a few failures a growing wait per client
//   address (429, "try again in N s").
//
// The hook never lets anything through that VS Code would refuse: it
// answers only with its own page or VS Code's cookie, whose value is the
// token, which VS Code checks again on every request. Requests other than
// navigations (scripts, XHR, WebSockets) keep VS Code's 403.
//
// What the launcher decided reaches this module in a file beside the
// server's token file (never argv or the environment): `sign-in`, lines
// of KEY=VALUE, 0400 and the account's, written at every start:
//
//   cookie-max-age=SECONDS      [Auth] CookieLifetime= (default 7 days)
//   password-hash=$7$...        the password's crypt(5) scrypt hash, if set
//
// No dependencies; Node 18 to 24. See docs/sd-listen.md and docs/SECURITY.md.

const crypto = require('crypto');
const fs = require('fs');
const net = require('net');
const path = require('path');

// VS Code's names (server-main.js of 1.100 and 1.139: the cookie module's
// parse of the Cookie header, the first vscode-tkn wins; query tkn).
const COOKIE = 'vscode-tkn';
const QUERY = 'tkn';
const SIGN_IN = '/sign-in';
// VS Code's own lifetime for the cookie it sets from ?tkn=.
const DEFAULT_COOKIE_MAX_AGE = 7 * 24 * 3600;
// Routes VS Code serves without a token: never a sign-in page there.
const PUBLIC_ROUTES = new Set(['/version', '/delay-shutdown']);
// A form with a token or password is small; anything larger is not one.
const BODY_MAX = 4096;
const BODY_TIMEOUT_MS = 10000;
const SECRET_MAX = 1024;
// The limiter: a few free failures per address, then a wait that doubles
// up to a quarter of an hour. An address is forgotten an hour after its
// last failure; the table holds at most TABLE_MAX addresses (the oldest
// failure goes first), a few MB at most.
const FREE_FAILURES = 3;
const MAX_WAIT_S = 15 * 60;
const FORGET_AFTER_MS = 3600 * 1000;
const TABLE_MAX = 10000;
// scrypt runs on node's thread pool, which VS Code needs for its files:
// at most this many checks at once; more get "busy, try again".
const MAX_VERIFYING = 2;
// A hash's cost is the administrator's choice, but a hash that would take
// more memory than this is refused (the launcher refuses it at start too).
const SCRYPT_MAXMEM = 256 * 1024 * 1024;

// --- crypt(5) scrypt, "$7$" (libxcrypt; mkpasswd -m scrypt) ---------------
// $7$ N r p SALT $ HASH: N one character (log2), r and p five each (30-bit
// little-endian, 6 bits a character), SALT the setting's text itself, used
// as the salt bytes, HASH 32 bytes in the same little-endian base64.
const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function decode64Uint(text) {
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const v = ITOA64.indexOf(text[i]);
    if (v < 0)
      return -1;
    value += v * 2 ** (6 * i);
  }
  return value;
}

function encode64(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    let value = bytes[i] | ((bytes[i + 1] ?? 0) << 8) | ((bytes[i + 2] ?? 0) << 16);
    const chars = i + 2 < bytes.length ? 4 : i + 1 < bytes.length ? 3 : 2;
    for (let j = 0; j < chars; j++) {
      out += ITOA64[value & 63];
      value >>= 6;
    }
  }
  return out;
}

// parseScrypt HASH: {N, r, p, salt, hash} or null when HASH is not a
// complete $7$ hash within the bounds docs/SECURITY.md gives.
function parseScrypt(text) {
  const m = typeof text === 'string' && /^\$7\$([./0-9A-Za-z])([./0-9A-Za-z]{5})([./0-9A-Za-z]{5})([^$:\s]{1,64})\$([./0-9A-Za-z]{43})$/.exec(text);
  if (!m)
    return null;
  const log2N = ITOA64.indexOf(m[1]);
  const r = decode64Uint(m[2]);
  const p = decode64Uint(m[3]);
  if (log2N < 10 || log2N > 22 || r < 1 || p < 1 || p > 16 || 128 * r * 2 ** log2N > SCRYPT_MAXMEM)
    return null;
  return { N: 2 ** log2N, r, p, salt: m[4], hash: m[5] };
}

// verifyPassword SECRET PARSED: resolves true when SECRET hashes to it.
function verifyPassword(secret, parsed) {
  return new Promise((resolve) => {
    crypto.scrypt(Buffer.from(secret, 'utf8'), Buffer.from(parsed.salt, 'utf8'), 32,
      { N: parsed.N, r: parsed.r, p: parsed.p, maxmem: SCRYPT_MAXMEM + 1024 * 1024 }, (err, key) => {
        if (err)
          return resolve(false);
        resolve(sameSecret(encode64(key), parsed.hash));
      });
  });
}

// Timing-safe: digests of equal length, whatever the lengths given.
function sameSecret(a, b) {
  const x = crypto.createHash('sha256').update(String(a)).digest();
  const y = crypto.createHash('sha256').update(String(b)).digest();
  return crypto.timingSafeEqual(x, y);
}

// --- requests --------------------------------------------------------------

// The first value of each cookie, as VS Code's cookie module reads the
// header (0.7.2: first wins, quotes stripped, percent-decoded when valid).
function parseCookies(header) {
  const cookies = new Map();
  if (typeof header !== 'string')
    return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0)
      continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      value = value.slice(1, -1);
    try {
      value = decodeURIComponent(value);
    } catch (e) {
      // kept as it is, like the cookie module
    }
    if (name && !cookies.has(name))
      cookies.set(name, value);
  }
  return cookies;
}

function splitUrl(url) {
  const text = typeof url === 'string' ? url : '';
  const hash = text.indexOf('#');
  const noHash = hash >= 0 ? text.slice(0, hash) : text;
  const q = noHash.indexOf('?');
  return { pathname: q >= 0 ? noHash.slice(0, q) : noHash, query: q >= 0 ? noHash.slice(q + 1) : '' };
}

// tokenState REQ TOKEN: 'valid' when VS Code would let the request in
// (one tkn parameter or else the vscode-tkn cookie holds the token),
// 'wrong' when a tkn parameter or cookie is there but is not the token,
// 'none' when there is neither.
function tokenState(req, token) {
  const values = new URLSearchParams(splitUrl(req.url).query).getAll(QUERY);
  if (values.length === 1 && sameSecret(values[0], token))
    return 'valid';
  const cookie = parseCookies(req.headers.cookie).get(COOKIE);
  // A wrong ?tkn= next to a good cookie: VS Code would replace the cookie
  // with the wrong value (it sets it from ?tkn= unchecked). The page says so.
  if (values.length === 0 && cookie !== undefined && sameSecret(cookie, token))
    return 'valid';
  return values.length > 0 || cookie !== undefined ? 'wrong' : 'none';
}

// A browser loading a page: Fetch Metadata says so (every current
// browser), or, without it, an Accept that asks for HTML first. curl, the
// workbench's XHRs and WebSockets are not navigations.
function isNavigation(req) {
  if (req.method !== 'GET' || req.headers.upgrade)
    return false;
  const mode = req.headers['sec-fetch-mode'];
  if (mode !== undefined)
    return mode === 'navigate';
  const accept = req.headers.accept;
  return typeof accept === 'string' && /^\s*text\/html\b/i.test(accept);
}

// The path VS Code routes on: the base path comes off as VS Code takes it
// off (a plain prefix), then /QUALITY-COMMIT.
function routePath(pathname, basePath) {
  let p = pathname;
  if (basePath && p.startsWith(basePath))
    p = p.slice(basePath.length) || '/';
  const product = /^\/[a-z0-9-]+-[0-9a-f]{7,64}(\/.*)$/.exec(p);
  return product ? product[1] : p;
}

// safeReturn THEN BASEPATH: where to send the browser after signing in: a
// path of this server under the base path, with its query but without a
// tkn parameter (VS Code would set its cookie from it). Anything else
// (another origin, //host, a backslash, a path outside the base path) is
// the base path itself: no open redirect.
function safeReturn(then, basePath) {
  const home = `${basePath || ''}/`;
  if (typeof then !== 'string' || then.length > 2048 || !then.startsWith('/') || then.startsWith('//') ||
      /[\\\0-\x1f\x7f]/.test(then))
    return home;
  let url;
  try {
    url = new URL(then, 'http://sign-in.invalid');
  } catch (e) {
    return home;
  }
  if (url.origin !== 'http://sign-in.invalid')
    return home;
  if (basePath && url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`))
    return home;
  if (url.pathname === `${basePath || ''}${SIGN_IN}`)
    return home;
  url.searchParams.delete(QUERY);
  const search = url.searchParams.toString();
  return `${url.pathname}${search ? `?${search}` : ''}`;
}

// The address the limiter counts: the peer's. A proxy on this host that
// reaches the server through a unix socket (contrib/: nginx, Caddy) is the
// only peer of every client; from such a peer alone the rightmost
// X-Forwarded-For entry (the one the proxy added) is taken instead, since
// only who may open the socket (its mode) can send one. A loopback TCP
// peer is a local user as much as a proxy: its header is not believed.
// IPv6 addresses count by their /64, which one host usually owns whole.
function clientAddress(req) {
  const socket = req.socket || {};
  let address = socket.remoteAddress;
  let via = null;
  if (address === undefined && typeof req.headers['x-forwarded-for'] === 'string') {
    const forwarded = req.headers['x-forwarded-for'].split(',').map((s) => s.trim()).filter(Boolean).pop();
    if (forwarded && net.isIP(forwarded)) {
      address = forwarded;
      via = 'unix socket';
    }
  }
  if (address === undefined)
    return { key: 'unix socket', shown: 'the unix socket' };
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped)
    address = mapped[1];
  const shown = via ? `${address} (via the ${via})` : address;
  if (net.isIPv6(address))
    return { key: `${ipv6Prefix64(address)}/64`, shown };
  return { key: address, shown };
}

function ipv6Prefix64(address) {
  const noZone = address.split('%')[0];
  const [head, tail] = noZone.includes('::') ? noZone.split('::') : [noZone, null];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === null ? left : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return groups.slice(0, 4).map((g) => (parseInt(g, 16) || 0).toString(16)).join(':') + '::';
}

// --- the limiter -------------------------------------------------------------

class Limiter {
  constructor({ now = () => Date.now(), max = TABLE_MAX } = {}) {
    this.now = now;
    this.max = max;
    // key -> { failures, until, last }; in the order of the last failure,
    // so the ones to forget are always at the front.
    this.entries = new Map();
  }

  // Seconds KEY must still wait before it may try again (0: now).
  wait(key) {
    this.forgetOld();
    const entry = this.entries.get(key);
    if (!entry)
      return 0;
    return Math.max(0, Math.ceil((entry.until - this.now()) / 1000));
  }

  // One more failure for KEY; returns the seconds it must now wait.
  fail(key) {
    this.forgetOld();
    const now = this.now();
    const entry = this.entries.get(key) || { failures: 0, until: 0, last: 0 };
    this.entries.delete(key);
    entry.failures++;
    entry.last = now;
    const over = entry.failures - FREE_FAILURES;
    const waitS = over > 0 ? Math.min(MAX_WAIT_S, 2 ** (over - 1)) : 0;
    entry.until = now + waitS * 1000;
    while (this.entries.size >= this.max)
      this.entries.delete(this.entries.keys().next().value);
    this.entries.set(key, entry);
    return waitS;
  }

  failures(key) {
    const entry = this.entries.get(key);
    return entry ? entry.failures : 0;
  }

  succeed(key) {
    this.entries.delete(key);
  }

  forgetOld() {
    const limit = this.now() - FORGET_AFTER_MS;
    for (const [key, entry] of this.entries) {
      if (entry.last > limit || entry.until > this.now())
        break;
      this.entries.delete(key);
    }
  }
}

// --- the page ----------------------------------------------------------------

const CSS = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center; background: Canvas; color: CanvasText; }
main { width: min(24rem, 90vw); padding: 2rem; border: 1px solid GrayText; border-radius: 8px; }
h1 { font-size: 1.3rem; margin: 0 0 1rem; }
label { display: block; margin-bottom: .4rem; }
input[type=password] { box-sizing: border-box; width: 100%; padding: .5rem; font: inherit; }
button { margin-top: 1rem; padding: .5rem 1.2rem; font: inherit; }
.message { padding: .6rem; margin-bottom: 1rem; border-left: 4px solid #c42b1c; }
.hint { font-size: .85rem; opacity: .8; margin-top: 1.2rem; }
`;
const CSS_HASH = crypto.createHash('sha256').update(CSS).digest('base64');
// No script at all; the style only by its hash; the form only to this
// server; never in a frame; nothing fetched.
const CSP = `default-src 'none'; style-src 'sha256-${CSS_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function pageHtml({ action, then, password, message }) {
  const what = password ? 'Password or connection token' : 'Connection token';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Sign in · VS Code</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>Sign in to VS Code</h1>
${message ? `<p class="message" role="alert">${escapeHtml(message)}</p>\n` : ''}<form method="post" action="${escapeHtml(action)}">
<label for="secret">${what}</label>
<input type="password" id="secret" name="secret" autocomplete="current-password" required autofocus maxlength="${SECRET_MAX}">
<input type="hidden" name="then" value="${escapeHtml(then)}">
<button type="submit">Sign in</button>
</form>
<p class="hint">The administrator gets the token with <code>openvscodectl url</code> on the server${password ? '' : ', or sets a password with <code>openvscodectl password set</code>'}.</p>
</main>
</body>
</html>
`;
}

// --- the hook ------------------------------------------------------------------

class SignIn {
  // token: the connection token; passwordHash: a $7$ hash or null;
  // cookieMaxAge: seconds; basePath: VS Code's --server-base-path without
  // the trailing slash; log: one line of the journal.
  constructor({ token, passwordHash = null, cookieMaxAge = DEFAULT_COOKIE_MAX_AGE, basePath = '', log, now }) {
    this.token = token;
    this.password = passwordHash ? parseScrypt(passwordHash) : null;
    if (passwordHash && !this.password)
      throw new Error('the password hash is not a $7$ (scrypt) hash within bounds');
    this.cookieMaxAge = cookieMaxAge;
    this.basePath = basePath || '';
    this.log = log || (() => {});
    this.limiter = new Limiter({ now });
    this.verifying = 0;
  }

  get action() {
    return `${this.basePath}${SIGN_IN}`;
  }

  // handle REQ RES: true when the hook answers (or will answer) REQ.
  handle(req, res) {
    const { pathname } = splitUrl(req.url);
    if (req.method === 'POST' && pathname === this.action) {
      this.signIn(req, res).catch((e) => {
        this.log(`<3>signin.js: ${e.message}`);
        if (!res.headersSent)
          this.answer(res, 500, { then: `${this.basePath}/`, message: 'Something went wrong; try again.' });
        else
          res.destroy();
      });
      return true;
    }
    if (!isNavigation(req) || PUBLIC_ROUTES.has(routePath(pathname, this.basePath)))
      return false;
    const state = tokenState(req, this.token);
    if (state === 'valid' && pathname === this.action) {
      // Signed in already (a reload of the page a failed attempt left
      // in the address bar): VS Code has nothing there.
      res.writeHead(303, { 'Location': `${this.basePath}/`, 'Cache-Control': 'no-store', 'Content-Length': 0 });
      res.end();
      return true;
    }
    if (state === 'valid')
      return false;
    const then = safeReturn(req.url, this.basePath);
    let message = null;
    if (new URLSearchParams(splitUrl(req.url).query).has(QUERY)) {
      this.log(`<4>signin.js: a link with a wrong token from ${clientAddress(req).shown}`);
      message = 'The link\'s token is not valid. Sign in below.';
    } else if (state === 'wrong') {
      message = 'Your sign-in has expired or the token changed. Sign in again.';
    }
    this.answer(res, 401, { then, message });
    return true;
  }

  answer(res, status, { then, message, retryAfter }) {
    const body = pageHtml({ action: this.action, then, password: this.password !== null, message });
    const headers = {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'Content-Security-Policy': CSP,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
    };
    if (retryAfter)
      headers['Retry-After'] = String(retryAfter);
    res.writeHead(status, headers);
    res.end(body);
  }

  plain(res, status, text) {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(`${text}\n`);
  }

  async signIn(req, res) {
    const home = `${this.basePath}/`;
    // Another site's form posting here (login CSRF): browsers say so.
    if (req.headers['sec-fetch-site'] === 'cross-site')
      return this.plain(res, 403, 'Sign-in from another site refused.');
    const type = String(req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      req.resume();
      return this.answer(res, 400, { then: home, message: 'The sign-in form was not sent as a form. Try again.' });
    }
    const client = clientAddress(req);
    const waitS = this.limiter.wait(client.key);
    if (waitS > 0) {
      req.resume();
      return this.answer(res, 429, { then: home, retryAfter: waitS,
        message: `Too many failed attempts from your address. Try again in ${waitS} s.` });
    }
    let body;
    try {
      body = await readBody(req);
    } catch (e) {
      res.shouldKeepAlive = false;
      return this.plain(res, e.status || 400, e.message);
    }
    const form = new URLSearchParams(body);
    const then = safeReturn(form.get('then'), this.basePath);
    const secret = form.get('secret');
    if (!secret || secret.length > SECRET_MAX)
      return this.answer(res, 401, { then, message: 'Enter the connection token or the password.' });
    let how = null;
    if (sameSecret(secret, this.token)) {
      how = 'the token';
    } else if (this.password) {
      if (this.verifying >= MAX_VERIFYING)
        return this.answer(res, 503, { then, retryAfter: 1, message: 'The server is busy. Try again in 1 s.' });
      this.verifying++;
      try {
        if (await verifyPassword(secret, this.password))
          how = 'the password';
      } finally {
        this.verifying--;
      }
    }
    if (!how) {
      const next = this.limiter.fail(client.key);
      const failures = this.limiter.failures(client.key);
      this.log(`<4>signin.js: sign-in failed from ${client.shown} (${failures} in a row` +
        `${next ? `; the next attempt waits ${next} s` : ''})`);
      return this.answer(res, 401, { then, retryAfter: next || undefined,
        message: `That is not the ${this.password ? 'password or the ' : ''}connection token.` +
          (next ? ` Try again in ${next} s.` : '') });
    }
    this.limiter.succeed(client.key);
    this.log(`<6>signin.js: signed in from ${client.shown} with ${how}`);
    // VS Code's cookie, as VS Code sets it from ?tkn= (SameSite=Lax: a
    // link from elsewhere still opens the IDE), with its lifetime from
    // [Auth] CookieLifetime=. Not HttpOnly: the workbench reads the token
    // from document.cookie for its WebSocket (1.100 and 1.139). Secure
    // only where the browser came over TLS, or it would drop the cookie.
    const cookie = [`${COOKIE}=${this.token}`, `Path=${this.basePath || '/'}`, `Max-Age=${this.cookieMaxAge}`,
      'SameSite=Lax'];
    if (cameOverTls(req))
      cookie.push('Secure');
    res.writeHead(303, { 'Location': then, 'Set-Cookie': cookie.join('; '), 'Cache-Control': 'no-store',
      'Content-Length': 0 });
    res.end();
  }
}

// TLS on this socket (a later TLS module), or an https proxy on the unix
// socket that says so.
function cameOverTls(req) {
  if (req.socket && req.socket.encrypted)
    return true;
  return req.socket && req.socket.remoteAddress === undefined &&
    String(req.headers['x-forwarded-proto'] || '').split(',')[0].trim() === 'https';
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    const timer = setTimeout(() => fail(408, 'The form took too long to arrive.'), BODY_TIMEOUT_MS);
    const fail = (status, message) => {
      clearTimeout(timer);
      req.removeAllListeners('data');
      req.resume();
      reject(Object.assign(new Error(message), { status }));
    };
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > BODY_MAX)
        return fail(413, 'The form is too large.');
      chunks.push(chunk);
    });
    req.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', (e) => fail(400, e.message));
  });
}

// readSettings FILE: {cookieMaxAge, passwordHash} from the launcher's
// sign-in file; defaults when there is none (a launcher without it).
function readSettings(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (e.code === 'ENOENT')
      return { cookieMaxAge: DEFAULT_COOKIE_MAX_AGE, passwordHash: null };
    throw e;
  }
  const settings = { cookieMaxAge: DEFAULT_COOKIE_MAX_AGE, passwordHash: null };
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#'))
      continue;
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq) : line;
    const value = eq > 0 ? line.slice(eq + 1) : '';
    if (key === 'cookie-max-age' && /^[0-9]{1,9}$/.test(value) && Number(value) > 0)
      settings.cookieMaxAge = Number(value);
    else if (key === 'password-hash' && parseScrypt(value))
      settings.passwordHash = value;
    else
      throw new Error(`${file}: unexpected line "${key}=..."`);
  }
  return settings;
}

function argValue(argv, name) {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`)
      return argv[i + 1];
    if (argv[i].startsWith(`--${name}=`))
      return argv[i].slice(name.length + 3);
  }
  return undefined;
}

// install SERVER {argv, log}: the hook on VS Code's HTTP server. Returns
// the SignIn, or null (VS Code's 403 as before) without a token to sign
// in with. A sign-in file it cannot read or trust is an error: the server
// then runs without the page rather than without the password the
// administrator asked for.
function install(server, { argv = process.argv, log } = {}) {
  const say = log || ((line) => process.stderr.write(`${line}\n`));
  if (argv.includes('--without-connection-token'))
    return null;
  const tokenFile = argValue(argv, 'connection-token-file');
  if (!tokenFile)
    return null;
  const token = fs.readFileSync(tokenFile, 'utf8').replace(/\r?\n$/, '');
  if (!/^[0-9A-Za-z_-]+$/.test(token))
    return null;
  const settings = readSettings(path.join(path.dirname(tokenFile), 'sign-in'));
  let basePath = argValue(argv, 'server-base-path') || '';
  while (basePath.endsWith('/'))
    basePath = basePath.slice(0, -1);
  const signIn = new SignIn({ token, basePath, log: say, ...settings });

  const emit = server.emit;
  server.emit = function emitSignIn(event, req, res, ...rest) {
    if (event === 'request') {
      try {
        if (signIn.handle(req, res))
          return true;
      } catch (e) {
        // VS Code answers (its 403 when there is no token).
        say(`<4>signin.js: ${e.message}`);
      }
    }
    return emit.call(this, event, req, res, ...rest);
  };
  return signIn;
}

module.exports = {
  install, SignIn, Limiter, parseScrypt, verifyPassword, encode64, parseCookies, tokenState, isNavigation,
  safeReturn, clientAddress, routePath, readSettings, CSP, FREE_FAILURES, MAX_WAIT_S, TABLE_MAX,
};
