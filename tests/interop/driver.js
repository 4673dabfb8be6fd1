#!/usr/bin/env node
// Drives the real residue Node client (npm residue@2.0.1) against a running residue-server
// and checks the server's --log-file: every line sent arrives exactly once with its logger,
// level and text. Run by tests/scripts/node-interop.sh, one process per mode (the module
// keeps one connection in module-level state, so one process = one client).
//
//   node --security-revert=CVE-2023-46809 driver.js --mode NAME --port N --log-file FILE
//        [--client-id ID --client-private-key PEM --client-public-key PEM]
//        [--server-public-key PEM]
//        [--app APP] [--timeout-ms MS]
//
// Facts this relies on (protocol reference §1.3, §10.1, and residue.js itself):
// - the module answers nothing back to us on the logging socket (replies are ignored), so the
//   log file is the only evidence; we poll it until every line is there or time runs out;
// - logger.warn() in 2.0.1 sends no `level` (LoggingLevels.Warn is undefined), so a
//   compatible server rejects it with {"r":1}: we send one and assert it is NOT written;
// - its hello decryption uses crypto.privateDecrypt(RSA_PKCS1_PADDING), which Node >= 18.19.1 /
//   20.11.1 refuses unless started with --security-revert=CVE-2023-46809;
// - for a managed client 2.0.1 passes `passphrase: client_key_secret || null` to
//   crypto.privateDecrypt, and current Node rejects a null passphrase
//   (ERR_INVALID_ARG_VALUE "options.passphrase is invalid. Received null"). So we give a
//   dummy client_key_secret (OpenSSL never asks for it: the PEM is not encrypted); 2.0.1
//   then insists on client_public_key too, which we pass (it is not otherwise used).
'use strict';

const fs = require('fs');
const path = require('path');

function parseArgs(argv) {
    const opts = { app: 'node-interop', timeoutMs: 30000 };
    const names = {
        '--mode': 'mode', '--port': 'port', '--log-file': 'logFile', '--client-id': 'clientId',
        '--client-private-key': 'clientPrivateKey', '--client-public-key': 'clientPublicKey',
        '--server-public-key': 'serverPublicKey',
        '--app': 'app', '--timeout-ms': 'timeoutMs', '--host': 'host',
    };
    for (let i = 0; i < argv.length; i += 2) {
        const key = names[argv[i]];
        if (!key || i + 1 >= argv.length) {
            throw new Error(`bad argument '${argv[i]}' (at position ${i + 1})`);
        }
        opts[key] = argv[i + 1];
    }
    for (const req of ['mode', 'port', 'logFile']) {
        if (!opts[req]) throw new Error(`missing --${req.replace(/[A-Z]/g, c => '-' + c.toLowerCase())}`);
    }
    opts.port = Number(opts.port);
    opts.timeoutMs = Number(opts.timeoutMs);
    opts.host = opts.host || '127.0.0.1';
    if (opts.host !== '127.0.0.1' && opts.host !== 'localhost') {
        throw new Error('loopback only: --host must be 127.0.0.1');
    }
    return opts;
}

// Level numbers are easylogging++'s (reference §6.2); the server may write either the number
// or the name, so both are accepted.
const LEVELS = { trace: 2, debug: 4, fatal: 8, error: 16, warning: 32, verbose: 64, info: 128 };

