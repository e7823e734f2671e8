'use strict';
// Asks a running VS Code server which extensions it has loaded, the way the
// workbench does: a management connection of VS Code's remote protocol and
// one call of its IPC channel remoteExtensionsScanner.scanExtensions. Prints
// the ids of the server's extensions (not the built-in ones), one a line.
//
//   node scan-extensions.js HOST PORT TOKEN_FILE COMMIT
//
// The token is read from a file: on argv it would be visible in ps.
const net = require('net');
const crypto = require('crypto');
const fs = require('fs');

const [host, port, tokenFile, commit] = process.argv.slice(2);
const token = fs.readFileSync(tokenFile, 'utf8').trim();

// The persistent protocol's frame: type (2 control, 1 regular), id, ack,
// body length, body.
const CONTROL = 2, REGULAR = 1;
let nextId = 1, lastReceived = 0;
function frame(type, body) {
    const header = Buffer.alloc(13);
    header.writeUInt8(type, 0);
    if (type === REGULAR) {
        header.writeUInt32BE(nextId++, 1);
        header.writeUInt32BE(lastReceived, 5);
    }
    header.writeUInt32BE(body.length, 9);
    return Buffer.concat([header, body]);
}

// VS Code's IPC serialization (base/parts/ipc/common/ipc.ts): a type byte,
// lengths as 7-bit little-endian varints.
function varint(n) {
    const out = [];
    do {
        let b = n & 0x7f;
        n >>>= 7;
        if (n) b |= 0x80;
        out.push(b);
    } while (n);
    return Buffer.from(out);
}
function serialize(v) {
    if (v === undefined) return Buffer.from([0]);
    if (typeof v === 'string') {
        const s = Buffer.from(v);
        return Buffer.concat([Buffer.from([1]), varint(s.length), s]);
    }
    if (Array.isArray(v)) return Buffer.concat([Buffer.from([4]), varint(v.length), ...v.map(serialize)]);
    if (typeof v === 'number') return Buffer.concat([Buffer.from([6]), varint(v)]);
    const s = Buffer.from(JSON.stringify(v));
    return Buffer.concat([Buffer.from([5]), varint(s.length), s]);
}

const socket = net.connect(Number(port), host);
let pending = Buffer.alloc(0);
let upgraded = false;
let state = 'auth';
const timer = setTimeout(() => { console.error(`no answer in state ${state}`); process.exit(6); }, 30000);

socket.on('connect', () => {
    socket.write(`GET /?reconnectionToken=${crypto.randomUUID()}&reconnection=false&skipWebSocketFrames=true HTTP/1.1\r\n` +
        `Host: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
});

function onControl(message) {
    if (message.type === 'error') {
        console.error(`refused: ${message.reason}`);
        process.exit(3);
    }
    if (state === 'auth' && message.type === 'sign') {
        state = 'connect';
        socket.write(frame(CONTROL, Buffer.from(JSON.stringify({
            type: 'connectionType', commit, signedData: message.data,
            desiredConnectionType: 1 /* management */,
        }))));
    } else if (state === 'connect' && message.type === 'ok') {
        state = 'scan';
        // The IPC client's context, then the call:
        // [request type Promise, id, channel, command] + its arguments.
        socket.write(frame(REGULAR, serialize({ remoteAuthority: `${host}:${port}`, clientId: 'openvscode-host-test' })));
        socket.write(frame(REGULAR, Buffer.concat([
            serialize([100, 1, 'remoteExtensionsScanner', 'scanExtensions']),
            serialize(['en', undefined, undefined, undefined, undefined]),
        ])));
    }
}

function deserialize(buf, at) {
    const type = buf[at.i++];
    const length = () => {
        let n = 0, shift = 0, b;
        do {
            b = buf[at.i++];
            n |= (b & 0x7f) << shift;
            shift += 7;
        } while (b & 0x80);
        return n >>> 0;
    };
    switch (type) {
    case 0: return undefined;
    case 1: case 5: {
        const n = length();
        const s = buf.subarray(at.i, at.i + n).toString();
        at.i += n;
        return type === 1 ? s : JSON.parse(s);
    }
    case 2: case 3: {
        const n = length();
        at.i += n;
        return null;
    }
    case 4: {
        const n = length(), out = [];
        for (let k = 0; k < n; k++) out.push(deserialize(buf, at));
        return out;
    }
    case 6: return length();
    default: throw new Error(`unknown IPC data type ${type}`);
    }
}

function onRegular(body) {
    const at = { i: 0 };
    const header = deserialize(body, at);
    // [200] is the channel server's hello; [201, 1] our answer, [202|203, 1] an error.
    if (!Array.isArray(header) || header[1] !== 1) return;
    const result = deserialize(body, at);
    if (header[0] !== 201) {
        console.error(`the call failed: ${JSON.stringify(result)}`);
        process.exit(7);
    }
    for (const e of result) if (!e.isBuiltin) console.log(e.identifier.value);
    state = 'done';
    clearTimeout(timer);
    socket.end();
    process.exit(0);
}

socket.on('data', (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    if (!upgraded) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const statusLine = pending.subarray(0, pending.indexOf('\r\n')).toString();
        if (!statusLine.includes(' 101 ')) {
            console.error(`upgrade refused: ${statusLine}`);
            process.exit(2);
        }
        upgraded = true;
        pending = pending.subarray(end + 4);
        socket.write(frame(CONTROL, Buffer.from(JSON.stringify({ type: 'auth', auth: token, data: crypto.randomBytes(8).toString('hex') }))));
    }
    while (pending.length >= 13) {
        const type = pending.readUInt8(0);
        const id = pending.readUInt32BE(1);
        const length = pending.readUInt32BE(9);
        if (pending.length < 13 + length) return;
        const body = pending.subarray(13, 13 + length);
        pending = pending.subarray(13 + length);
        if (type === CONTROL) onControl(JSON.parse(body.toString()));
        else if (type === REGULAR) {
            lastReceived = id;
            onRegular(body);
        }
    }
});

socket.on('error', (e) => { console.error(`socket error: ${e.message}`); process.exit(4); });
socket.on('close', () => { if (state !== 'done') process.exit(5); });
