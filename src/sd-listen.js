'use strict';
// sd-listen.js: let VS Code's server take its listening socket from systemd.
//
// The launcher execs `node --require sd-listen.js ROOT/out/server-main.js ...`
// in the process systemd socket-activated, so the listening socket is fd 3
// and LISTEN_PID is node's own pid. server-main.js only knows --host, --port
// and --socket-path; it cannot adopt an inherited fd. This preload, loaded
// before server-main.js runs, turns the first net.Server#listen() of the
// process (VS Code's HTTP server) into a listen on fd 3.
//
// No dependencies; runs on Node 18 to 24. See docs/sd-listen.md.

const fs = require('fs');
const net = require('net');

const SD_LISTEN_FDS_START = 3;

// An inherited socket is already listening with the backlog systemd gave it
// (Backlog=, default SOMAXCONN). Node re-runs listen(2) on the fd with its
// default of 511, which would shrink that queue; ask for 4096 instead (the
// kernel clamps it to net.core.somaxconn, 4096 since Linux 5.4).
const BACKLOG = 4096;

const listenPid = process.env.LISTEN_PID;
const listenFds = process.env.LISTEN_FDS;

// Like sd_listen_fds(1): the variables describe this process only. Delete
// them before anything can spawn, so the pty host, terminals and the
// extension host never see them (node's child_process copies process.env).
delete process.env.LISTEN_PID;
delete process.env.LISTEN_FDS;
delete process.env.LISTEN_FDNAMES;

if (listenPid !== undefined && /^[0-9]+$/.test(listenPid) &&
    Number(listenPid) === process.pid) {
  if (listenFds !== '1') {
    // The launcher only ever runs socket-activated with one socket; more
    // or fewer means the .socket unit is wrong, and guessing which fd VS
    // Code should serve would hide that.
    process.stderr.write(`<3>sd-listen.js: systemd passed LISTEN_FDS=${listenFds}, ` +
      'expected exactly 1; give the .socket unit a single ListenStream= line\n');
    process.exit(1);
  }
  adoptSystemdSocket();
  redactTokenInOutput();
}

function adoptSystemdSocket() {
  const originalListen = net.Server.prototype.listen;

  net.Server.prototype.listen = function listenOnSystemdSocket(...args) {
    // Only the first listen is VS Code's public server; the extension host
    // and others listen on their own pipes later and must behave normally.
    net.Server.prototype.listen = originalListen;

    // Whatever host/port/path VS Code asked for (it defaults to
    // localhost:8000) is ignored: systemd already bound the address.
    const callback = typeof args[args.length - 1] === 'function'
      ? args[args.length - 1] : undefined;
    const originalAddress = this.address;
    // Node answers null for an adopted AF_UNIX fd (it only knows a pipe's
    // name when it bound it), and server-main.js throws "Unexpected server
    // address" on null. A string also keeps the token out of the journal:
    // server-main.js prints "Web UI available at http://...?tkn=TOKEN" only
    // when the address is an object (TCP), never for a string.
    this.address = function systemdSocketAddress() {
      const address = originalAddress.call(this);
      if (address === null || typeof address === 'string')
        return `${unixSocketPath() || address || `fd ${SD_LISTEN_FDS_START}`} (from systemd)`;
      const host = address.family === 'IPv6' || address.family === 6
        ? `[${address.address}]` : address.address;
      return `${host}:${address.port} (from systemd)`;
    };

    serveTls(this);
    compressStaticFiles(this);
    // Installed last, so its hook runs first: a navigation without the
    // token gets the sign-in page before anything else looks at it.
    offerSignIn(this);

    // No close-on-exec to set here: node starts with every inherited fd
    // above 2 already marked close-on-exec, so spawned children never get
    // the socket (measured, docs/sd-listen.md).
    // Node takes the backlog for {fd} only from the positional argument.
    const options = { fd: SD_LISTEN_FDS_START };
    return callback
      ? originalListen.call(this, options, BACKLOG, callback)
      : originalListen.call(this, options, BACKLOG);
  };
}

// VS Code's static files compressed on this server (static-compress.js,
// beside this file). Without that module, or if it fails, VS Code serves
// them as before: compression is never a reason not to serve.
function compressStaticFiles(server) {
  try {
    require(require('path').join(__dirname, 'static-compress.js')).install(server);
  } catch (e) {
    process.stderr.write(`<4>sd-listen.js: static files served uncompressed: ${e.message}\n`);
  }
}

// The sign-in page (signin.js, beside this file) for a browser without
// the token. VS Code checks the token on every request itself, so without
// the module the server stays as safe, with VS Code's bare 403: the server
// still starts, and the journal says why the page is missing.
function offerSignIn(server) {
  try {
    require(require('path').join(__dirname, 'signin.js')).install(server);
  } catch (e) {
    process.stderr.write(`<3>sd-listen.js: no sign-in page (browsers get VS Code's 403): ${e.message}\n`);
  }
}

// HTTPS on the same socket (tls.js, beside this file) when the launcher
// wrote a certificate beside the token. The administrator asked for TLS:
// a module or certificate that fails means no server rather than a plain
// one where HTTPS was promised (exit 78, the launcher's configuration code,
// which the unit does not restart on).
function serveTls(server) {
  try {
    require(require('path').join(__dirname, 'tls.js')).install(server);
  } catch (e) {
    process.stderr.write(`<3>sd-listen.js: not serving: TLS is configured but cannot be used: ${e.message}; ` +
      'check TLS= in launcher.conf (openvscodectl tls status)\n');
    process.exit(78);
  }
}

// The path of the AF_UNIX socket on fd 3, for the log line; null if it
// cannot be found (abstract or unnamed socket, /proc not mounted).
function unixSocketPath() {
  try {
    const link = fs.readlinkSync(`/proc/self/fd/${SD_LISTEN_FDS_START}`);
    const inode = /^socket:\[([0-9]+)\]$/.exec(link);
    if (!inode)
      return null;
    // Columns: Num RefCount Protocol Flags Type St Inode [Path]
    for (const line of fs.readFileSync('/proc/net/unix', 'utf8').split('\n')) {
      const fields = line.trim().split(/\s+/);
      if (fields[6] === inode[1] && fields[7] && fields[7].startsWith('/'))
        return fields[7];
    }
  } catch (e) {
    // Only used for a log line: fall back to "fd 3".
  }
  return null;
}

// Belt and braces for the journal: the address trick above is what keeps
// VS Code 1.100 from printing its tokenised URL, but another server version
// may print it some other way. Anything written to stdout/stderr that looks
// like a token query parameter has its value replaced. console.log and
// console.error hand strings to write(); binary chunks are passed through.
function redactTokenInOutput() {
  const tokenParam = /([?&](?:tkn|token|connection-token|connectionToken)=)[^&#\s"'<>]+/g;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write;
    stream.write = function writeRedacted(chunk, ...rest) {
      if (typeof chunk === 'string')
        chunk = chunk.replace(tokenParam, '$1REDACTED');
      return write.call(this, chunk, ...rest);
    };
  }
}
