// Benchmark (not a test): the server's memory while one account sends many large training uploads at once (issue 23's 20 × 36 MB), as JSON and as multipart forms, beside its idle memory, for one build or two side by side.
/* global fetch, AbortSignal, setInterval, clearInterval, Buffer, Blob, FormData -- Node 20 globals */
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
    // how the images are sent: json (base64, read whole), form (multipart, streamed to storage), or both, each on a fresh server
    bodies: { type: 'string', default: 'json,form' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log('npm run bench:uploads -- [--uploads 20] [--images 30] [--image-kb 900] [--servers out/server/index.cjs,/other/out/server/index.cjs] [--bodies json,form]');
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

/** Images the content check refuses (no image format's first bytes), as the reproduction sent: the body is read whole first. */
function uploadBody() {
  const images = Array.from({ length: IMAGES }, (_, i) => ({ fileName: `p${i}.png`, dataBase64: randomBytes(IMAGE_BYTES).toString('base64') }));
  return JSON.stringify({ name: 'bench', images });
}

/**
 * A form of the same size: images that pass the content check (a PNG's first bytes, then random bytes), so that each is streamed to
 * storage rather than refused at its first bytes; fetch encodes it and streams it.
 */
function uploadForm() {
  const form = new FormData();
  form.append('name', 'bench');
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  for (let i = 0; i < IMAGES; i++) form.append('images', new Blob([png, randomBytes(IMAGE_BYTES - png.length)]), `p${i}.png`);
  return form;
}

async function postForm(url, token, form) {
  const res = await fetch(`${url}/v1/trainings`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'idempotency-key': `bench-${randomBytes(8).toString('hex')}` }, body: form, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function measure(entry, kind) {
  const s = await start(entry);
  try {
    const a = await post(s.url, '/admin/accounts', ADMIN_TOKEN, JSON.stringify({ displayName: 'bench', planId: 'max' }));
    if (a.status !== 201) throw new Error(`account: ${a.status} ${JSON.stringify(a.body)}`);
    const idleMb = rssMb(s.pid);
    let peakMb = idleMb;
    const sampler = setInterval(() => (peakMb = Math.max(peakMb, rssMb(s.pid))), SAMPLE_MS);
    const bodies = Array.from({ length: UPLOADS }, kind === 'form' ? uploadForm : uploadBody);
    const t0 = Date.now();
    const send = (b) => (kind === 'form' ? postForm(s.url, a.body.token, b) : post(s.url, '/v1/trainings', a.body.token, b));
    const answers = await Promise.all(bodies.map((b) => send(b).catch((e) => ({ status: 0, body: { error: { code: e.name } } }))));
    const seconds = (Date.now() - t0) / 1000;
    clearInterval(sampler);
    const byCode = {};
    for (const r of answers) {
      const k = `${r.status} ${r.body?.error?.code ?? ''}`.trim();
      byCode[k] = (byCode[k] ?? 0) + 1;
    }
    return { entry, kind, idleMb, peakMb, afterMb: rssMb(s.pid), seconds, byCode };
  } finally {
    await s.stop();
  }
}

const rows = [];
const kinds = flags.bodies.split(',').map((k) => k.trim()).filter((k) => k === 'json' || k === 'form');
for (const entry of flags.servers.split(',').map((e) => e.trim()).filter(Boolean)) for (const kind of kinds) rows.push(await measure(path.resolve(entry), kind));
const jsonMb = (Math.ceil((IMAGE_BYTES / 3) * 4) * IMAGES) / 1024 / 1024;
console.log(`\n${UPLOADS} concurrent training uploads of one account, ${IMAGES} images of ${IMAGE_BYTES / 1024} KB each (${jsonMb.toFixed(1)} MB of JSON a body, ${((IMAGE_BYTES * IMAGES) / 1024 / 1024).toFixed(1)} MB as a form); memory of the server process (RSS)`);
console.log('| server | body | idle MB | peak MB | peak − idle MB | after MB | answers | seconds |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  const answers = Object.entries(r.byCode).map(([k, n]) => `${n} × ${k}`).join(', ');
  console.log(`| ${r.entry} | ${r.kind} | ${r.idleMb.toFixed(0)} | ${r.peakMb.toFixed(0)} | ${(r.peakMb - r.idleMb).toFixed(0)} | ${r.afterMb.toFixed(0)} | ${answers} | ${r.seconds.toFixed(1)} |`);
}
console.log('reference (the issue, before): 465 MB idle, 1,340 MB peak, 1,172 MB after');
