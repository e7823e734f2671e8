'use strict';
// The clients of the density bench (tests/bench/density.sh): one node
// process that holds, for each user, what a workbench holds on VS Code's
// remote protocol (tests/system/exthost-client.js speaks its handshake):
//
//   - an extension host connection: the server starts the user's extension
//     host for it (it gets no init data, so it loads no extensions);
//   - a management connection with VS Code's IPC on it, over which the user
//     saves a file as the workbench does: the remote file system channel's
//     writeFile, then stat (the new mtime and size the editor keeps).
//
//   node density-client.js COMMIT SOCKET_DIR HOME_DIR  <commands  >events
//
// One command a line on stdin; each ends with an "ok COMMAND ..." line:
//   connect USER...   opens both connections of each user in turn, through
//                     SOCKET_DIR/USER.sock with the token of
//                     HOME_DIR/USER/.openvscode-server/token (read from
//                     the file: on argv it would be visible in ps); prints
//                     "connected USER MS" (connect() -> IPC ready)
//   attach USER HOST PORT
//                     the management connection alone, over TCP, for a
//                     user whose workbench is a real browser (which holds
//                     the extension host connection)
//   saves start MS    every connected user saves every MS ms (a random
//                     phase each), one save at a time per user
//   saves stop        stops them; prints "save USER MS" per save done since
//                     the start, "save-failed USER REASON" per failure
//   cold USER         GET /version on USER's socket: "cold USER MS STATUS",
//                     MS from connect() to the complete response
//   disconnect        a clean close of every connection (the Disconnect
//                     message, as a closing tab sends it): the extension
//                     hosts exit, and IdleShutdown=yes ends the servers
// A connection that fails prints "error USER REASON" and the command's ok
// line says "failed".
const net = require('net');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const readline = require('readline');

const [commit, socketDir, homeDir] = process.argv.slice(2);
const out = (line) => process.stdout.write(`${line}\n`);
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

// ---------------------------------------------------------------- the persistent protocol
// Frames: type (1 byte), id, ack, body length (4 bytes each), body. Types:
// 1 regular (numbered, acknowledged), 2 control, 3 ack, 5 disconnect,
// 7 pause, 8 resume, 9 keep-alive.
const REGULAR = 1, CONTROL = 2, ACK = 3, DISCONNECT = 5, KEEP_ALIVE = 9;
function frame(type, id, ack, body = Buffer.alloc(0)) {
  const header = Buffer.alloc(13);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(id, 1);
  header.writeUInt32BE(ack, 5);
  header.writeUInt32BE(body.length, 9);
  return Buffer.concat([header, body]);
}

