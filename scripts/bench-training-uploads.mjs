// Benchmark (not a test): the server's memory while one account sends many large training uploads at once (issue 23's 20 × 36 MB), beside its idle memory, for one build or two side by side.
/* global fetch, AbortSignal, setInterval, clearInterval -- Node 20 globals */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: flags } = parseArgs({
  options: {
    uploads: { type: 'string', default: '20' },
    images: { type: 'string', default: '30' },
    'image-kb': { type: 'string', default: '900' },
    // the server entries to measure, comma-separated (e.g. an older build's out/server/index.cjs beside this one's)
    servers: { type: 'string', default: 'out/server/index.cjs' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log('npm run bench:uploads -- [--uploads 20] [--images 30] [--image-kb 900] [--servers out/server/index.cjs,/other/out/server/index.cjs]');
  process.exit(0);
}
const UPLOADS = Math.min(100, Math.max(1, Number(flags.uploads)));
const IMAGES = Math.min(30, Math.max(1, Number(flags.images)));
const IMAGE_BYTES = Math.min(1_000, Math.max(1, Number(flags['image-kb']))) * 1024;
const ADMIN_TOKEN = `bench-admin-${process.pid}-${Date.now()}`;
const SAMPLE_MS = 25;
const REQUEST_TIMEOUT_MS = 120_000;

const rssMb = (pid) => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
};

async function start(entry) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-uploads-'));
  const child = spawn(process.execPath, [entry, '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'], { env: { ...process.env, CREDITS_ADMIN_TOKEN: ADMIN_TOKEN }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`${entry} exited with ${code}`)));
  });
  child.stdout.resume();
  const stop = () => new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill('SIGTERM')))).then(() => rmSync(dataDir, { recursive: true, force: true }));
  return { url, pid: child.pid, stop };
}

async function post(url, route, token, body) {
  const res = await fetch(`${url}${route}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `bench-${randomBytes(8).toString('hex')}` }, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Images the content check refuses (no image format's first bytes), as the issue's reproduction sent: the body is read whole first. */
function uploadBody() {
  const images = Array.from({ length: IMAGES }, (_, i) => ({ fileName: `p${i}.png`, dataBase64: randomBytes(IMAGE_BYTES).toString('base64') }));
  return JSON.stringify({ name: 'bench', images });
}

async function measure(entry) {
  const s = await start(entry);
  try {
    const a = await post(s.url, '/admin/accounts', ADMIN_TOKEN, JSON.stringify({ displayName: 'bench', planId: 'max' }));
    if (a.status !== 201) throw new Error(`account: ${a.status} ${JSON.stringify(a.body)}`);
    const idleMb = rssMb(s.pid);
    let peakMb = idleMb;
    const sampler = setInterval(() => (peakMb = Math.max(peakMb, rssMb(s.pid))), SAMPLE_MS);
    const bodies = Array.from({ length: UPLOADS }, uploadBody);
    const t0 = Date.now();
    const answers = await Promise.all(bodies.map((b) => post(s.url, '/v1/trainings', a.body.token, b).catch((e) => ({ status: 0, body: { error: { code: e.name } } }))));
    const seconds = (Date.now() - t0) / 1000;
    clearInterval(sampler);
    const byCode = {};
    for (const r of answers) {
      const k = `${r.status} ${r.body?.error?.code ?? ''}`.trim();
      byCode[k] = (byCode[k] ?? 0) + 1;
    }
    return { entry, idleMb, peakMb, afterMb: rssMb(s.pid), seconds, byCode, bodyMb: bodies[0].length / 1024 / 1024 };
  } finally {
    await s.stop();
  }
}

const rows = [];
for (const entry of flags.servers.split(',').map((e) => e.trim()).filter(Boolean)) rows.push(await measure(path.resolve(entry)));
console.log(`\n${UPLOADS} concurrent training uploads of one account, ${IMAGES} images each (${rows[0].bodyMb.toFixed(1)} MB of JSON a body); memory of the server process (RSS)`);
console.log('| server | idle MB | peak MB | after MB | answers | seconds |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.entry} | ${r.idleMb.toFixed(0)} | ${r.peakMb.toFixed(0)} | ${r.afterMb.toFixed(0)} | ${Object.entries(r.byCode).map(([k, n]) => `${n} × ${k}`).join(', ')} | ${r.seconds.toFixed(1)} |`);
console.log('reference (the issue, before): 465 MB idle, 1,340 MB peak, 1,172 MB after');
