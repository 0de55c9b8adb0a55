import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent } from '../../src/cli/agent.js';
import { createServer } from '../../src/cli/compose.js';
import { loadConfig } from '../../src/config/config.js';
import { forgetServerSecrets } from '../../src/process/child.js';
import { createLogger } from '../../src/log/logger.js';
import { commit, makeOrigin, serveGit } from '../git/git-fixtures.js';
import { ensureBusyboxBase } from '../support/busybox-base.js';
import { fetchImage } from '../support/image-files.js';
import { run, startAuthRegistry, writeAuthFile, type AuthRegistry } from '../support/registry.js';
import {
  allForms,
  describeHits,
  filesUnder,
  makeMarker,
  scanDir,
  searchBytes,
  searchText,
  startProcSampler,
  type Hit,
  type Marker,
  type ProcSample,
  type ProcSampler,
} from '../support/secret-scan.js';

const marker = (label: string) => makeMarker(label, randomBytes);
const REGISTRY_USER = 'pusher';
const REPO_USER = 'reader';
const HUB_USER = 'hubbot';
/** One distinct marker per kind of secret the run carries. */
const M = {
  registry: { kind: 'registry password', value: marker('regpw'), user: REGISTRY_USER },
  repo: { kind: 'repository password', value: marker('repopw'), user: REPO_USER },
  integration: { kind: 'integration secret (DOCKER_HUB password)', value: marker('hubpw'), user: HUB_USER },
  encVar: { kind: 'encrypted VAR variable', value: marker('encvar') },
  encFile: { kind: 'encrypted FILE variable', value: marker('encfile') },
  fileSecret: { kind: 'FILE secret (build secret)', value: marker('filesecret') },
  // The server's own: the bootstrap (admin) token every request of the test carries, and the key that seals.
  adminToken: { kind: 'admin token (ARCHWAY_BOOTSTRAP_TOKEN)', value: marker('admintoken') },
  secretKey: { kind: 'secret key (ARCHWAY_SECRET_KEY)', value: marker('secretkey') },
} satisfies Record<string, Marker>;
const AGENT_TOKEN = 'agent token (ARCHWAY_AGENT_TOKEN)';
const AGENT_REGISTRATION = '/agent/v1/agents';
const SECRET_FORMS = allForms(Object.values(M));
/**
 * Not a secret: a plain variable passed as a build arg, so it must turn up in every sink (API answers, the server
 * log, a buildah argv, the data dir, the image history). Finding it proves that each sink is really searched.
 */
const CANARY: Marker = { kind: 'canary', value: marker('canary') };
/** Every form searched: the secrets, the agent's token once it is known, the canary. */
let FORMS = [...SECRET_FORMS, ...allForms([CANARY])];
const secretHits = (hits: Hit[]) => hits.filter((h) => h.kind !== CANARY.kind);
const canaryHits = (hits: Hit[]) => hits.filter((h) => h.kind === CANARY.kind);

/** A pino logger (Archway's own, with its redaction) that keeps every line written to it. */
function memoryLogger(): { logger: FastifyBaseLogger; text: () => string } {
  const chunks: string[] = [];
  const logger = createLogger({ level: 'trace', destination: { write: (s: string) => void chunks.push(s) } });
  return { logger, text: () => chunks.join('') };
}

const gitFamily = (argv: string[]) =>
  /(^|\/)git(-[a-z-]+)?$/.test(argv[0] ?? '') || argv.some((a) => /\/archway-git-[^/]+\/askpass$/.test(a));
const dbFiles = (path: string) => /^archway\.db(-wal|-shm|-journal)?$/.test(path);

/**
 * Issue 10, the secret scan: one full run through the API with real parts (an htpasswd registry on 127.0.0.1, a
 * git server with Basic auth, the API on a real SQLite file, the built-in agent over loopback HTTP, buildah for a
 * native and an emulated platform) whose build uses every kind of secret Archway carries, each a distinct
 * high-entropy marker. No marker, in any form (plain, URL-encoded, base64 at every alignment, Basic auth), may be
 * in an API answer, a server or agent log line, a byte of the data dir (SQLite file, WAL and free pages, engine
 * stores, git mirrors) while the job waits, while it builds and after, the pushed image or its registry's
 * storage, or any argv seen in /proc; only git's own processes may hold the repository password, in their
 * environment.
 */
