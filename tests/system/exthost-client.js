'use strict';
// A minimal client of VS Code's remote protocol: it authenticates with the
// connection token and asks for an extension host, which makes the server
// start its extension host process, as a browser opening the workbench
// would. Used by the system suite to put more than the main process into
// the service's control group.
//
//   node exthost-client.js HOST PORT TOKEN_FILE COMMIT
//
// The token is read from a file: on argv it would be visible in ps.
// Prints "accepted" and stays connected until killed; exits non-zero with
// a reason when refused.
const net = require('net');
const crypto = require('crypto');
const fs = require('fs');

const [host, port, tokenFile, commit] = process.argv.slice(2);
const token = fs.readFileSync(tokenFile, 'utf8').trim();

// Control frames of the persistent protocol: type (1 byte, 2 = control),
// id and ack (4 bytes each, unused here), body length (4 bytes), JSON body.
function controlFrame(message) {
    const body = Buffer.from(JSON.stringify(message));
    const header = Buffer.alloc(13);
    header.writeUInt8(2, 0);
    header.writeUInt32BE(body.length, 9);
    return Buffer.concat([header, body]);
}

const socket = net.connect(Number(port), host);
let pending = Buffer.alloc(0);
let upgraded = false;
let state = 'auth';

socket.on('connect', () => {
    // skipWebSocketFrames: after the upgrade the protocol runs on the raw
    // TCP stream, so no WebSocket framing is needed here.
    socket.write(`GET /?reconnectionToken=${crypto.randomUUID()}&reconnection=false&skipWebSocketFrames=true HTTP/1.1\r\n` +
        `Host: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
});

socket.on('data', (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    if (!upgraded) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const statusLine = pending.subarray(0, pending.indexOf('\r\n')).toString();
        if (!statusLine.includes(' 101 ')) {
            console.log(`upgrade refused: ${statusLine}`);
            process.exit(2);
        }
        upgraded = true;
        pending = pending.subarray(end + 4);
        socket.write(controlFrame({ type: 'auth', auth: token, data: crypto.randomBytes(8).toString('hex') }));
    }
    while (pending.length >= 13) {
        const length = pending.readUInt32BE(9);
        if (pending.length < 13 + length) return;
        const type = pending.readUInt8(0);
        const body = pending.subarray(13, 13 + length).toString();
        pending = pending.subarray(13 + length);
        if (type !== 2) continue;
        const message = JSON.parse(body);
        if (message.type === 'error') {
            console.log(`refused: ${message.reason}`);
            process.exit(3);
        }
        if (state === 'auth' && message.type === 'sign') {
            state = 'connect';
            socket.write(controlFrame({
                type: 'connectionType', commit, signedData: message.data,
                desiredConnectionType: 2 /* extension host */, args: { language: 'en' },
            }));
        } else if (state === 'connect') {
            state = 'accepted';
            console.log('accepted');
        }
    }
});

socket.on('error', (e) => { console.log(`socket error: ${e.message}`); process.exit(4); });
socket.on('close', () => process.exit(state === 'accepted' ? 0 : 5));
