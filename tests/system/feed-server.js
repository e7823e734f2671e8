// A release feed on a loopback port, for tests/system/test-server.sh: the
// files under DIR as GitHub's releases API and its downloads serve them
// (DIR/repos/OWNER/REPO/releases/latest, .../releases/tags/TAG, JSON;
// DIR/download/NAME, the tarballs). A missing file is a 404 with GitHub's
// JSON body. Each request is logged on stderr (the journal of its unit).
//
//   node feed-server.js DIR PORT
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');

const [dir, port] = process.argv.slice(2);
if (!dir || !port) {
    console.error('usage: feed-server.js DIR PORT');
    process.exit(64);
}
const top = fs.realpathSync(dir);

http.createServer((req, res) => {
    const url = new URL(req.url, 'http://feed');
    const file = path.resolve(top, '.' + decodeURIComponent(url.pathname));
    let st = null;
    if (file.startsWith(top + path.sep)) {
        try {
            st = fs.statSync(file);
        } catch {
            st = null;
        }
    }
    console.error(`${req.method} ${url.pathname} ${st && st.isFile() ? 200 : 404}`);
    if (!st || !st.isFile()) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"message": "Not Found", "status": "404"}');
        return;
    }
    const json = !file.includes(`${path.sep}download${path.sep}`);
    res.writeHead(200, {
        'content-type': json ? 'application/json; charset=utf-8' : 'application/octet-stream',
        'content-length': st.size,
    });
    fs.createReadStream(file).pipe(res);
}).listen(Number(port), '127.0.0.1', () => console.error(`feed on 127.0.0.1:${port} from ${top}`));
