'use strict';
// static-compress.js: VS Code's static files (the workbench's scripts,
// styles, translations and icons), served compressed on the direct port.
//
// VS Code's server sends them as they are on disk: a cold first open moves
// about 22 MB, 19 MB of it the workbench's one script. Compressed, that
// script is 4 MB (brotli) or 5 MB (gzip). sd-listen.js hands this module
// the HTTP server it adopted; install() puts a hook in front of VS Code's
// request handler that answers one kind of request and passes on all
// others unchanged:
//
//   GET [BASE]/QUALITY-COMMIT/static/REL   (VS Code's own static route)
//   with an Accept-Encoding that allows br or gzip,
//   with the connection token VS Code would require (its cookie or ?tkn=),
//   for a file compressed ahead of time.
//
// Nothing is compressed on a request. At start, a background pass
// compresses the files of ROOT/out (.js .css .html .json .svg, 1 KiB and
// more) into the account's cache, once per server version:
// ~/.cache/openvscode-host/static/QUALITY-COMMIT/REL.br and .gz, and a
// manifest of what each was made from (size, mtime). A file joins the
// served set as soon as both of its forms are written; a manifest that
// still matches the tree makes a restart serve at once.
//
// Anything unexpected (no cache, a file changed, an unknown path, a read
// error) means: VS Code answers, uncompressed. The hook never answers what
// VS Code would refuse: other methods, other paths, a missing token.
//
// No dependencies; Node 18 to 24. See docs/sd-listen.md.

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

// The types VS Code's own static handler gives these files (its table of
// text types; everything else there is left alone).
const CONTENT_TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};
const MIN_SIZE = 1024;
// What only node loads (the server, the extension host, the desktop
// layers) never reaches a browser: VS Code's layers node/ and electron-*/,
// and the server's own entry points. 7 of 37 MB in 1.139.1.
const NODE_SIDE = /(^|\/)(node|electron-[a-z]+)\/|^out\/(server-[a-z-]+|bootstrap-[a-z-]+)\.js$/;
// Brotli's quality 9 takes 5 s for the 19 MB workbench.js on one core and
// gives 4.2 MB; 11 gives 3.7 MB for a minute of CPU at every new version.
const BROTLI_QUALITY = 9;
const MANIFEST = 'manifest.json';
const MANIFEST_FORMAT = 1;
// The caches of the versions used last that are kept (this one and the one
// a rollback would go back to); older ones go: 15 MB each for 1.139.1.
const KEEP_VERSIONS = 2;

// chooseEncoding ACCEPT_ENCODING: 'br', 'gzip' or null, as the header
// allows (q=0 refuses; '*' allows both), brotli first.
function chooseEncoding(header) {
  if (typeof header !== 'string' || header === '')
    return null;
  const q = new Map();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name)
      continue;
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p);
      if (m)
        weight = Number(m[1]);
    }
    q.set(name, weight);
  }
  const allowed = (name) => (q.has(name) ? q.get(name) : (q.get('*') ?? 0)) > 0;
  if (allowed('br'))
    return 'br';
  if (allowed('gzip') || (q.has('x-gzip') && q.get('x-gzip') > 0))
    return 'gzip';
  return null;
}

