'use strict';
// Drives Debian's chromium (playwright-core, no browser download) through
// the workbench that openvscode-host serves, as a person would use it.
// Run by tests/system/test-browser.sh, test-idle.sh and test-proxy.sh
// inside the test container's network namespace, so http://127.0.0.1:PORT
// is the container's socket-activated service and 127.0.0.1:443 its proxy.
//
//   node workbench.js ide     BASE_URL TOKEN_FILE STATE_DIR SCREENSHOT
//   node workbench.js visit   BASE_URL TOKEN_FILE
//   node workbench.js proxied BASE_URL TOKEN_FILE STATE_DIR SCREENSHOT CERT_FILE...
//   node workbench.js switch  BASE_URL TOKEN_FILE STATE_DIR SWITCHES
//
// ide:   the page without a token is the sign-in page (401), where the token
//        signs in; with ?tkn= the workbench renders,
//        the explorer lists the workspace, a file opens, an edit is saved,
//        a new file is created and saved, the integrated terminal runs
//        commands (their output lands in STATE_DIR, the account's home as
//        seen from this process), a screenshot is taken, the tab is closed
//        cleanly.
// visit: opens the workbench and the first file of the workspace,
//        prints "ready", then obeys one line on
//        stdin: "close" (clean tab close, as a person closing the tab) or
//        "kill" (the browser dies: SIGKILL, no goodbye to the server).
//        Prints "closed" or "killed" with the time of the act.
// proxied: BASE_URL is https://HOST/SUB/PATH behind a reverse proxy on
//        127.0.0.1:443 (HOST resolves there). The certificates in the PEM
//        CERT_FILEs (the proxy's own, or the CA that issued it) are trusted
//        by their public keys, so the origin is a secure context as with a
//        real certificate. Without a token the sign-in page; with ?tkn= the
//        workbench renders at BASE_URL/, its WebSockets go to
//        wss://HOST/SUB/PATH/ and carry traffic both ways, the explorer
//        lists hello.txt, which opens with its content, and the integrated
//        terminal runs `id -un` (its output lands in STATE_DIR/terminal.done,
//        STATE_DIR being the instance's home as seen from this process),
//        a webview renders (the Markdown preview of README.md, which the
//        caller puts in the default folder with a heading "Through the
//        proxy") with its service worker under the sub-path; a screenshot
//        is taken.
// switch: SWITCHES times: the workbench with hello.txt open and an edit not
//        saved (the tab is dirty), then "ready"; the caller switches the
//        server under it (openvscodectl server update, rollback) and writes
//        "switched" on stdin. The workbench, which lost its server, reloads
//        (the "Reload Window" of its reconnection dialog, or a reload when
//        it shows none); the edit comes back from the browser's backup,
//        still unsaved, and Ctrl+S writes it to STATE_DIR/workspace/hello.txt
//        through the new server.
//
// Output, one line each: "ok DESCRIPTION", "not ok DESCRIPTION", "# TEXT",
// "time NAME MS" (ms since the start), "ready", "closed US", "killed US"
// (US: CLOCK_MONOTONIC in microseconds, the clock of systemd's *Monotonic
// timestamps, so the caller can subtract them). The caller numbers the
// results as TAP. Exit status 0 when every step passed, 1 otherwise.
//
// The token is read from a file: on argv it would be visible in ps.
const { chromium } = require('playwright-core');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const readline = require('readline');

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// Generous: a loaded 2-core CI machine renders the workbench in ~7 s.
const STEP_TIMEOUT = 60000;

const t0 = Date.now();
let failures = 0;
const say = (line) => process.stdout.write(line + '\n');
const ok = (desc) => say(`ok ${desc}`);
const notOk = (desc, err) => {
    failures++;
    say(`not ok ${desc}`);
    for (const line of String(err && err.message || err).split('\n').slice(0, 6)) say(`#   ${line}`);
};
const time = (name) => say(`time ${name} ${Date.now() - t0}`);
// libuv's hrtime is CLOCK_MONOTONIC on Linux.
const monotonicUs = () => process.hrtime.bigint() / 1000n;