// One connection: the WebSocket upgrade without WebSocket framing
// (skipWebSocketFrames), the token's auth, then the connection type
// (1 management, 2 extension host). Resolves once the server accepted it.
class Connection {
  constructor(user, token, type, address) {
    this.user = user;
    this.outgoingId = 0;
    this.incomingId = 0;
    this.onRegular = () => {};
    this.onClose = () => {};
    this.closed = false;
    this.accepted = new Promise((resolve, reject) => {
      this.socket = net.connect(address || path.join(socketDir, `${user}.sock`));
      let pending = Buffer.alloc(0);
      let upgraded = false;
      let state = 'auth';
      // As VS Code's own sockets: a request is one small write, and
      // Nagle's algorithm would hold it until the last one's
      // (delayed) acknowledgement, 40 ms on TCP. No-op on AF_UNIX.
      if (address) this.socket.setNoDelay(true);
      this.socket.on('connect', () => {
        this.socket.write(`GET /?reconnectionToken=${crypto.randomUUID()}&reconnection=false&skipWebSocketFrames=true HTTP/1.1\r\n` +
          'Host: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      });
      this.socket.on('data', (chunk) => {
        pending = Buffer.concat([pending, chunk]);
        if (!upgraded) {
          const end = pending.indexOf('\r\n\r\n');
          if (end < 0) return;
          const statusLine = pending.subarray(0, pending.indexOf('\r\n')).toString();
          if (!statusLine.includes(' 101 ')) return reject(new Error(`upgrade refused: ${statusLine}`));
          upgraded = true;
          pending = pending.subarray(end + 4);
          this.socket.write(frame(CONTROL, 0, 0, Buffer.from(JSON.stringify(
            { type: 'auth', auth: token, data: crypto.randomBytes(8).toString('hex') }))));
        }
        while (pending.length >= 13) {
          const length = pending.readUInt32BE(9);
          if (pending.length < 13 + length) return;
          const kind = pending.readUInt8(0);
          const id = pending.readUInt32BE(1);
          const body = pending.subarray(13, 13 + length);
          pending = pending.subarray(13 + length);
          if (kind === REGULAR) {
            // Acknowledged at once: the other side counts a long
            // silence with messages unacknowledged as a dead socket.
            this.incomingId = Math.max(this.incomingId, id);
            this.socket.write(frame(ACK, 0, this.incomingId));
            this.onRegular(body);
          } else if (kind === CONTROL) {
            const message = JSON.parse(body.toString());
            if (message.type === 'error') return reject(new Error(`refused: ${message.reason}`));
            if (state === 'auth' && message.type === 'sign') {
              state = 'connect';
              this.socket.write(frame(CONTROL, 0, 0, Buffer.from(JSON.stringify({
                type: 'connectionType', commit, signedData: message.data,
                desiredConnectionType: type, args: { language: 'en' },
              }))));
            } else if (state === 'connect') {
              state = 'accepted';
              // What PersistentProtocol sends every 5 s.
              this.keepAlive = setInterval(() => this.socket.write(frame(KEEP_ALIVE, 0, this.incomingId)), 5000);
              resolve();
            }
          }
        }
      });
      this.socket.on('error', (e) => reject(new Error(`socket error: ${e.message}`)));
      this.socket.on('close', () => {
        this.closed = true;
        clearInterval(this.keepAlive);
        reject(new Error('closed'));
        this.onClose();
      });
    });
  }

  send(body) {
    this.outgoingId += 1;
    this.socket.write(frame(REGULAR, this.outgoingId, this.incomingId, body));
  }

  disconnect() {
    clearInterval(this.keepAlive);
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', resolve);
      this.socket.end(frame(DISCONNECT, 0, 0));
    });
  }
}

// ---------------------------------------------------------------- VS Code's IPC
// Values: a type byte (0 undefined, 1 string, 2 Buffer, 3 VSBuffer,
// 4 array, 5 JSON object, 6 unsigned int), lengths and ints as a
// variable-length quantity (7 bits a byte, low first).
function vql(n) {
  const bytes = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    bytes.push(b);
  } while (n);
  return Buffer.from(bytes);
}
function serialize(value) {
  if (value === undefined) return Buffer.from([0]);
  if (typeof value === 'string') {
    const b = Buffer.from(value);
    return Buffer.concat([Buffer.from([1]), vql(b.length), b]);
  }
  if (Buffer.isBuffer(value)) return Buffer.concat([Buffer.from([3]), vql(value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([Buffer.from([4]), vql(value.length), ...value.map(serialize)]);
  if (Number.isInteger(value) && value >= 0) return Buffer.concat([Buffer.from([6]), vql(value)]);
  const b = Buffer.from(JSON.stringify(value));
  return Buffer.concat([Buffer.from([5]), vql(b.length), b]);
}
function deserialize(buffer) {
  let at = 0;
  const readVql = () => {
    let n = 0;
    for (let shift = 0; ; shift += 7) {
      const b = buffer[at++];
      n |= (b & 0x7f) << shift;
      if (!(b & 0x80)) return n >>> 0;
    }
  };
  const read = () => {
    const type = buffer[at++];
    switch (type) {
    case 0: return undefined;
    case 1: case 2: case 3: case 5: {
      const length = readVql();
      const b = buffer.subarray(at, at + length);
      at += length;
      if (type === 1) return b.toString();
      return type === 5 ? JSON.parse(b.toString()) : b;
    }
    case 4: {
      const length = readVql();
      const items = [];
      for (let i = 0; i < length; i++) items.push(read());
      return items;
    }
    case 6: return readVql();
    default: throw new Error(`unknown IPC value type ${type}`);
    }
  };
  return [read(), read()];
}

// The IPC client on a management connection: first its context (the
// remote authority the server's URI transformer maps), then requests
// [100, id, channel, command] + argument once the server said [200]
// (initialized); answers [201, id] + result, [202/203, id] + error.
class IpcClient {
  constructor(connection, clientId) {
    this.connection = connection;
    this.nextId = 0;
    this.calls = new Map();
    this.ready = new Promise((resolve) => { this.initialized = resolve; });
    connection.onRegular = (body) => {
      const [header, data] = deserialize(body);
      if (header[0] === 200) return this.initialized();
      const call = this.calls.get(header[1]);
      if (!call) return;
      this.calls.delete(header[1]);
      if (header[0] === 201) call.resolve(data);
      else call.reject(new Error(`${data && data.message ? data.message : JSON.stringify(data)}`));
    };
    connection.onClose = () => {
      for (const call of this.calls.values()) call.reject(new Error('the management connection closed'));
      this.calls.clear();
    };
    connection.send(serialize({ remoteAuthority: 'localhost', clientId }));
  }

  call(channel, command, arg) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.connection.send(Buffer.concat([serialize([100, id, channel, command]), serialize(arg)]));
    });
  }
}

// ---------------------------------------------------------------- users
const users = new Map(); // name -> { extensionHost, management, ipc, file, saves, failures }