// staticPath URL {basePath, productPath}: the file a request names under
// VS Code's static route, relative to the server's root ('out/vs/...'), or
// null when the URL is not one (or leaves the root). As VS Code reads it:
// the base path comes off first, then /QUALITY-COMMIT, then /static/.
function staticPath(url, { basePath, productPath }) {
  if (typeof url !== 'string' || !url.startsWith('/'))
    return null;
  let pathname = url.split(/[?#]/, 1)[0];
  if (basePath && pathname.startsWith(basePath))
    pathname = pathname.slice(basePath.length) || '/';
  if (productPath && pathname.startsWith(`${productPath}/`))
    pathname = pathname.slice(productPath.length);
  if (!pathname.startsWith('/static/'))
    return null;
  let rel;
  try {
    rel = decodeURIComponent(pathname.slice('/static/'.length));
  } catch (e) {
    return null;
  }
  if (rel === '' || rel.includes('\0') || rel.includes('\\'))
    return null;
  const normal = path.posix.normalize(rel);
  if (normal.startsWith('../') || normal === '..' || path.posix.isAbsolute(normal))
    return null;
  return normal;
}

function sameSecret(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

// hasToken REQ TOKEN: what VS Code checks before it serves a static file:
// the tkn query parameter or the vscode-tkn cookie. TOKEN null: the server
// runs without one.
function hasToken(req, token) {
  if (token === null)
    return true;
  const query = (req.url || '').split('?')[1];
  if (query) {
    for (const [name, value] of new URLSearchParams(query.split('#')[0])) {
      if (name === 'tkn' && sameSecret(value, token))
        return true;
    }
  }
  const cookie = req.headers && req.headers.cookie;
  if (typeof cookie === 'string') {
    for (const part of cookie.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === 'vscode-tkn' && sameSecret(part.slice(eq + 1).trim(), token))
        return true;
    }
  }
  return false;
}

// compressible ROOT: the files of ROOT/out worth compressing, as paths
// relative to ROOT, with their stat.
function compressible(root) {
  const found = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(path.join(root, dir), { withFileTypes: true });
    } catch (e) {
      return;
    }
    for (const entry of entries) {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(rel);
      } else if (entry.isFile() && CONTENT_TYPES[path.extname(entry.name)] && !NODE_SIDE.test(rel)) {
        const st = fs.statSync(path.join(root, rel));
        if (st.size >= MIN_SIZE)
          found.push({ rel, size: st.size, mtimeMs: st.mtimeMs });
      }
    }
  };
  walk('out');
  return found;
}

class StaticCompressor {
  // root: the server's tree; cacheDir: this version's cache directory;
  // token: the connection token or null; basePath, productPath: as VS
  // Code reads them; log: a function for one line of the journal.
  constructor({ root, cacheDir, token, basePath, productPath, log }) {
    this.root = root;
    this.cacheDir = cacheDir;
    this.token = token;
    this.basePath = basePath;
    this.productPath = productPath;
    this.log = log || (() => {});
    this.ready = new Map(); // rel -> { etag, br: {file, size}, gzip: {file, size} }
  }