// step DESC FN: runs FN, reports it; a failed step that later steps
// depend on stops the scenario (the caller still counts the failure).
async function step(desc, fn, { fatal = true } = {}) {
    try {
        const detail = await fn();
        ok(detail ? `${desc} (${detail})` : desc);
        return true;
    } catch (e) {
        notOk(desc, e);
        if (fatal) throw new Abort();
        return false;
    }
}
class Abort extends Error {}

function expectEqual(actual, expected, what) {
    if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

async function waitForFile(file, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8');
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${file} did not appear within ${timeoutMs} ms`);
}

async function launch(extraArgs = []) {
    return chromium.launch({ executablePath: process.env.OVH_CHROMIUM || '/usr/bin/chromium',
        args: [...CHROMIUM_ARGS, ...extraArgs] });
}

// openWorkbench BROWSER BASE TOKEN [SOCKETS]: a new page on BASE/?tkn=TOKEN;
// SOCKETS, an array when given, collects the page's WebSockets: url, frames
// in and out.
async function openWorkbench(browser, base, token, sockets) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    if (sockets) {
        page.on('websocket', (ws) => {
            const s = { url: ws.url(), received: 0, sent: 0 };
            sockets.push(s);
            ws.on('framereceived', () => s.received++);
            ws.on('framesent', () => s.sent++);
        });
    }
    const response = await page.goto(`${base}/?tkn=${encodeURIComponent(token)}`, { waitUntil: 'load' });
    // The server answers ?tkn= with a redirect that sets the cookie; the
    // workbench HTML then comes from "/".
    expectEqual(response && response.status(), 200, 'status after the token redirect');
    await page.waitForSelector('.monaco-workbench', { timeout: STEP_TIMEOUT });
    time('workbench');
    return page;
}

const explorerRow = (name) => `.explorer-folders-view .monaco-list-row[aria-label^="${name}"]`;

// terminalScreen PAGE: the terminal's text without its spaces and line
// breaks (a long command wraps). xterm draws it in DOM rows with the
// user setting terminal.integrated.gpuAcceleration off (tests/browser/lib.sh
// prepare_state); without rows there is nothing to read, and that is an
// error of the test's setup.
async function terminalScreen(page) {
    const rows = await page.$$eval('.terminal-wrapper .xterm-rows', (els) => els.map((el) => el.textContent));
    if (!rows.length)
        throw new Error('the terminal has no text rows: is terminal.integrated.gpuAcceleration "off" in the user settings?');
    return rows.join('').replace(/\s/g, '');
}

// typeInTerminal PAGE COMMAND: types COMMAND on the terminal's prompt and
// runs it (Enter) once the screen shows all of it. With 1.139 the first
// keys can go elsewhere just after the terminal appears (a run lost
// "sh -c "); a command shown short is cleared (Ctrl+U) and typed again,
// up to three times, so nothing half-typed ever runs.
async function typeInTerminal(page, command) {
    const want = command.replace(/\s/g, '');
    for (let attempt = 1; ; attempt++) {
        // xterm reads keys from a hidden textarea; the click focuses it.
        await page.click('.terminal-wrapper .xterm');
        await page.waitForFunction(() => document.activeElement &&
            document.activeElement.classList.contains('xterm-helper-textarea'), null, { timeout: STEP_TIMEOUT });
        await terminalScreen(page);
        await page.keyboard.type(command, { delay: 5 });
        const deadline = Date.now() + 5000;
        let shown = false;
        while (!(shown = (await terminalScreen(page)).includes(want)) && Date.now() < deadline)
            await page.waitForTimeout(100);
        if (shown) break;
        if (attempt === 3) throw new Error(`the terminal does not show the command typed three times: ${command}`);
        say(`# the terminal showed the command short; typing it again (attempt ${attempt + 1})`);
        await page.keyboard.press('Control+U');
    }
    await page.keyboard.press('Enter');
}

// The explorer lists NAME (the default folder, read through the server).
async function explorerLists(page, name) {
    await page.waitForSelector(explorerRow(name), { timeout: STEP_TIMEOUT });
    time('explorer');
    const rows = await page.$$eval('.explorer-folders-view .monaco-list-row', (els) => els.map((e) => e.textContent));
    return `rows: ${rows.join(', ')}`;
}