async function connect(user, address) {
  const started = nowMs();
  // The launcher makes the token at the server's first start, which a
  // request without it triggers (GET /version).
  const tokenFile = path.join(homeDir, user, '.openvscode-server', 'token');
  if (!fs.existsSync(tokenFile)) await cold(user);
  const token = fs.readFileSync(tokenFile, 'utf8').trim();
  let extensionHost = null;
  if (!address) {
    extensionHost = new Connection(user, token, 2);
    await extensionHost.accepted;
  }
  const management = new Connection(user, token, 1, address);
  await management.accepted;
  const ipc = new IpcClient(management, `density-${user}`);
  await ipc.ready;
  const file = { scheme: 'vscode-remote', authority: 'localhost', path: path.join(homeDir, user, 'density-edit.txt') };
  users.set(user, { extensionHost, management, ipc, file, saves: [], failures: [], edits: 0 });
  out(`connected ${user} ${(nowMs() - started).toFixed(1)}`);
}

// A small source file, one line changed per save.
const LINES = Array.from({ length: 100 }, (_, i) => `    line ${String(i).padStart(3, '0')}: const value${i} = compute(${i}); // a line of ordinary code\n`);
async function save(state) {
  state.edits += 1;
  const lines = LINES.slice();
  lines[state.edits % lines.length] = `    edited ${state.edits}\n`;
  const content = Buffer.from(lines.join(''));
  const started = nowMs();
  await state.ipc.call('remoteFilesystem', 'writeFile', [state.file, content, { create: true, overwrite: true, unlock: false, atomic: false }]);
  const stat = await state.ipc.call('remoteFilesystem', 'stat', [state.file]);
  const ms = nowMs() - started;
  if (!stat || stat.size !== content.length) throw new Error(`stat says size ${stat && stat.size}, wrote ${content.length}`);
  return ms;
}

let saving = null;
function savesStart(periodMs) {
  const loops = [];
  const run = { stop: false, loops };
  saving = run;
  for (const state of users.values()) {
    state.saves = [];
    state.failures = [];
    loops.push((async () => {
      await new Promise((r) => setTimeout(r, Math.random() * periodMs));
      while (!run.stop) {
        const next = nowMs() + periodMs;
        try {
          state.saves.push(await save(state));
        } catch (e) {
          state.failures.push(e.message);
        }
        const wait = next - nowMs();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    })().catch((e) => state.failures.push(e.message)));
  }
}
async function savesStop() {
  if (!saving) return 0;
  saving.stop = true;
  await Promise.all(saving.loops);
  saving = null;
  let count = 0;
  for (const [user, state] of users) {
    for (const ms of state.saves) out(`save ${user} ${ms.toFixed(2)}`);
    for (const reason of state.failures) out(`save-failed ${user} ${reason}`);
    count += state.saves.length;
  }
  return count;
}

// GET /version on a socket whose server is not running: the clock runs from
// connect() to the end of the response (Content-Length or chunked).
function cold(user) {
  return new Promise((resolve) => {
    const started = nowMs();
    const socket = net.connect(path.join(socketDir, `${user}.sock`));
    let data = Buffer.alloc(0);
    const done = (status) => { socket.destroy(); resolve(`cold ${user} ${(nowMs() - started).toFixed(1)} ${status}`); };
    socket.setTimeout(120000, () => done('timeout'));
    socket.on('connect', () => socket.write('GET /version HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = data.subarray(0, end).toString('latin1');
      const status = head.split(' ')[1];
      const body = data.subarray(end + 4);
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (length ? body.length >= Number(length[1]) : body.includes('0\r\n\r\n')) done(status);
    });
    socket.on('error', (e) => done(`error:${e.code}`));
    socket.on('end', () => done('closed'));
  });
}

// ---------------------------------------------------------------- commands
async function run(line) {
  const [command, ...args] = line.trim().split(/\s+/);
  switch (command) {
  case 'connect': {
    let failed = 0;
    for (const user of args) {
      try {
        await connect(user);
      } catch (e) {
        failed += 1;
        out(`error ${user} ${e.message}`);
      }
    }
    return `ok connect${failed ? ` failed ${failed}` : ''}`;
  }
  case 'attach':
    try {
      await connect(args[0], { host: args[1], port: Number(args[2]) });
      return 'ok attach';
    } catch (e) {
      out(`error ${args[0]} ${e.message}`);
      return 'ok attach failed 1';
    }
  case 'saves':
    if (args[0] === 'start') {
      savesStart(Number(args[1]));
      return 'ok saves start';
    }
    return `ok saves stop ${await savesStop()}`;
  case 'cold':
    out(await cold(args[0]));
    return 'ok cold';
  case 'disconnect':
    await savesStop();
    await Promise.all([...users.values()].flatMap((s) => [s.management.disconnect(), s.extensionHost && s.extensionHost.disconnect()]));
    users.clear();
    return 'ok disconnect';
  case '':
    return null;
  default:
    return `ok ${command} failed unknown command`;
  }
}

// Commands run one after the other, in the order they came.
let queue = Promise.resolve();
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  queue = queue.then(() => run(line)).then((result) => { if (result) out(result); },
    (e) => out(`ok ${line.trim()} failed ${e.message}`));
}).on('close', () => queue.then(() => process.exit(0)));
process.on('unhandledRejection', () => {}); // a connection's promise rejected after its close