function levelMatches(logged, name) {
    if (typeof logged === 'number') return logged === LEVELS[name];
    if (typeof logged === 'string') {
        const l = logged.toLowerCase();
        return l === name || (name === 'warning' && l === 'warn') || l === String(LEVELS[name]);
    }
    return false;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function readLog(file) {
    // Returns parsed records plus lines that are not JSON (reported, never ignored).
    let text = '';
    try { text = fs.readFileSync(file, 'utf8'); } catch (e) { return { records: [], bad: [] }; }
    const records = [];
    const bad = [];
    const lines = text.split('\n');
    // The last piece may be a line still being written: only parse complete lines.
    for (let i = 0; i < lines.length - 1; i++) {
        if (lines[i].trim() === '') continue;
        try { records.push(JSON.parse(lines[i])); } catch (e) { bad.push(`line ${i + 1}: ${lines[i]}`); }
    }
    return { records, bad };
}

async function main() {
    const opts = parseArgs(process.argv.slice(2));
    const residue = require(path.join(__dirname, 'node_modules', 'residue'));
    const deadline = Date.now() + opts.timeoutMs;
    const tag = `${opts.mode}-${process.pid}-${Date.now()}`;

    const config = {
        url: `${opts.host}:${opts.port}`,
        application_id: opts.app,
        rsa_key_size: 2048,
        utc_time: false,
    };
    if (opts.clientId) {
        config.client_id = opts.clientId;
        config.client_private_key = opts.clientPrivateKey;
        config.client_public_key = opts.clientPublicKey;
        config.client_key_secret = 'not-used-the-pem-is-unencrypted';
    }
    if (opts.serverPublicKey) config.server_public_key = opts.serverPublicKey;

    console.log(`[${opts.mode}] connecting to ${config.url}` +
        (opts.clientId ? ` as managed client '${opts.clientId}'` : ' as an unmanaged client') +
        (opts.serverPublicKey ? ', CONNECT RSA-encrypted to the server key' : ', plain CONNECT'));
    residue.connect(config);
    while (!residue.isConnected()) {
        if (Date.now() > deadline) {
            return fail(opts, 'the client never reached "connected" (hello or ACK reply not ' +
                'accepted; see the module output above)');
        }
        await sleep(50);
    }
    console.log(`[${opts.mode}] connected (handshake CONNECT -> hello -> ACK -> established done)`);

    // Distinct texts, several loggers, every level 2.0.1 can send correctly.
    const plan = [
        { logger: 'default', level: 'info', call: (l, m) => l.info(m) },
        { logger: 'default', level: 'error', call: (l, m) => l.error(m) },
        { logger: 'interop', level: 'debug', call: (l, m) => l.debug(m) },
        { logger: 'interop', level: 'trace', call: (l, m) => l.trace(m) },
        { logger: 'sample-app', level: 'fatal', call: (l, m) => l.fatal(m) },
        { logger: 'sample-app', level: 'verbose', call: (l, m) => l.verbose(3, m) },
        { logger: 'default', level: 'info', call: (l, m) => l.info(m) },
    ];
    const expected = plan.map((p, i) => ({
        ...p, text: `node interop ${tag} line ${i + 1} (${p.logger}/${p.level}) ok`,
    }));
    const warnText = `node interop ${tag} warn without level must be rejected`;
    for (const e of expected) e.call(residue.getLogger(e.logger), e.text);
    residue.getLogger('default').warn(warnText);
    // One more line after the rejected warn: the connection must keep working.
    const after = { logger: 'interop', level: 'info', text: `node interop ${tag} after warn` };
    residue.getLogger(after.logger).info(after.text);
    expected.push(after);

    // Wait until every expected line is in the log file (or time is up), then a short grace
    // period so duplicates written late are seen too.
    const countOf = (records, text) => records.filter((r) => r && r.msg === text).length;
    let snap;
    for (;;) {
        snap = readLog(opts.logFile);
        if (expected.every((e) => countOf(snap.records, e.text) >= 1)) break;
        if (Date.now() > deadline) break;
        await sleep(100);
    }
    await sleep(500);
    snap = readLog(opts.logFile);

    const problems = [];
    for (const b of snap.bad) problems.push(`log file has a line that is not JSON: ${b}`);
    const seenIds = new Set();
    for (const e of expected) {
        const hits = snap.records.filter((r) => r && r.msg === e.text);
        if (hits.length !== 1) {
            problems.push(`"${e.text}": expected exactly 1 record, found ${hits.length}`);
            continue;
        }
        const r = hits[0];
        if (r.logger !== e.logger) problems.push(`"${e.text}": logger ${JSON.stringify(r.logger)}, expected "${e.logger}"`);
        if (!levelMatches(r.level, e.level)) problems.push(`"${e.text}": level ${JSON.stringify(r.level)}, expected ${e.level} (${LEVELS[e.level]})`);
        if (r.app !== opts.app) problems.push(`"${e.text}": app ${JSON.stringify(r.app)}, expected "${opts.app}"`);
        if (typeof r.client_id !== 'string' || r.client_id === '') {
            problems.push(`"${e.text}": client_id missing`);
        } else {
            seenIds.add(r.client_id);
        }
    }
    if (seenIds.size > 1) problems.push(`lines came from several client ids: ${[...seenIds].join(', ')}`);
    if (opts.clientId && seenIds.size === 1 && !seenIds.has(opts.clientId)) {
        problems.push(`client_id ${[...seenIds][0]}, expected managed id ${opts.clientId}`);
    }
    const warnHits = countOf(snap.records, warnText);
    if (warnHits !== 0) {
        problems.push(`logger.warn (no level on the wire in 2.0.1) was written ${warnHits} time(s); ` +
            'the reference server rejects it with {"r":1}');
    }

    if (problems.length) return fail(opts, problems.join('\n  '));
    console.log(`[${opts.mode}] ${expected.length} lines arrived exactly once with logger, level, ` +
        `app and text; warn without level rejected; client_id ${[...seenIds][0]}`);
    console.log(`PASS: node-interop ${opts.mode}`);
    process.exit(0);
}

function fail(opts, why) {
    console.log(`FAIL: node-interop ${opts.mode}: ${why}`);
    process.exit(1);
}

main().catch((e) => {
    console.log(`FAIL: node-interop driver error: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
});