describe('secret scan: a full run leaks no secret', () => {
  let work: string;
  let dataDir: string;
  let registry: AuthRegistry;
  let gitServer: { base: string; close(): Promise<void> } | undefined;
  let app: Awaited<ReturnType<typeof createServer>>['app'] | undefined;
  let stopAgent: (() => Promise<void>) | undefined;
  let sampler: ProcSampler | undefined;
  const savedEnv = { ...process.env };
  const serverLog = memoryLogger();
  const agentLog = memoryLogger();
  const answers: Array<{ route: string; status: number; text: string }> = [];
  const dataDirHits: Hit[] = [];
  /** Where the secrets sit on disk mid-build (by design: work tree FILE variables, the build's auth file). */
  const midBuild: string[] = [];
  const imageHits: Hit[] = [];
  const timings: Record<string, number> = {};
  let sample: ProcSample = { argvs: [], envHits: [], scans: 0, elapsedMs: 0 };
  let outcome = { status: 'NOT RUN', error: null as string | null, log: [] as string[] };
  let dataScanned = { files: 0, bytes: 0 };
  /** Files at the data dir's top level that others than the owner may read (the dir itself is 0700). */
  let openFiles: string[] = [];
  let scannedDuringBuild = false;
  const started = Date.now();
  const mark = (name: string) => (timings[name] = Date.now() - started);

  // The registration's answer is where the agent's token is handed out, on purpose.
  const apiHits = () =>
    answers.flatMap((a) =>
      searchText(a.text, FORMS, `API answer ${a.route} (${a.status})`).filter(
        (h) => !(h.kind === AGENT_TOKEN && a.route === `POST ${AGENT_REGISTRATION}`),
      ),
    );
  const logHits = () => [
    ...searchText(serverLog.text(), FORMS, 'server log'),
    ...searchText(agentLog.text(), FORMS, 'agent log'),
  ];
  const argvHits = () =>
    sample.argvs.flatMap((p) => searchText(p.argv.join('\0'), FORMS, `argv of pid ${p.pid}: ${p.argv.join(' ')}`));
  const badEnv = () => sample.envHits.filter((e) => e.kind !== M.repo.kind || !gitFamily(e.argv));

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'archway-scan-'));
    dataDir = join(work, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    // The sampler watches from the start: the server's own git calls (revision resolution) count too.
    sampler = startProcSampler(SECRET_FORMS);

    registry = await startAuthRegistry(join(work, 'registry'), { user: REGISTRY_USER, password: M.registry.value });
    const base = await ensureBusyboxBase(registry.host, { authFile: registry.authFile });
    mkdirSync(join(work, 'git'));
    const { work: clone } = makeOrigin(join(work, 'git'));
    commit(clone, 'main', 'A Dockerfile that reads its secrets', {
      Dockerfile: [
        `FROM ${base}`,
        'ARG CANARY',
        'RUN echo "canary: $CANARY"',
        'RUN --mount=type=secret,id=tok test -s /run/secrets/tok && echo "build secret: $(cat /run/secrets/tok)"',
        'RUN --mount=type=bind,source=conf/enc.env,target=/mnt/enc.env echo "encrypted file: $(cat /mnt/enc.env)"',
        'COPY app/ /app/',
        'RUN cat /app/hello.txt > /built',
        '',
      ].join('\n'),
      'app/hello.txt': 'hello from the secret scan\n',
    });
    gitServer = await serveGit(join(work, 'git'), REPO_USER, M.repo.value);
    mark('fixtures');

    // As `archway serve` is run: the server's secrets in its environment, which no child may inherit.
    process.env.ARCHWAY_SECRET_KEY = M.secretKey.value;
    process.env.ARCHWAY_BOOTSTRAP_TOKEN = M.adminToken.value;
    const config = loadConfig({
      ...process.env,
      ARCHWAY_DATA_DIR: dataDir,
      ARCHWAY_PUBLIC_URL: 'https://ci.example.com',
      ARCHWAY_BUILTIN_REGISTRY: '0',
      ARCHWAY_INSECURE_REGISTRIES: registry.host,
      ARCHWAY_LOG_LEVEL: 'trace',
    });
    forgetServerSecrets(); // as `archway serve` does once its configuration holds them
    const server = await createServer(config, serverLog.logger, { claimWaitMs: 1000 });
    app = server.app;
    const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });

    /** Every answer is kept, headers and body, for the scan. */
    async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${M.adminToken.value}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      const headers = [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
      answers.push({ route: `${method} ${path}`, status: res.status, text: `${headers}\n\n${text}` });
      return { status: res.status, body: text ? JSON.parse(text) : null };
    }
    const must = async (method: string, path: string, body: unknown, status: number) => {
      const res = await call(method, path, body);
      if (res.status !== status) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };

    // An agent as `archway agent` runs one, in this process: registered through the API, its token in the
    // environment (ARCHWAY_AGENT_TOKEN keeps it out of ps), started only once the job has waited in the queue.
    const agentToken = (await must('POST', AGENT_REGISTRATION, { name: 'scan-agent' }, 201)).token as string;
    const agentForms = allForms([{ kind: AGENT_TOKEN, value: agentToken }]);
    FORMS = [...FORMS, ...agentForms];
    sampler.addForms(agentForms);
    process.env.ARCHWAY_AGENT_TOKEN = agentToken;

    await must('POST', '/workspaces', { domain: 'acme', name: 'Acme' }, 201);
    const project = {
      display_name: 'Vault',
      custom_repo_url: `${gitServer.base}/origin.git`,
      custom_repo_user: REPO_USER,
      custom_repo_pass: M.repo.value,
    };
    await must('POST', '/workspaces/acme/projects', project, 201);
    const hub = await must(
      'POST',
      '/workspaces/acme/integrations',
      { name: 'Hub bot', type: 'DOCKER_HUB', username: HUB_USER, password: M.integration.value },
      201,
    );
    const P = '/workspaces/acme/projects/vault/pipelines';
    const pipeline = await must('POST', P, { name: 'Build', cache_scope: 'PROJECT' }, 201);
    const path = `${P}/${pipeline.id}`;
    const file = (key: string, value: string, filePath: string) => ({
      key,
      value,
      type: 'FILE',
      file_path: filePath,
      file_chmod: '600',
      encrypted: true,
      project: { name: 'vault' },
    });
    for (const v of [
      { key: 'ENC_VAR', value: M.encVar.value, encrypted: true }, // in force (masked), referenced by no field
      { key: 'CANARY', value: CANARY.value, project: { name: 'vault' } },
      file('ENC_FILE', M.encFile.value, 'conf/enc.env'),
      { ...file('BUILD_TOKEN', M.fileSecret.value, 'secrets/token.txt'), pipeline: { id: pipeline.id } },
    ])
      await must('POST', '/workspaces/acme/variables', v, 201);
    const action = await must(
      'POST',
      `${path}/actions`,
      {
        type: 'DOCKER_BUILD_MULTI_ARCH',
        name: 'Build multi-arch image',
        dockerfile_path: 'Dockerfile',
        context_path: '/',
        docker_registry: 'OTHER',
        registry: registry.host,
        repository: `${registry.host}/team/vault`,
        login: REGISTRY_USER,
        password: M.registry.value,
        // An OTHER push does not log in with it, but the job carries it opened all the same.
        integration_hash: hub.hash_id,
        secret_id: 'tok',
        secret_src: 'secrets/token.txt',
        build_args: ['CANARY=$CANARY'],
        cache_mode: 'MAX',
        target_platform: 'linux/amd64,linux/arm64',
      },
      201,
    );
    // Everything the API shows about these resources, read back.
    for (const route of [
      '/workspaces/acme/projects/vault',
      '/workspaces/acme/integrations',
      `/workspaces/acme/integrations/${hub.hash_id}`,
      '/workspaces/acme/variables',
      '/workspaces/acme/variables?projectName=vault',
      `/workspaces/acme/variables?projectName=vault&pipelineId=${pipeline.id}`,
      path,
      `${path}/actions`,
      `${path}/actions/${action.id}`,
    ])
      await must('GET', route, undefined, 200);
    // A request whose URL carries the canary, for the server log's request lines.
    await call('GET', `/workspaces/acme/variables?projectName=${encodeURIComponent(CANARY.value)}`);
    mark('resources');

    // The run is queued before any agent exists: the job waits in the jobs table with its spec.
    const created = await must('POST', `${path}/executions`, { comment: 'secret scan' }, 200);
    const exec = `${path}/executions/${created.id}`;
    for (const end = Date.now() + 10_000; ;) {
      const current = await must('GET', exec, undefined, 200);
      if (current.action_executions[0].status === 'ENQUEUED') break;
      if (Date.now() > end) throw new Error(`the job was never queued: ${JSON.stringify(current)}`);
      await sleep(100);
    }
    dataDirHits.push(...scanDir(dataDir, FORMS, 'data dir while the job waits', dbFiles).hits);

    const runner = await startAgent({ config, server: baseUrl, token: agentToken, log: agentLog.logger });
    stopAgent = () => runner.stop();
    const aeHex = created.action_executions[0].action_execution_id as string;
    const streamPath = `${exec}/action_executions/${aeHex}/stream`;
    const stream = fetch(`${baseUrl}${streamPath}`, {
      headers: { authorization: `Bearer ${M.adminToken.value}` },
    }).then(
      async (res) => void answers.push({ route: `GET ${streamPath}`, status: res.status, text: await res.text() }),
    );
    let done: any;
    for (const end = Date.now() + 120_000; ;) {
      done = await must('GET', exec, undefined, 200);
      if (['SUCCESSFUL', 'FAILED', 'TERMINATED'].includes(done.status)) break;
      const log = (await call('GET', `${exec}/action_executions/${aeHex}?offset=0&limit=1000`)).body?.log ?? [];
      if (!scannedDuringBuild && log.some((l: string) => l.includes('STEP'))) {
        scannedDuringBuild = true;
        const during = scanDir(dataDir, FORMS, 'data dir while the build runs');
        const fileOf = (h: Hit) => h.where.slice(h.where.indexOf(':') + 1);
        dataDirHits.push(...during.hits.filter((h) => dbFiles(fileOf(h))));
        for (const h of secretHits(during.hits)) {
          const file = join(dataDir, fileOf(h));
          let mode = '?';
          try {
            mode = (statSync(file).mode & 0o777).toString(8);
          } catch {
            mode = 'gone';
          }
          midBuild.push(`${h.kind} [${h.form}] in ${h.where} (mode ${mode})`);
        }
      }
      if (Date.now() > end) throw new Error(`the run is still ${done.status}`);
      await sleep(250);
    }
    mark('run');
    await stream;
    const logRes = await must(
      'GET',
      `${exec}/action/${done.action_executions[0].action.id}?per_page=5000`,
      undefined,
      200,
    );
    await must('GET', `${path}/executions`, undefined, 200);
    outcome = { status: done.status, error: done.action_executions[0].error_message ?? null, log: logRes.log ?? [] };

    sample = await sampler.stop();
    sampler = undefined;
    dataDirHits.push(...scanDir(dataDir, FORMS, 'data dir after the run').hits);

    // The pushed image: its index, every platform's manifest, config and layers (gunzipped), read with an auth
    // file (no password on skopeo's command line).
    if (outcome.status === 'SUCCESSFUL') {
      const auth = writeAuthFile(join(work, 'pull-auth.json'), registry.host, registry);
      const ref = `${registry.host}/team/vault:latest`;
      const index = await run([
        'skopeo',
        'inspect',
        '--raw',
        '--tls-verify=false',
        '--authfile',
        auth,
        `docker://${ref}`,
      ]);
      imageHits.push(...searchText(index, FORMS, `image index ${ref}`));
      for (const m of JSON.parse(index).manifests as Array<{ digest: string; platform: { architecture: string } }>) {
        const arch = m.platform.architecture;
        const image = await fetchImage(`${registry.host}/team/vault@${m.digest}`, join(work, `img-${arch}`), [
          '--src-tls-verify=false',
          '--src-authfile',
          auth,
        ]);
        imageHits.push(...searchText(JSON.stringify(image.config), FORMS, `image config ${arch}`));
        image.blobs.forEach((blob, i) => imageHits.push(...searchBytes(blob, FORMS, `image ${arch} blob ${i}`)));
        imageHits.push(...scanDir(image.dir, FORMS, `pulled image ${arch}`).hits);
      }
    }
    // Everything the registry stores (the image, the MAX cache repositories, the build record) and its own files;
    // the auth file the test wrote for its pushes is left out.
    imageHits.push(...scanDir(join(work, 'registry'), FORMS, 'registry dir', (p) => p !== 'auth.json').hits);
    mark('image');

    await stopAgent();
    stopAgent = undefined;
    await app.close();
    app = undefined;
    // At rest: the WAL checkpointed into the database file, free pages and all.
    const atRest = scanDir(dataDir, FORMS, 'data dir at rest');
    dataDirHits.push(...atRest.hits);
    dataScanned = { files: atRest.files, bytes: atRest.bytes };
    openFiles = filesUnder(dataDir)
      .map(([f]) => [f, statSync(join(dataDir, f)).mode & 0o777] as const)
      .filter(([f, mode]) => !f.includes('/') && (mode & 0o077) !== 0)
      .map(([f, mode]) => `${f} ${mode.toString(8)}`);
    mark('data dir');
  }, 150_000);

  afterAll(async () => {
    await sampler?.stop().catch(() => undefined);
    await stopAgent?.().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await gitServer?.close();
    await registry?.stop();
    for (const key of ['ARCHWAY_SECRET_KEY', 'ARCHWAY_BOOTSTRAP_TOKEN', 'ARCHWAY_AGENT_TOKEN'])
      if (savedEnv[key] === undefined) delete process.env[key];
      else process.env[key] = savedEnv[key];
    const leaks = secretHits([...apiHits(), ...logHits(), ...argvHits(), ...dataDirHits, ...imageHits]);
    const envNotes = [
      ...new Set(sample.envHits.map((e) => `${e.kind} in ${e.variable} of ${e.argv.slice(0, 2).join(' ')}`)),
    ];
    console.log(
      [
        `secret scan: ${answers.length} API answers, server log ${serverLog.text().length} B, agent log ${agentLog.text().length} B,`,
        `${sample.argvs.length} argvs in ${sample.scans} /proc scans over ${sample.elapsedMs} ms,`,
        `data dir at rest ${dataScanned.files} files / ${dataScanned.bytes} B; ms since start ${JSON.stringify(timings)}`,
        `environments holding a secret: ${envNotes.join('; ') || 'none seen'}`,
        `on disk mid-build: ${midBuild.join('; ') || 'nothing'}`,
        `data dir files readable by others (mode): ${openFiles.join(', ') || 'none'}`,
        leaks.length ? `LEAKS:\n${describeHits(leaks)}` : 'no leaks',
      ].join('\n'),
    );
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the run succeeds and its log shows *** where the build printed its secrets', () => {
    expect(outcome.status, `${outcome.error}\n${outcome.log.slice(-30).join('\n')}`).toBe('SUCCESSFUL');
    for (const platform of ['linux/amd64', 'linux/arm64']) {
      expect(outcome.log).toContain(`[${platform}] build secret: ***`);
      expect(outcome.log).toContain(`[${platform}] encrypted file: ***`);
      expect(outcome.log).toContain(`[${platform}] canary: ${CANARY.value}`);
    }
  });

  it('no API answer holds a secret (resources, executions, logs, the live stream)', () => {
    expect(answers.some((a) => a.route.endsWith('/stream') && a.text.includes('build secret: ***'))).toBe(true);
    expect(canaryHits(apiHits()).length).toBeGreaterThan(0);
    expect(describeHits(secretHits(apiHits()))).toBe('');
  });

  it("no line of the server's or the agent's log holds a secret", () => {
    expect(canaryHits(logHits()).some((h) => h.where === 'server log')).toBe(true);
    expect(agentLog.text()).toContain('job finished');
    expect(describeHits(secretHits(logHits()))).toBe('');
  });

  it('no command line seen in /proc holds a secret; only git holds the repository password, in its environment', () => {
    const seen = (name: string) => sample.argvs.some((p) => new RegExp(`(^|/)${name}$`).test(p.argv[0] ?? ''));
    expect(['git', 'skopeo', 'buildah'].filter((n) => !seen(n))).toEqual([]);
    expect(canaryHits(argvHits()).some((h) => h.where.includes('--build-arg'))).toBe(true);
    expect(describeHits(secretHits(argvHits()))).toBe('');
    expect(
      badEnv().map(
        (e) => `${e.kind} [${e.form}] in the environment (${e.variable}) of pid ${e.pid}: ${e.argv.join(' ')}`,
      ),
    ).toEqual([]);
  });

  it('no byte of the data dir holds a secret: SQLite file, WAL and free pages while the job waits, builds and after', () => {
    expect(dataScanned.files).toBeGreaterThan(0);
    expect(scannedDuringBuild).toBe(true);
    expect(canaryHits(dataDirHits).some((h) => h.where.startsWith('data dir at rest:archway.db'))).toBe(true);
    expect(describeHits(secretHits(dataDirHits))).toBe('');
  });

  it("the pushed image's index, configs and layers and the registry's storage hold no secret", () => {
    expect(outcome.status).toBe('SUCCESSFUL');
    expect(canaryHits(imageHits).some((h) => h.where.startsWith('image config'))).toBe(true);
    expect(describeHits(secretHits(imageHits))).toBe('');
  });
});
