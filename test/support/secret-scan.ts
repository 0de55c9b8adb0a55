import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';

/**
 * Tools for the secret scan (issue 10): distinct high-entropy markers, every form a marker may take in bytes
 * (plain, URL-encoded, base64 at each alignment, the Basic-auth base64 of `user:marker`), a byte search that says
 * where each hit is, a walk over a directory's raw bytes (gzip files also unpacked), and a /proc sampler that
 * records every argv seen and which processes held a marker in their environment.
 */
export interface Marker {
  /** What the secret is, e.g. "registry password". */
  kind: string;
  value: string;
  /** The user it pairs with, when it is a password: adds the base64 of `user:value` (auth files, Basic auth). */
  user?: string;
}

export interface Form {
  kind: string;
  form: string;
  text: string;
}

export interface Hit {
  kind: string;
  form: string;
  where: string;
  offset: number;
  /** The bytes around the hit, non-printable ones as ".". */
  context: string;
}

/** A marker: `<label>-<24 hex>-<8 hex>+/@`, so that URL-encoding changes it (`+`, `/`, `@` are escaped). */
export function makeMarker(label: string, random: (n: number) => Buffer): string {
  return `${label}-${random(12).toString('hex')}-${random(4).toString('hex')}+/@`;
}

/** The stretch of base64 that depends only on `raw` when `raw` starts `shift` bytes into a 3-byte group. */
function base64Core(raw: Buffer, shift: number): string {
  const whole = Buffer.concat([Buffer.alloc(shift, 0x41), raw]);
  const groups = Math.floor(whole.length / 3);
  return whole.toString('base64').slice(shift === 0 ? 0 : 4, groups * 4);
}

export function formsOf(m: Marker): Form[] {
  const raw = Buffer.from(m.value, 'utf8');
  const out = new Map<string, string>();
  const add = (form: string, text: string) => {
    if (text.length >= 12 && ![...out.values()].includes(text)) out.set(form, text);
  };
  add('plain', m.value);
  const uri = encodeURIComponent(m.value);
  add('url-encoded', uri);
  add(
    'url-encoded (lower hex)',
    uri.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
  );
  add('form-encoded', new URLSearchParams([['', m.value]]).toString().slice(1));
  add('JSON-escaped', JSON.stringify(m.value).slice(1, -1));
  for (const shift of [0, 1, 2]) {
    const core = base64Core(raw, shift);
    add(`base64 (+${shift})`, core);
    add(`base64url (+${shift})`, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  add('hex', raw.toString('hex'));
  if (m.user)
    add(`base64 of "${m.user}:…" (Basic auth / auth file)`, base64Core(Buffer.from(`${m.user}:${m.value}`), 0));
  return [...out].map(([form, text]) => ({ kind: m.kind, form, text }));
}

export const allForms = (markers: readonly Marker[]): Form[] => markers.flatMap(formsOf);

function printable(b: Buffer): string {
  return [...b].map((c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.')).join('');
}

/** Every occurrence of every form in `bytes`, with 48 bytes of context either side. */
export function searchBytes(bytes: Buffer, forms: readonly Form[], where: string): Hit[] {
  const hits: Hit[] = [];
  for (const f of forms) {
    const needle = Buffer.from(f.text, 'utf8');
    for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + 1)) {
      const context = printable(bytes.subarray(Math.max(0, at - 48), Math.min(bytes.length, at + needle.length + 48)));
      hits.push({ kind: f.kind, form: f.form, where, offset: at, context });
    }
  }
  return hits;
}

export const searchText = (text: string, forms: readonly Form[], where: string): Hit[] =>
  searchBytes(Buffer.from(text, 'utf8'), forms, where);

/** Every regular file below `dir`, as `[relative path, size]`. */
export function filesUnder(dir: string): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const name of entries) {
      const path = join(d, name);
      let st;
      try {
        st = lstatSync(path);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) out.push([relative(dir, path), st.size]);
    }
  };
  walk(dir);
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

/**
 * Searches the raw bytes of every regular file below `dir` (or those whose path `only` accepts); a gzip file is
 * also searched unpacked. `where` is `<label>:<relative path>` (`… (gunzipped)` for the unpacked bytes).
 */