  // handle REQ RES FALLBACK: true when this answered (or will answer) the
  // request; FALLBACK(req, res) is VS Code's handler, for a compressed
  // file that cannot be read after all.
  handle(req, res, fallback) {
    if (req.method !== 'GET')
      return false;
    const rel = staticPath(req.url, this);
    const entry = rel && this.ready.get(rel);
    if (!entry)
      return false;
    const encoding = chooseEncoding(req.headers['accept-encoding']);
    if (!encoding || !hasToken(req, this.token))
      return false;
    const variant = entry[encoding];
    const etag = `"${entry.etag}-${encoding}"`;
    const headers = {
      'Content-Type': CONTENT_TYPES[path.extname(rel)],
      'Cache-Control': 'public, max-age=31536000',
      'Content-Encoding': encoding,
      'Vary': 'Accept-Encoding',
      'ETag': etag,
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    const stream = fs.createReadStream(variant.file);
    stream.once('error', () => {
      // Gone or unreadable before a byte was sent: VS Code answers.
      this.ready.delete(rel);
      fallback(req, res);
    });
    stream.once('open', () => {
      stream.removeAllListeners('error');
      stream.on('error', () => res.destroy());
      res.writeHead(200, { ...headers, 'Content-Length': variant.size });
      stream.pipe(res);
      res.once('close', () => stream.destroy());
    });
    return true;
  }

  // The manifest's entries that still match the tree and the cache.
  loadManifest(files) {
    let manifest;
    try {
      manifest = JSON.parse(fs.readFileSync(path.join(this.cacheDir, MANIFEST), 'utf8'));
    } catch (e) {
      return 0;
    }
    if (!manifest || manifest.format !== MANIFEST_FORMAT || typeof manifest.files !== 'object')
      return 0;
    for (const f of files) {
      const m = manifest.files[f.rel];
      if (!m || m.size !== f.size || m.mtimeMs !== f.mtimeMs)
        continue;
      const entry = this.entryFor(f, m.etag);
      if (entry)
        this.ready.set(f.rel, entry);
    }
    return this.ready.size;
  }

  // The cached forms of F, checked on disk; null when one is missing.
  entryFor(f, etag) {
    const entry = { etag };
    for (const [encoding, suffix] of [['br', '.br'], ['gzip', '.gz']]) {
      const file = path.join(this.cacheDir, `${f.rel}${suffix}`);
      let st;
      try {
        st = fs.statSync(file);
      } catch (e) {
        return null;
      }
      if (!st.isFile() || st.size === 0)
        return null;
      entry[encoding] = { file, size: st.size };
    }
    return entry;
  }

  // precompress: the background pass. Resolves with counts; never throws.
  async precompress() {
    const started = Date.now();
    const files = compressible(this.root);
    const cached = this.loadManifest(files);
    const manifest = { format: MANIFEST_FORMAT, files: {} };
    for (const f of files) {
      const entry = this.ready.get(f.rel);
      if (entry)
        manifest.files[f.rel] = { size: f.size, mtimeMs: f.mtimeMs, etag: entry.etag };
    }
    let made = 0;
    let inBytes = 0;
    let outBytes = 0;
    for (const f of files) {
      if (this.ready.has(f.rel))
        continue;
      try {
        const data = await fs.promises.readFile(path.join(this.root, f.rel));
        // The source may have changed since the walk: describe what was read.
        const etag = crypto.createHash('sha256').update(data).digest('base64url').slice(0, 22);
        const br = await promisified(zlib.brotliCompress, data, {
          params: {
            [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
            [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
            [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
          },
        });
        const gz = await promisified(zlib.gzip, data, { level: 9 });
        await writeAtomically(path.join(this.cacheDir, `${f.rel}.br`), br);
        await writeAtomically(path.join(this.cacheDir, `${f.rel}.gz`), gz);
        const entry = this.entryFor(f, etag);
        if (!entry)
          continue;
        this.ready.set(f.rel, entry);
        manifest.files[f.rel] = { size: data.length, mtimeMs: f.mtimeMs, etag };
        made++;
        inBytes += data.length;
        outBytes += br.length;
      } catch (e) {
        this.log(`<4>static-compress.js: ${f.rel}: ${e.message}; served uncompressed`);
      }
    }
    if (made > 0) {
      try {
        await writeAtomically(path.join(this.cacheDir, MANIFEST), Buffer.from(JSON.stringify(manifest)));
      } catch (e) {
        this.log(`<4>static-compress.js: the manifest: ${e.message}; the next start compresses again`);
      }
    }
    const pruned = await this.pruneOtherVersions();
    return { files: files.length, cached, made, inBytes, outBytes, pruned, ms: Date.now() - started };
  }

  // The cache directories of other versions beside this one: all but the
  // KEEP_VERSIONS used last (this one marked as used now) are removed.
  // Returns their names.
  async pruneOtherVersions() {
    const base = path.dirname(this.cacheDir);
    const now = new Date();
    try {
      await fs.promises.utimes(this.cacheDir, now, now);
      const dirs = [];
      for (const entry of await fs.promises.readdir(base, { withFileTypes: true })) {
        if (!entry.isDirectory() || !/^[a-z0-9-]+-[0-9a-f]{7,64}$/.test(entry.name))
          continue;
        const st = await fs.promises.lstat(path.join(base, entry.name));
        dirs.push({ name: entry.name, mtimeMs: st.mtimeMs });
      }
      dirs.sort((a, b) => b.mtimeMs - a.mtimeMs);
      const old = dirs.slice(KEEP_VERSIONS).filter((d) => path.join(base, d.name) !== this.cacheDir);
      for (const d of old)
        await fs.promises.rm(path.join(base, d.name), { recursive: true, force: true });
      return old.map((d) => d.name);
    } catch (e) {
      this.log(`<4>static-compress.js: pruning old caches in ${base}: ${e.message}`);
      return [];
    }
  }
}

function promisified(fn, data, options) {
  return new Promise((resolve, reject) => fn(data, options, (err, out) => (err ? reject(err) : resolve(out))));
}

// A reader sees the old file or the whole new one, never a part.
async function writeAtomically(file, data) {
  await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.promises.writeFile(tmp, data, { mode: 0o600 });
  await fs.promises.rename(tmp, file);
}

// argValue ARGV NAME: the value of --NAME VALUE or --NAME=VALUE.
function argValue(argv, name) {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`)
      return argv[i + 1];
    if (argv[i].startsWith(`--${name}=`))
      return argv[i].slice(name.length + 3);
  }
  return undefined;
}

// install SERVER {argv, env, log}: the hook on VS Code's HTTP server, and
// the background pass. Returns the compressor, or null (and VS Code serves
// everything as before) when something it needs is missing.
function install(server, { argv = process.argv, env = process.env, log } = {}) {
  const say = log || ((line) => process.stderr.write(`${line}\n`));
  if (env.VSCODE_DEV)
    return null; // a development build serves its files with ETags, uncached
  // node --require sd-listen.js ROOT/out/server-main.js ...
  const main = argv[1];
  if (typeof main !== 'string' || path.basename(main) !== 'server-main.js')
    return null;
  const root = path.dirname(path.dirname(path.resolve(main)));
  let product;
  try {
    product = JSON.parse(fs.readFileSync(path.join(root, 'product.json'), 'utf8'));
  } catch (e) {
    return null;
  }
  if (!/^[0-9a-f]{7,64}$/.test(product.commit || '') || !/^[a-z0-9-]+$/.test(product.quality || 'stable'))
    return null;
  const productPath = `/${product.quality || 'stable'}-${product.commit}`;
  let basePath = argValue(argv, 'server-base-path');
  if (basePath && basePath.endsWith('/'))
    basePath = basePath.slice(0, -1);
  let token = null;
  if (!argv.includes('--without-connection-token')) {
    const file = argValue(argv, 'connection-token-file');
    if (!file)
      return null; // a token on the command line: not ours to handle
    try {
      token = fs.readFileSync(file, 'utf8').trim();
    } catch (e) {
      return null;
    }
    if (!token)
      return null;
  }
  const home = env.HOME;
  if (!home || !path.isAbsolute(home))
    return null;
  const cacheBase = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)
    ? env.XDG_CACHE_HOME : path.join(home, '.cache');
  const compressor = new StaticCompressor({
    root,
    cacheDir: path.join(cacheBase, 'openvscode-host', 'static', productPath.slice(1)),
    token,
    basePath,
    productPath,
    log: say,
  });

  const emit = server.emit;
  server.emit = function emitCompressed(event, req, res, ...rest) {
    if (event === 'request') {
      try {
        if (compressor.handle(req, res, (q, s) => emit.call(this, event, q, s, ...rest)))
          return true;
      } catch (e) {
        // Never break a request: VS Code answers it.
      }
    }
    return emit.call(this, event, req, res, ...rest);
  };

  // After VS Code's own start-up work; pass resolves when it is done.
  compressor.pass = new Promise((resolve) => setImmediate(resolve))
    .then(() => compressor.precompress())
    .then((r) => {
      if (r.made > 0 || r.cached > 0)
        say(`static-compress.js: ${r.cached + r.made} of ${r.files} static files served compressed ` +
          `(${r.cached} from the cache, ${r.made} compressed now in ${r.ms} ms` +
          (r.made ? `, ${(r.inBytes / 1048576).toFixed(1)} MB to ${(r.outBytes / 1048576).toFixed(1)} MB brotli` : '') + ')' +
          (r.pruned.length ? `; removed the caches of ${r.pruned.join(', ')}` : ''));
    }, (e) => say(`<4>static-compress.js: ${e.message}; static files served uncompressed`));
  return compressor;
}

module.exports = { install, chooseEncoding, staticPath, hasToken, StaticCompressor, compressible };
