'use strict';
// tls.js: HTTPS on the socket systemd passes, plain HTTP redirected to it.
//
// sd-listen.js hands this module VS Code's HTTP server. When the launcher
// wrote a certificate and its key beside the server's token file (tls.crt,
// tls.key: the account's, 0400, in the runtime directory), install() puts a
// hook on the server's 'connection' event:
//
//   a connection that arrived on a loopback address or an AF_UNIX socket
//   goes to VS Code as today, plain HTTP (a reverse proxy on the same host
//   keeps working unchanged);
//
//   any other connection is held until its first byte: 0x16 (a TLS
//   handshake record, the ClientHello) is served over TLS, by a tls.Server
//   fed the connection, whose secure sockets VS Code's HTTP server gets as
//   its own connections (req.socket.encrypted is then true, and signin.js
//   gives the cookie Secure); anything else is plain HTTP, answered by a
//   small server of our own with a redirect to https on the same port.
//
// A connection that sends nothing is closed after FIRST_BYTE_TIMEOUT_MS; a
// failed handshake closes that connection only.
//
// No dependencies; Node 18 to 24. See docs/sd-listen.md and docs/SECURITY.md.

const fs = require('fs');
const http = require('http');
const net = require('net');
const path = require('path');
const tls = require('tls');

const TLS_HANDSHAKE_RECORD = 0x16;
// A browser may open a connection ahead of use (preconnect) and keep it
// idle a while; Chromium drops unused ones after 10 s.
const FIRST_BYTE_TIMEOUT_MS = 30000;
const HANDSHAKE_TIMEOUT_MS = 30000;
const CERT_NAME = 'tls.crt';
const KEY_NAME = 'tls.key';

// isLoopback ADDRESS: the local address a connection arrived on is a
// loopback one (127/8, ::1, or 127/8 mapped into IPv6).
function isLoopback(address) {
  if (typeof address !== 'string')
    return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (net.isIPv4(v4))
    return v4.split('.')[0] === '127';
  return net.isIPv6(address) && /^(0{0,4}:){2,7}0{0,3}1$|^::1$/.test(address);
}

// isPlainLocal SOCKET: served as plain HTTP whatever it sends: it came in
// on loopback, or over AF_UNIX (no remote or local address at all).
function isPlainLocal(socket) {
  if (socket.remoteAddress === undefined && socket.localAddress === undefined)
    return true;
  return isLoopback(socket.localAddress);
}

// validHost TEXT: TEXT if it is a host[:port] safe to put in a Location
// (a DNS name, an IPv4 address or a bracketed IPv6 one, and a port 1-65535),
// else null. The Host header is the client's to choose: anything else
// (spaces, '@', '/', a second colon, control characters) is not used.
function validHost(text) {
  if (typeof text !== 'string' || text.length === 0 || text.length > 262)
    return null;
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?)(?::([0-9]{1,5}))?$/.exec(text);
  if (!m)
    return null;
  if (m[1].startsWith('[') && !net.isIPv6(m[1].slice(1, -1)))
    return null;
  if (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535))
    return null;
  return text;
}

// redirectTarget REQ: the https URL for a plain request: its Host if valid,
// else the address and port it arrived on; its path if it is one.
function redirectTarget(req) {
  let host = validHost(req.headers.host);
  if (!host) {
    const address = req.socket.localAddress || 'localhost';
    const bare = address.startsWith('::ffff:') ? address.slice(7) : address;
    host = `${net.isIPv6(bare) ? `[${bare}]` : bare}:${req.socket.localPort}`;
  }
  const url = typeof req.url === 'string' && req.url.startsWith('/') && !req.url.startsWith('//')
    ? req.url : '/';
  return `https://${host}${url}`;
}

// The plain-HTTP answer: 308 keeps the method (a POST stays a POST).
function redirectServer() {
  const server = http.createServer((req, res) => {
    const location = redirectTarget(req);
    const body = `This server is served over HTTPS: ${location}\n`;
    res.writeHead(308, {
      Location: location,
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
      Connection: 'close',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  server.headersTimeout = 10000;
  server.requestTimeout = 10000;
  server.on('clientError', (e, socket) => socket.destroy());
  return server;
}

// readCredentials DIR: {cert, key} from DIR, or null when the launcher
// wrote none (TLS=off, or a launcher without TLS).
function readCredentials(dir) {
  let key;
  try {
    key = fs.readFileSync(path.join(dir, KEY_NAME));
  } catch (e) {
    if (e.code === 'ENOENT')
      return null;
    throw e;
  }
  return { cert: fs.readFileSync(path.join(dir, CERT_NAME)), key };
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

// serveTls SERVER {cert, key, isPlain, ...}: the hook. Returns
// {secureContext, plainServer}. isPlain and the timeouts are a test's
// choice: which connections stay plain, how long to wait.
function serveTls(server, {
  cert, key, isPlain = isPlainLocal,
  firstByteTimeoutMs = FIRST_BYTE_TIMEOUT_MS, handshakeTimeoutMs = HANDSHAKE_TIMEOUT_MS,
}) {
  // Throws on a bad certificate or key: the caller refuses to start.
  const secureContext = tls.createSecureContext({ cert, key, minVersion: 'TLSv1.2' });
  const plainServer = redirectServer();
  const emit = server.emit;

  // The TLS socket takes over the connection's handle, so the connection
  // itself never sees its end: it is destroyed with the TLS socket, which
  // keeps the server's count of connections (close(), maxConnections) true.
  // A failed handshake (a scanner, a browser that does not trust the CA
  // yet) is that client's business and closes that connection alone.
  function serveOverTls(socket) {
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext, ALPNProtocols: ['http/1.1'] });
    const timer = setTimeout(() => secure.destroy(), handshakeTimeoutMs);
    secure.once('secure', () => {
      clearTimeout(timer);
      emit.call(server, 'connection', secure);
    });
    secure.on('error', () => secure.destroy());
    secure.once('close', () => {
      clearTimeout(timer);
      socket.destroy();
    });
  }

  server.emit = function emitTls(event, socket, ...rest) {
    if (event !== 'connection' || isPlain(socket))
      return emit.call(this, event, socket, ...rest);
    socket.setTimeout(firstByteTimeoutMs, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.once('data', (chunk) => {
      socket.pause();
      socket.setTimeout(0);
      socket.unshift(chunk);
      if (chunk[0] === TLS_HANDSHAKE_RECORD)
        serveOverTls(socket);
      else
        plainServer.emit('connection', socket);
      // Whoever took it reads on from the first byte.
      process.nextTick(() => socket.resume());
    });
    return true;
  };
  return { secureContext, plainServer };
}

// install SERVER {argv, log}: TLS on VS Code's server when the launcher
// wrote a certificate beside the token file; null when it wrote none. A
// certificate that cannot be used throws: sd-listen.js then refuses to
// serve rather than serve plain HTTP where HTTPS was asked for.
function install(server, { argv = process.argv, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const tokenFile = argValue(argv, 'connection-token-file');
  if (!tokenFile)
    return null;
  const credentials = readCredentials(path.dirname(tokenFile));
  if (!credentials)
    return null;
  const served = serveTls(server, credentials);
  if (log)
    log('<6>tls.js: HTTPS on the systemd socket; plain HTTP there is redirected, loopback and unix connections stay plain');
  return served;
}

module.exports = {
  install, serveTls, isLoopback, isPlainLocal, validHost, redirectTarget, readCredentials,
  FIRST_BYTE_TIMEOUT_MS, CERT_NAME, KEY_NAME,
};