export function scanDir(
  dir: string,
  forms: readonly Form[],
  label: string,
  only: (path: string) => boolean = () => true,
): { hits: Hit[]; files: number; bytes: number } {
  const hits: Hit[] = [];
  let files = 0;
  let bytes = 0;
  for (const [path] of filesUnder(dir)) {
    if (!only(path)) continue;
    let data: Buffer;
    try {
      data = readFileSync(join(dir, path));
    } catch {
      continue; // removed while we walked
    }
    files++;
    bytes += data.length;
    hits.push(...searchBytes(data, forms, `${label}:${path}`));
    if (data[0] === 0x1f && data[1] === 0x8b) {
      try {
        hits.push(...searchBytes(gunzipSync(data), forms, `${label}:${path} (gunzipped)`));
      } catch {
        /* not a whole gzip stream */
      }
    }
  }
  return { hits, files, bytes };
}

export interface ProcRecord {
  pid: number;
  argv: string[];
  at: number;
}
export interface EnvHit {
  pid: number;
  argv: string[];
  kind: string;
  form: string;
  /** The name of the environment variable that held it (never its value). */
  variable: string;
}
export interface ProcSample {
  argvs: ProcRecord[];
  envHits: EnvHit[];
  scans: number;
  elapsedMs: number;
}

/* The sampler runs in a worker thread so that its synchronous /proc reads never stall the server's event loop. */
const SAMPLER = `
const { parentPort, workerData } = require('node:worker_threads');
const { readdirSync, readFileSync } = require('node:fs');
const stop = new Int32Array(workerData.stop);
const extra = new Uint8Array(workerData.extra);
let forms = workerData.forms;
let extraLength = 0;
const seen = new Map();
const envHits = [];
const started = Date.now();
let scans = 0;
const read = (p) => { try { return readFileSync(p); } catch { return null; } };
while (Atomics.load(stop, 0) === 0) {
  scans++;
  const length = Atomics.load(stop, 1);
  if (length !== extraLength) {
    extraLength = length;
    forms = workerData.forms.concat(JSON.parse(Buffer.from(extra.slice(0, length)).toString('utf8')));
  }
  let names = [];
  try { names = readdirSync('/proc'); } catch {}
  for (const pid of names) {
    const c = pid.charCodeAt(0);
    if (c < 48 || c > 57 || Number(pid) === process.pid) continue;
    const cmd = read('/proc/' + pid + '/cmdline');
    if (!cmd || cmd.length === 0) continue;
    const key = pid + ' ' + cmd.toString('latin1');
    if (seen.has(key)) continue;
    const argv = cmd.toString('utf8').replace(/\\u0000$/, '').split('\\u0000');
    seen.set(key, { pid: Number(pid), argv, at: Date.now() });
    const env = read('/proc/' + pid + '/environ');
    if (!env) continue;
    const text = env.toString('utf8');
    for (const f of forms) {
      if (!text.includes(f.text)) continue;
      for (const entry of text.split('\\u0000')) {
        if (entry.includes(f.text)) envHits.push({ pid: Number(pid), argv, kind: f.kind, form: f.form, variable: entry.split('=')[0] });
      }
    }
  }
  Atomics.wait(stop, 0, 0, workerData.intervalMs);
}
parentPort.postMessage({ argvs: [...seen.values()], envHits, scans, elapsedMs: Date.now() - started });
`;

export interface ProcSampler {
  /** Forms to look for in the environments of processes seen from now on (a secret known only later). */
  addForms(forms: readonly Form[]): void;
  stop(): Promise<ProcSample>;
}

/**
 * Samples `/proc/<pid>/cmdline` and `/environ` of every process (but this one) every `intervalMs` until `stop()`;
 * each process image (pid + argv) is read once. Processes that live shorter than the interval may be missed.
 */
export function startProcSampler(forms: readonly Form[], intervalMs = 25): ProcSampler {
  const stop = new SharedArrayBuffer(8);
  const extra = new SharedArrayBuffer(1 << 16);
  const added: Form[] = [];
  const worker = new Worker(SAMPLER, { eval: true, workerData: { stop, extra, forms, intervalMs } });
  const result = new Promise<ProcSample>((resolve, reject) => {
    worker.once('message', (m: ProcSample) => resolve(m));
    worker.once('error', reject);
  });
  return {
    addForms(more) {
      added.push(...more);
      const bytes = Buffer.from(JSON.stringify(added), 'utf8');
      if (bytes.length > extra.byteLength) throw new Error('too many forms for the sampler');
      new Uint8Array(extra).set(bytes);
      Atomics.store(new Int32Array(stop), 1, bytes.length);
    },
    async stop() {
      const flag = new Int32Array(stop);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      const sample = await result;
      await worker.terminate();
      return sample;
    },
  };
}

/** One line per hit, for a failure message a person can act on. */
export const describeHits = (hits: readonly Hit[]): string =>
  hits.map((h) => `${h.kind} [${h.form}] in ${h.where} @${h.offset}: …${h.context}…`).join('\n');
