'use strict';
// The first open over a real link, measured in Chromium (playwright-core,
// Debian's chromium): a cold browser cache, the network emulated through
// the DevTools protocol (throughput and round-trip latency), against
// several servers side by side, round by round interleaved.
//
//   node first-open.js --rounds N --profiles 20:40,100:10 TARGET...
//
// TARGET is NAME=URL_FILE: a file that holds the URL to open (with the
// token, which must never be on argv). PROFILE is MBIT:MS (down and up
// MBIT Mbit/s, MS ms added to every round trip).
//
// Per round and target: a new browser context (an empty cache), the URL,
// then
//   workbench: ms from the navigation's start until the explorer lists the
//              default folder's file (the workbench is there and talks to
//              its server);
//   terminal:  ms from the same start until the integrated terminal's shell
//              has drawn its prompt (shell integration's mark), the
//              workspace-trust prompt accepted on the way;
//   bytes:     bytes of every HTTP response as received (headers and
//              encoded body, Network.loadingFinished's encodedDataLength),
//              until the terminal's prompt.
// Environment: OVH_CHROMIUM (the browser), OVH_FIRST_OPEN_RESOLVE
// (Chromium's --host-resolver-rules, for the proxies' names).
// Output: one line "sample PROFILE TARGET ROUND workbench_ms terminal_ms
// bytes" each, then a table of medians with each target's ratio to every
// other. Exit 1 when a round failed (its line says why).
const { chromium } = require('playwright-core');
const fs = require('fs');

const args = process.argv.slice(2);
let rounds = 5;
let profiles = [[20, 40], [100, 10]];
const targets = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--rounds') rounds = Number(args[++i]);
  else if (args[i] === '--profiles') profiles = args[++i].split(',').map((p) => p.split(':').map(Number));
  else {
    const eq = args[i].indexOf('=');
    if (eq <= 0) throw new Error(`not NAME=URL_FILE: ${args[i]}`);
    targets.push({ name: args[i].slice(0, eq), url: fs.readFileSync(args[i].slice(eq + 1), 'utf8').trim() });
  }
}
if (!targets.length || !(rounds > 0)) {
  process.stderr.write('usage: first-open.js [--rounds N] [--profiles MBIT:MS,...] NAME=URL_FILE...\n');
  process.exit(64);
}

const TIMEOUT = 180000;
const TRUST_BUTTON = '.monaco-dialog-box:has-text("Do you trust the authors") .monaco-button:has-text("Trust Folder & Continue")';
const PROMPT_MARK = '.terminal-wrapper .xterm-decoration-container .xterm-decoration';

async function openOnce(browser, url, [mbit, ms]) {
  // The proxies' certificates are a test's own (self-signed, Caddy's
  // local CA): the handshake is a real one, only the trust is skipped.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ignoreHTTPSErrors: true });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: ms, downloadThroughput: (mbit * 1e6) / 8, uploadThroughput: (mbit * 1e6) / 8,
    });
    let bytes = 0;
    cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
    const start = Date.now();
    await page.goto(url, { waitUntil: 'commit', timeout: TIMEOUT });
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: TIMEOUT });
    const workbench = Date.now() - start;
    await page.keyboard.press('Control+Backquote');
    const deadline = Date.now() + TIMEOUT;
    for (;;) {
      if (await page.isVisible(TRUST_BUTTON)) await page.click(TRUST_BUTTON);
      else if (await page.$(PROMPT_MARK)) break;
      if (Date.now() > deadline) throw new Error('no terminal prompt');
      await page.waitForTimeout(50);
    }
    const terminal = Date.now() - start;
    return { workbench, terminal, bytes };
  } finally {
    await context.close();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.OVH_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      // names the proxies serve (tests/bench/proxy-open.sh), mapped to their address
      ...(process.env.OVH_FIRST_OPEN_RESOLVE ? [`--host-resolver-rules=${process.env.OVH_FIRST_OPEN_RESOLVE}`] : [])],
  });
  const samples = new Map();
  let failed = 0;
  try {
    for (const profile of profiles) {
      const pname = `${profile[0]}Mbit/${profile[1]}ms`;
      // One warm-up round per target (the server's own first start, its
      // compression cache), not counted.
      for (let r = 0; r <= rounds; r++) {
        for (const t of targets) {
          try {
            const s = await openOnce(browser, t.url, profile);
            if (r === 0) continue;
            process.stdout.write(`sample ${pname} ${t.name} ${r} ${s.workbench} ${s.terminal} ${s.bytes}\n`);
            const key = `${pname}\t${t.name}`;
            if (!samples.has(key)) samples.set(key, []);
            samples.get(key).push(s);
          } catch (e) {
            failed++;
            process.stdout.write(`failed ${pname} ${t.name} ${r} ${String(e.message).split('\n')[0]}\n`);
          }
        }
      }
    }
  } finally {
    await browser.close();
  }
  process.stdout.write('\nfirst open, cold browser cache (medians of the rounds):\n');
  process.stdout.write('  profile        target        workbench   terminal      MB\n');
  for (const profile of profiles) {
    const pname = `${profile[0]}Mbit/${profile[1]}ms`;
    const med = new Map();
    for (const t of targets) {
      const s = samples.get(`${pname}\t${t.name}`) || [];
      if (!s.length) continue;
      const m = { workbench: median(s.map((x) => x.workbench)), terminal: median(s.map((x) => x.terminal)),
        bytes: median(s.map((x) => x.bytes)) };
      med.set(t.name, m);
      process.stdout.write(`  ${pname.padEnd(14)} ${t.name.padEnd(12)} ${(m.workbench / 1000).toFixed(2).padStart(8)} s ` +
        `${(m.terminal / 1000).toFixed(2).padStart(8)} s ${(m.bytes / 1048576).toFixed(2).padStart(7)}\n`);
    }
    const names = [...med.keys()];
    for (const a of names) {
      for (const b of names) {
        if (a === b) continue;
        const x = med.get(a);
        const y = med.get(b);
        process.stdout.write(`  ${pname.padEnd(14)} ${a}/${b}: workbench ${(x.workbench / y.workbench).toFixed(2)}x, ` +
          `terminal ${(x.terminal / y.terminal).toFixed(2)}x, bytes ${(x.bytes / y.bytes).toFixed(2)}x\n`);
      }
    }
  }
  process.exit(failed ? 1 : 0);
})().catch((e) => {
  process.stderr.write(`first-open.js: ${e.stack || e}\n`);
  process.exit(1);
});