// NAME opens in an editor and shows TEXT.
async function opensWith(page, name, text) {
    await page.click(explorerRow(name));
    await page.waitForSelector(`.tab[aria-label^="${name}"]`, { timeout: STEP_TIMEOUT });
    await page.waitForFunction((t) => {
        const lines = document.querySelector('.editor-instance .view-lines');
        // Monaco draws spaces as no-break spaces.
        return lines && lines.textContent.replace(/\u00a0/g, ' ').includes(t);
    }, text, { timeout: STEP_TIMEOUT });
    time('editor');
}

// The workspace-trust prompt: VS Code (1.139) asks "Do you trust the
// authors of the files in this folder?" when a terminal is to start in a
// folder not yet trusted: the terminal's panel shows first, the dialog a
// moment later, and the shell starts only after "Trust Folder & Continue".
// The tests accept it as a person would; trustAccepted counts the prompts
// answered, so a scenario can require that it was asked.
const TRUST_DIALOG = '.monaco-dialog-box:has-text("Do you trust the authors")';
const TRUST_BUTTON = `${TRUST_DIALOG} .monaco-button:has-text("Trust Folder & Continue")`;
// The shell's prompt on screen: VS Code's shell integration marks it with
// a decoration once bash has drawn it.
const PROMPT_MARK = '.terminal-wrapper .xterm-decoration-container .xterm-decoration';
let trustAccepted = 0;

// openTerminalTrusting PAGE: after the keys that open a terminal, waits
// until its shell has drawn a prompt, answering the trust prompt whenever
// it shows. Without shell integration (a user setting) there is no mark:
// then a visible terminal and no dialog for 20 s will do.
async function openTerminalTrusting(page) {
    const started = Date.now();
    for (;;) {
        if (await page.isVisible(TRUST_BUTTON)) {
            await page.click(TRUST_BUTTON);
            trustAccepted++;
            time('trust');
        } else if (await page.$(PROMPT_MARK)) {
            return;
        } else if (Date.now() - started > 20000 && await page.isVisible('.terminal-wrapper .xterm') &&
            !(await page.isVisible('.monaco-dialog-box'))) {
            return;
        }
        if (Date.now() - started > STEP_TIMEOUT) {
            throw new Error(`no terminal prompt within ${STEP_TIMEOUT} ms` +
                (await page.isVisible('.monaco-dialog-box') ? ` (a dialog: ${await page.innerText('.monaco-dialog-box')})` : ''));
        }
        await page.waitForTimeout(200);
    }
}

// runInTerminal PAGE STATE_DIR SCRIPT: opens the integrated terminal and
// runs SCRIPT (sh) in it; resolves with its output, which goes to
// ~/terminal.out, renamed ~/terminal.done when complete, and is read from
// STATE_DIR (the home as this process sees it).
async function runInTerminal(page, stateDir, script) {
    await page.keyboard.press('Control+Backquote');
    await openTerminalTrusting(page);
    time('terminal');
    // A child shell, not a { } group: bash's shell integration prints its
    // marks from a DEBUG trap, into whatever the group's stdout is. The
    // cat shows it on screen.
    await typeInTerminal(page,
        `sh -c '${script}' >~/terminal.out 2>&1; mv ~/terminal.out ~/terminal.done; cat ~/terminal.done`);
    let output;
    try {
        output = await waitForFile(path.join(stateDir, 'terminal.done'), STEP_TIMEOUT);
    } catch (e) {
        // What the terminal shows says why (a prompt that never came, an
        // error of the shell, keys that went elsewhere).
        const screen = await page.$$eval('.terminal-wrapper .xterm-rows',
            (els) => els.map((el) => el.innerText).join('\n')).catch((err) => `(unreadable: ${err.message})`);
        const lines = screen.split('\n').map((l) => l.replace(/\u00a0/g, ' ').trimEnd()).filter((l) => l);
        const dialog = await page.isVisible('.monaco-dialog-box') ? await page.innerText('.monaco-dialog-box') : 'none';
        throw new Error(`${e.message}\nthe terminal shows: ${lines.slice(-4).join(' | ') || '(nothing)'}` +
            `\na dialog: ${dialog.replace(/\n+/g, ' ').slice(0, 200)}`);
    }
    time('terminal-done');
    return output;
}

