'use strict';
// A stand-in for VS Code's out/server-main.js in the arm64 suite: the
// launcher execs Debian's node with the package's sd-listen.js preload and
// this file, exactly as it would the real server. It listens where VS Code
// does by default (localhost:8000); the preload must turn that into the
// socket systemd passed on fd 3. Each request is answered with what this
// process is (key=value lines), so the suite can check the sandbox node
// itself runs in.

const fs = require('fs');
const http = require('http');

const STATUS_KEYS = new Set(['Uid', 'Gid', 'CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb',
  'NoNewPrivs', 'Seccomp']);

function statusLines() {
  return fs.readFileSync('/proc/self/status', 'utf8').split('\n')
    .map((line) => line.split(':'))
    .filter(([key]) => STATUS_KEYS.has(key))
    .map(([key, value]) => `${key}=${value.trim().split(/\s+/).join(' ')}`);
}

const server = http.createServer((request, response) => {
  const lines = [
    `pid=${process.pid}`,
    `arch=${process.arch}`,
    `execPath=${process.execPath}`,
    `version=${process.version}`,
    `execArgv=${process.execArgv.join(' ')}`,
    `listen_env=${Object.keys(process.env).filter((k) => k.startsWith('LISTEN_')).join(' ')}`,
    `address=${JSON.stringify(server.address())}`,
    `url=${request.url}`,
    ...statusLines(),
  ];
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.end(`${lines.join('\n')}\n`);
});

server.listen(8000, '127.0.0.1');