// signIn BROWSER BASE TOKEN: a browser without the token meets the sign-in
// page (signin.js: 401, its form posting to BASE's /sign-in), a wrong
// token gets the page again (401), the right one VS Code's cookie and the
// workbench. In a context of its own, closed again.
async function signIn(browser, base, token) {
    const context = await browser.newContext();
    try {
        const page = await context.newPage();
        const response = await page.goto(`${base}/`);
        expectEqual(response.status(), 401, 'status of the page without a token');
        const action = await page.getAttribute('form[method="post"]', 'action');
        expectEqual(action, `${new URL(base).pathname.replace(/\/$/, '')}/sign-in`, 'the sign-in form\'s action');
        await page.fill('#secret', 'not-the-token');
        const [wrong] = await Promise.all([page.waitForNavigation(), page.press('#secret', 'Enter')]);
        expectEqual(wrong.status(), 401, 'status after a wrong token');
        await page.fill('#secret', token);
        await Promise.all([page.waitForNavigation(), page.press('#secret', 'Enter')]);
        await page.waitForSelector('.monaco-workbench', { timeout: STEP_TIMEOUT });
        const cookie = (await context.cookies()).find((c) => c.name === 'vscode-tkn');
        if (!cookie) throw new Error('no vscode-tkn cookie after signing in');
    } finally {
        await context.close();
    }
}

async function ide(base, token, stateDir, screenshot) {
    const browser = await launch();
    try {
        await step('without the token the sign-in page (401); a wrong token gets it again, the token the workbench',
            () => signIn(browser, base, token), { fatal: false });

        let page;
        await step('with ?tkn= the workbench renders (.monaco-workbench)', async () => {
            page = await openWorkbench(browser, base, token);
            return `${Date.now() - t0} ms after start`;
        });
        page.on('pageerror', (e) => say(`# page error: ${e.message.split('\n')[0]}`));

        await step('the explorer lists the workspace (hello.txt)', () => explorerLists(page, 'hello.txt'));

        await step('hello.txt opens in the editor with its content',
            () => opensWith(page, 'hello.txt', 'written by the system test'));

        await step('an edit to hello.txt is saved (Ctrl+S)', async () => {
            await page.click('.editor-instance .view-lines');
            await page.keyboard.press('Control+End');
            await page.keyboard.type('\nedited in the browser\n');
            await page.keyboard.press('Control+S');
            const file = path.join(stateDir, 'workspace', 'hello.txt');
            const deadline = Date.now() + STEP_TIMEOUT;
            while (!fs.readFileSync(file, 'utf8').includes('edited in the browser')) {
                if (Date.now() > deadline) throw new Error(`${file} does not hold the edit`);
                await page.waitForTimeout(100);
            }
            time('saved');
        });

        await step('a new file made in the explorer is saved', async () => {
            await page.hover('.explorer-folders-view');
            await page.click('.pane-header .actions a.codicon-new-file');
            const input = '.explorer-folders-view .monaco-inputbox input';
            await page.waitForSelector(input, { timeout: STEP_TIMEOUT });
            await page.fill(input, 'from-the-browser.txt');
            await page.keyboard.press('Enter');
            await page.waitForSelector('.tab[aria-label^="from-the-browser.txt"]', { timeout: STEP_TIMEOUT });
            await page.click('.editor-instance .view-lines');
            await page.keyboard.type('a new file, saved from the browser\n');
            await page.keyboard.press('Control+S');
            const file = path.join(stateDir, 'workspace', 'from-the-browser.txt');
            const deadline = Date.now() + STEP_TIMEOUT;
            while (!(fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('saved from the browser'))) {
                if (Date.now() > deadline) throw new Error(`${file} does not hold the text`);
                await page.waitForTimeout(100);
            }
        });

        // The output lands in the home, where the caller checks it (as a
        // detail of this line it would only clutter the TAP output).
        await step('the integrated terminal runs commands as the account', async () => {
            await runInTerminal(page, stateDir,
                'id -un; grep -E "NoNewPrivs|Seccomp" /proc/self/status; umask; ' +
                'git init -q && git add -A && git -c user.name=browser -c user.email=browser@localhost ' +
                'commit -qm "commit from the browser terminal" && git log -1 --format=%s');
        });

        // The state is fresh and trust is on (VS Code's default): the
        // first terminal must have asked, once.
        await step('the workspace-trust prompt was accepted ("Trust Folder & Continue")', async () => {
            expectEqual(trustAccepted, 1, 'trust prompts answered');
        }, { fatal: false });

        await step('screenshot of the workbench', async () => {
            await page.waitForTimeout(500); // the terminal draws the cat
            await page.screenshot({ path: screenshot });
            return screenshot;
        }, { fatal: false });

        await step('the tab closes cleanly', async () => {
            const closing = monotonicUs();
            await page.close({ runBeforeUnload: true });
            say(`closed ${closing}`);
        }, { fatal: false });
    } catch (e) {
        if (!(e instanceof Abort)) notOk('the scenario ran to its end', e);
    } finally {
        await browser.close().catch(() => {});
    }
}

async function visit(base, token) {
    const browser = await launch();
    try {
        const page = await openWorkbench(browser, base, token);
        await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: STEP_TIMEOUT });
        time('explorer');
        // A file in an editor, as a person would have: the workbench then
        // asks the extension host to activate extensions for its language,
        // which the caller sees in the extension host's log.
        await page.click('.explorer-folders-view .monaco-list-row');
        await page.waitForSelector('.editor-instance .view-lines', { timeout: STEP_TIMEOUT });
        time('editor');
        say('ready');
        const lines = readline.createInterface({ input: process.stdin });
        const [command] = await Promise.race([
            new Promise((r) => lines.once('line', (l) => r([l.trim()]))),
            new Promise((r) => lines.once('close', () => r(['close']))),
        ]);
        lines.close();
        if (command === 'kill') {
            // As when the machine running the browser loses power: no
            // unload, no goodbye on the protocol, the TCP connections die
            // with the process (the kernel resets them).
            const killing = monotonicUs();
            browser.process().kill('SIGKILL');
            say(`killed ${killing}`);
            return;
        }
        const closing = monotonicUs();
        await page.close({ runBeforeUnload: true });
        say(`closed ${closing}`);
        ok('the tab closed cleanly');
    } catch (e) {
        notOk('the workbench opened and closed', e);
    } finally {
        await browser.close().catch(() => {});
    }
}

// spkiHashes FILES: base64 SHA-256 of the public key of every certificate
// in the PEM files, as chromium's --ignore-certificate-errors-spki-list
// takes them.
function spkiHashes(files) {
    const pems = files.flatMap((f) => fs.readFileSync(f, 'utf8')
        .match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) || []);
    if (pems.length === 0) throw new Error(`no certificate in ${files.join(', ')}`);
    return pems.map((pem) => crypto.createHash('sha256')
        .update(new crypto.X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' }))
        .digest('base64'));
}

async function proxied(base, token, stateDir, screenshot, certFiles) {
    const url = new URL(base);
    // The proxy's name leads to 127.0.0.1 (the container's proxy) without
    // DNS. Its certificate is the test's own, trusted by its public key
    // rather than accepted with errors: chromium refuses service workers
    // (the workbench's webviews) on an origin with a certificate error.
    const browser = await launch([`--host-resolver-rules=MAP ${url.hostname} 127.0.0.1`,
        `--ignore-certificate-errors-spki-list=${spkiHashes(certFiles).join(',')}`]);
    try {
        await step(`through the proxy, without the token the sign-in page at ${url.pathname}/ (401), then the workbench`,
            () => signIn(browser, base, token), { fatal: false });

        const sockets = [];
        let page;
        await step(`with ?tkn= the workbench renders at ${url.pathname}/ (.monaco-workbench)`, async () => {
            page = await openWorkbench(browser, base, token, sockets);
            // The token went into a cookie: the address no longer has it.
            if (!page.url().startsWith(`${base}/`) || page.url().includes('tkn=')) {
                throw new Error(`address after the token redirect: ${page.url().replace(/tkn=[^&]*/, 'tkn=...')}`);
            }
            return `${Date.now() - t0} ms after start`;
        });
        page.on('pageerror', (e) => say(`# page error: ${e.message.split('\n')[0]}`));

        await step('the page is a secure context (the certificate is trusted)', async () => {
            expectEqual(await page.evaluate(() => window.isSecureContext), true, 'window.isSecureContext');
        }, { fatal: false });

        await step('the explorer lists the default folder (hello.txt)', () => explorerLists(page, 'hello.txt'));

        await step('hello.txt opens in the editor with its content',
            () => opensWith(page, 'hello.txt', 'written by the system test'));

        // The explorer and the editor read the files over the remote
        // connection: its WebSockets went through the proxy, under the sub-path.
        const wsBase = `wss://${url.host}${url.pathname}/`;
        await step(`the workbench's WebSockets go to ${wsBase} and carry traffic both ways`, async () => {
            const ours = sockets.filter((s) => s.url.startsWith(wsBase) && s.received > 0 && s.sent > 0);
            if (ours.length === 0) {
                throw new Error(`no such WebSocket; seen: ${JSON.stringify(sockets.map((s) =>
                    ({ url: s.url.split('?')[0], received: s.received, sent: s.sent })))}`);
            }
            return `${ours.length} of ${sockets.length}, ${ours.reduce((a, s) => a + s.received, 0)} frames received`;
        });

        await step('the integrated terminal runs id -un on the server', async () => {
            const output = await runInTerminal(page, stateDir, 'id -un');
            return `output: ${output.trim()}`;
        });

        // A webview: its frames and its service worker come from the
        // server under the sub-path, and a service worker needs a secure
        // context. The Markdown preview is one that every build has.
        await step('a webview renders: the Markdown preview of README.md', async () => {
            await page.click(explorerRow('README.md'));
            await page.waitForSelector('.tab[aria-label^="README.md"]', { timeout: STEP_TIMEOUT });
            await page.click('.editor-instance .view-lines');
            await page.keyboard.press('Control+Shift+V');
            // The preview's heading, in a frame of the webview served under
            // the sub-path (the editor beside it shows the source in the
            // page itself).
            const deadline = Date.now() + STEP_TIMEOUT;
            for (;;) {
                for (const frame of page.frames()) {
                    if (frame === page.mainFrame() || !frame.url().startsWith(`${base}/`)) continue;
                    const headings = await frame.$$eval('h1', (hs) => hs.map((h) => h.textContent.trim())).catch(() => []);
                    if (headings.includes('Through the proxy')) {
                        return `in the frame ${new URL(frame.url()).pathname.split('/').pop()} under ${url.pathname}/`;
                    }
                }
                if (Date.now() > deadline) throw new Error(`no frame shows the heading; frames: ${page.frames().map((f) => f.url().split('?')[0]).join(', ')}`);
                await page.waitForTimeout(250);
            }
        });

        await step(`the webviews' service worker is registered under ${url.pathname}/`, async () => {
            const scopes = await page.evaluate(async () =>
                (await navigator.serviceWorker.getRegistrations()).map((r) => r.scope));
            const ours = scopes.filter((s) => s.startsWith(`${base}/`) && s.includes('/webview/'));
            if (ours.length === 0) throw new Error(`registrations: ${JSON.stringify(scopes)}`);
            return ours.map((s) => new URL(s).pathname).join(', ');
        }, { fatal: false });

        await step('screenshot of the workbench', async () => {
            await page.waitForTimeout(500); // the terminal draws the cat
            await page.screenshot({ path: screenshot });
            return screenshot;
        }, { fatal: false });
    } catch (e) {
        if (!(e instanceof Abort)) notOk('the scenario ran to its end', e);
    } finally {
        await browser.close().catch(() => {});
    }
}

const unsaved = (round) => `typed before switch ${round}, saved after it`;

async function dirtyEditorShows(page, name, text) {
    await page.waitForSelector(`.tab.dirty[aria-label^="${name}"]`, { timeout: STEP_TIMEOUT });
    await page.waitForFunction((t) => {
        const lines = document.querySelector('.editor-instance .view-lines');
        return lines && lines.textContent.replace(/\u00a0/g, ' ').includes(t);
    }, text, { timeout: STEP_TIMEOUT });
}

async function switchServer(base, token, stateDir, rounds) {
    const browser = await launch();
    const file = path.join(stateDir, 'workspace', 'hello.txt');
    const commands = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
    try {
        let page;
        await step('the workbench renders', async () => {
            page = await openWorkbench(browser, base, token);
        });
        await step('hello.txt opens', async () => {
            await explorerLists(page, 'hello.txt');
            await opensWith(page, 'hello.txt', 'written by the system test');
        });
        for (let round = 1; round <= rounds; round++) {
            const text = unsaved(round);
            await step(`switch ${round}: an edit is typed and not saved: the tab is dirty`, async () => {
                await page.click('.editor-instance .view-lines');
                await page.keyboard.press('Control+End');
                await page.keyboard.type(`\n${text}\n`);
                await dirtyEditorShows(page, 'hello.txt', text);
                // The workbench backs a dirty editor up after a short delay.
                await page.waitForTimeout(3000);
                if (fs.readFileSync(file, 'utf8').includes(text)) throw new Error('the edit is on disk already');
            });
            say('ready');
            const { value, done } = await commands.next();
            const command = done ? 'end of input' : value.trim();
            if (command !== 'switched') throw new Error(`expected "switched" on stdin, got "${command}"`);
            const switched = Date.now();

            await step(`switch ${round}: the workbench reloads and renders again`, async () => {
                // The reconnection dialog offers "Reload Window" once the
                // new server refuses the old session; without one, reload.
                const reload = page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Reload Window' });
                let how;
                try {
                    await reload.first().waitFor({ timeout: 60000 });
                    await reload.first().click();
                    await page.waitForLoadState('load', { timeout: STEP_TIMEOUT });
                    how = 'its "Reload Window"';
                } catch {
                    await page.reload({ waitUntil: 'load' });
                    how = 'no "Reload Window" dialog within 60 s: reloaded';
                }
                await page.waitForSelector('.monaco-workbench', { timeout: STEP_TIMEOUT });
                return `${how}, ${Date.now() - switched} ms after the switch`;
            });
            await step(`switch ${round}: the unsaved edit is back, still unsaved (a dirty hello.txt)`,
                () => dirtyEditorShows(page, 'hello.txt', text));
            await step(`switch ${round}: Ctrl+S writes the edit to disk through the new server`, async () => {
                await page.click('.editor-instance .view-lines');
                await page.keyboard.press('Control+S');
                const deadline = Date.now() + STEP_TIMEOUT;
                while (!fs.readFileSync(file, 'utf8').includes(text)) {
                    if (Date.now() > deadline) throw new Error(`${file} does not hold the edit`);
                    await page.waitForTimeout(100);
                }
                await page.waitForSelector('.tab:not(.dirty)[aria-label^="hello.txt"]', { timeout: STEP_TIMEOUT });
            });
        }
    } catch (e) {
        if (!(e instanceof Abort)) notOk('the scenario ran to its end', e);
    } finally {
        await browser.close().catch(() => {});
    }
}

async function main() {
    const [scenario, base, tokenFile, ...rest] = process.argv.slice(2);
    const token = fs.readFileSync(tokenFile, 'utf8').trim();
    if (scenario === 'ide' && rest.length === 2) await ide(base, token, rest[0], rest[1]);
    else if (scenario === 'visit' && rest.length === 0) await visit(base, token);
    else if (scenario === 'proxied' && rest.length >= 3) await proxied(base, token, rest[0], rest[1], rest.slice(2));
    else if (scenario === 'switch' && rest.length === 2 && Number(rest[1]) > 0) {
        await switchServer(base, token, rest[0], Number(rest[1]));
    }
    else {
        console.error('usage: workbench.js ide BASE_URL TOKEN_FILE STATE_DIR SCREENSHOT | visit BASE_URL TOKEN_FILE' +
            ' | proxied BASE_URL TOKEN_FILE STATE_DIR SCREENSHOT CERT_FILE... | switch BASE_URL TOKEN_FILE STATE_DIR SWITCHES');
        process.exit(64);
    }
    process.exit(failures ? 1 : 0);
}

main().catch((e) => { notOk('workbench.js', e); process.exit(1); });
