import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { GIT_WEBHOOK_MAX_BYTES } from '../../src/api/git-webhooks.js';
import { startApi, type Api } from '../support/api-harness.js';
import { seedRunnablePipeline } from '../support/runnable-pipeline.js';

/**
 * The two trigger routes from outside, end to end: a real server on a real socket (every delivery and trigger call
 * below is real HTTP), a real SQLite file, real git repositories. Git polling is off (ARCHWAY_GIT_POLL_SECONDS 0)
 * and no agent runs, so a run that exists was started by the call under test and stays queued.
 *
 * A) Push webhooks from GitHub, GitLab, Gitea and Forgejo, signed with the project's `webhook_secret`: a verified
 *    delivery wakes the project's poll, and what runs is what `git ls-remote` shows.
 * B) Buddy's trigger URL of a pipeline with a WEBHOOK event (`?token=`), its parameters, and its renewal.
 */
const QUIET = { ARCHWAY_BUILTIN_AGENT: '0', ARCHWAY_GIT_POLL_SECONDS: '0' };
const SECRET = 'push-webhook-secret-5f2c9a';
const ZERO = '0'.repeat(40);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

// --- git ----------------------------------------------------------------------------------------------------------

const git = (repo: string, ...args: string[]) =>
  execFileSync('git', ['-C', repo, '-c', 'user.name=A', '-c', 'user.email=a@b.c', ...args])
    .toString()
    .trim();

/** A commit of a new file on the checked-out branch; its sha. */
function commit(repo: string, file: string): string {
  writeFileSync(join(repo, file), `${file}\n`);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', `add ${file}`);
  return git(repo, 'rev-parse', 'HEAD');
}

// --- HTTP over the socket -----------------------------------------------------------------------------------------

interface Answer {
  status: number;
  body: any;
  text: string;
  ms: number;
}

async function http(
  api: Api,
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: RequestInit['body'] } = {},
): Promise<Answer> {
  const started = performance.now();
  // A streamed body needs `duplex` (undici's, not yet in the DOM typings).
  const request: RequestInit & { duplex?: 'half' } = { method, headers: init.headers, body: init.body };
  if (init.body instanceof ReadableStream) request.duplex = 'half';
  const res = await fetch(`${api.baseUrl}${path}`, request);
  const text = await res.text();
  const ms = performance.now() - started;
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: res.status, body, text, ms };
}

// --- push webhook deliveries --------------------------------------------------------------------------------------

type Host = 'github' | 'gitlab' | 'gitea' | 'forgejo';

/** Each host's fixture (as the host sends it), the values in it that a delivery replaces, and who pushed. */
const FIXTURES = {
  github: {
    file: 'github-push.json',
    ref: 'refs/heads/main',
    before: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
    after: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
    url: 'https://github.com/Octo-Org/site.git',
    pusher: 'Codertocat',
  },
  gitlab: {
    file: 'gitlab-push.json',
    ref: 'refs/heads/master',
    before: '95790bf891e76fee5e1747ab589903a6a1f80f22',
    after: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
    url: 'https://gitlab.example.com/mike/diaspora.git',
    pusher: 'jsmith',
  },
  gitea: {
    file: 'gitea-push.json',
    ref: 'refs/heads/develop',
    before: '28e1879d029cb852e4844d9c718537df08844e03',
    after: 'bffeb74224043ba2feb48d137756c8a9331c449a',
    url: 'https://git.example.org/gitea/webhooks.git',
    pusher: 'gitea',
  },
} as const;
const fixtureOf = (host: Host) => FIXTURES[host === 'forgejo' ? 'gitea' : host];

interface Push {
  ref: string;
  before: string | null;
  after: string;
  /** The repository URL the payload names instead of the fixture's; the fixture's own when absent. */
  repoUrl?: string;
}

/**
 * The host's fixture with the push's ref, ids and repository edited into its text in place (the rest of the bytes,
 * non-ASCII text and \u escapes included, stay as the host sent them; the signature covers them as sent).
 */
function payloadOf(host: Host, push: Push): Buffer {
  const f = fixtureOf(host);
  let text = readFileSync(join(import.meta.dirname, '../../src/api/git-webhook-fixtures', f.file), 'utf8');
  text = text.replace(`"ref": "${f.ref}"`, `"ref": ${JSON.stringify(push.ref)}`);
  text = text.replaceAll(f.after, push.after).replaceAll(f.before, push.before ?? ZERO);
  if (push.repoUrl !== undefined) text = text.replaceAll(JSON.stringify(f.url), JSON.stringify(push.repoUrl));
  const parsed = JSON.parse(text);
  expect([parsed.ref, parsed.after, parsed.before]).toEqual([push.ref, push.after, push.before ?? ZERO]);
  return Buffer.from(text, 'utf8');
}

const hmac = (body: Buffer | string, secret: string) => createHmac('sha256', secret).update(body).digest('hex');

/** The headers the host sends with `body`, signed with `secret` (GitLab sends the secret itself). */
function headersOf(host: Host, body: Buffer, secret: string, event?: string): Record<string, string> {
  const json = { 'content-type': 'application/json' };
  const signature = hmac(body, secret);
  switch (host) {
    case 'github':
      return {
        ...json,
        'user-agent': 'GitHub-Hookshot/7a1b2c3',
        'x-github-event': event ?? 'push',
        'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        'x-hub-signature-256': `sha256=${signature}`,
      };
    case 'gitlab':
      return { ...json, 'x-gitlab-event': event ?? 'Push Hook', 'x-gitlab-token': secret };
    case 'gitea':
      return {
        ...json,
        'x-gitea-event': event ?? 'push',
        'x-github-event': event ?? 'push',
        'x-gitea-signature': signature,
        'x-hub-signature-256': `sha256=${signature}`,
      };
    case 'forgejo':
      return {
        ...json,
        'x-forgejo-event': event ?? 'push',
        'x-gitea-event': event ?? 'push',
        'x-forgejo-signature': signature,
        'x-gitea-signature': signature,
      };
  }
}

const WEBHOOKS = '/webhooks/git/acme';
const P = '/workspaces/acme/projects/site/pipelines';

/** Workspace acme, project site on a fresh repository (with `secret` unless null), a pipeline with `events`. */
async function setUp(events: unknown[], secret: string | null = SECRET) {
  const api = await startApi(QUIET, { listen: true });
  cleanups.push(() => api.close());
  const repo = mkdtempSync(join(tmpdir(), 'archway-webhooks-'));
  cleanups.push(() => rmSync(repo, { recursive: true, force: true }));
  const { pipeline } = await seedRunnablePipeline(api, repo);
  const path = `${P}/${pipeline}`;
  if (secret !== null) {
    const set = await api.patch('/workspaces/acme/projects/site', { webhook_secret: secret });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
  }
  const made = await api.patch(path, { events });
  expect(made.status, JSON.stringify(made.body)).toBe(200);
  return { api, repo, path, pipeline, initial: git(repo, 'rev-parse', 'HEAD') };
}

const runsOf = async (api: Api, path: string) =>
  ((await api.get(`${path}/executions`)).body.executions as any[]).sort((a, b) => a.id - b.id);

/** POSTs a delivery to project `project` (site unless told); body and headers as given. */
const post = (api: Api, body: Buffer | string, headers: Record<string, string>, project = 'site') =>
  http(api, 'POST', `${WEBHOOKS}/${project}`, {
    headers,
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });

/** A push of `push` from `host`, signed with `secret`. */
function deliver(api: Api, host: Host, push: Push, secret = SECRET, project = 'site') {
  const body = payloadOf(host, push);
  return post(api, body, headersOf(host, body, secret), project);
}

/** A run that was started and waits for an agent (none runs): its job is queued. */
const QUEUED = ['ENQUEUED', 'INPROGRESS'];

const PUSH_MAIN = [{ type: 'PUSH', refs: ['refs/heads/main'] }];

describe('push webhooks: POST /webhooks/git/:domain/:project_name', () => {
  it.each(['github', 'gitlab', 'gitea', 'forgejo'] as const)(
    'a signed %s push starts one PUSH run of what the repository shows; a replay starts none',
    async (host) => {
      const { api, repo, path, initial } = await setUp(PUSH_MAIN);
      const first = commit(repo, 'one.txt');
      // Polling is off: the commit alone starts nothing, so a run seen next was started by the delivery.
      await sleep(300);
      expect(await runsOf(api, path)).toHaveLength(0);

      const push = { ref: 'refs/heads/main', before: initial, after: first, repoUrl: repo };
      const res = await deliver(api, host, push);
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({ message: 'Push to refs/heads/main seen.', runs_started: 1 });
      const runs = await runsOf(api, path);
      expect(runs).toHaveLength(1);
      expect(QUEUED).toContain(runs[0].status);
      expect(runs[0]).toMatchObject({
        triggeredOn: 'EVENT',
        mode: 'ON_EVERY_PUSH',
        trigger: { type: 'PUSH', ref: 'refs/heads/main', by: fixtureOf(host).pusher },
        branch: { name: 'main' },
        to_revision: { revision: first },
      });

      // The same delivery again (a host's redelivery, or a replay by whoever saw it): the ref did not move.
      const replay = await deliver(api, host, push);
      expect(replay.status, replay.text).toBe(200);
      expect(replay.body).toEqual({ message: 'Push to refs/heads/main seen.', runs_started: 0 });
      expect(await runsOf(api, path)).toHaveLength(1);

      // The next push, now that the poll has recorded the refs, starts the next run.
      const second = commit(repo, 'two.txt');
      const next = await deliver(api, host, { ...push, before: first, after: second });
      expect(next.body).toEqual({ message: 'Push to refs/heads/main seen.', runs_started: 1 });
      const after = await runsOf(api, path);
      expect(after.map((r) => r.to_revision.revision)).toEqual([first, second]);
      expect(after[1].trigger).toEqual({ type: 'PUSH', ref: 'refs/heads/main', by: fixtureOf(host).pusher });
    },
  );

  it('runs what `git ls-remote` shows, not what the payload claims; a push to a ref no event names runs nothing', async () => {
    const { api, repo, path, initial } = await setUp(PUSH_MAIN);
    const stale = commit(repo, 'one.txt');
    const head = commit(repo, 'two.txt');
    // The payload names an older commit than the branch has: the run builds the branch's head, and since the
    // payload's commit is not what moved, the pusher it names is not credited with it.
    const res = await deliver(api, 'github', { ref: 'refs/heads/main', before: initial, after: stale, repoUrl: repo });
    expect(res.body).toEqual({ message: 'Push to refs/heads/main seen.', runs_started: 1 });
    let runs = await runsOf(api, path);
    expect(runs).toHaveLength(1);
    expect(runs[0].to_revision.revision).toBe(head);
    expect(runs[0].trigger).toEqual({ type: 'PUSH', ref: 'refs/heads/main', by: null });

    // A payload naming a commit that does not exist, with the repository unchanged, starts nothing.
    const forged = { ref: 'refs/heads/main', before: head, after: 'f'.repeat(40), repoUrl: repo };
    expect((await deliver(api, 'github', forged)).body.runs_started).toBe(0);

    // A new branch the PUSH event does not name: seen, nothing run.
    git(repo, 'checkout', '-qb', 'feature');
    const feature = commit(repo, 'feature.txt');
    const other = await deliver(api, 'github', {
      ref: 'refs/heads/feature',
      before: null,
      after: feature,
      repoUrl: repo,
    });
    expect(other.status, other.text).toBe(200);
    expect(other.body).toEqual({ message: 'Push to refs/heads/feature seen.', runs_started: 0 });
    runs = await runsOf(api, path);
    expect(runs).toHaveLength(1);
  });

  it('starts one run for one push delivered many times at once (a retry racing the first, every host)', async () => {
    const { api, repo, path, initial } = await setUp(PUSH_MAIN);
    // The first delivery records the refs, so the racing ones below all go the way of a recorded poll.
    const first = commit(repo, 'one.txt');
    const push = { ref: 'refs/heads/main', before: initial, after: first, repoUrl: repo };
    expect((await deliver(api, 'github', push)).body.runs_started).toBe(1);
    const next = { ...push, before: first, after: commit(repo, 'two.txt') };
    const hosts = ['github', 'gitlab', 'gitea', 'forgejo'] as const;
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => deliver(api, hosts[i % 4]!, next)));
    for (const res of answers) expect(res.status, res.text).toBe(200);
    expect(answers.reduce((sum, res) => sum + (res.body.runs_started as number), 0)).toBe(1);
    const runs = await runsOf(api, path);
    expect(runs.map((r) => r.to_revision.revision)).toEqual([first, next.after]);
  });

  it('refuses a wrong, missing or malformed signature or token with 401, and runs nothing', async () => {
    const { api, repo, path, initial } = await setUp(PUSH_MAIN);
    const sha = commit(repo, 'one.txt');
    const push = { ref: 'refs/heads/main', before: initial, after: sha, repoUrl: repo };
    const body = payloadOf('github', push);
    const signed = headersOf('github', body, SECRET);
    const tampered = Buffer.from(body.toString('utf8').replace('"Codertocat"', '"Mallory"'));
    expect(tampered.equals(body)).toBe(false);
    const cases: [string, Promise<Answer>, RegExp][] = [
      ['another secret', deliver(api, 'github', push, 'not-the-secret'), /signature does not match/],
      ['no signature', post(api, body, { ...signed, 'x-hub-signature-256': '' }), /no X-Hub-Signature-256/],
      ['SHA-1 signature only', post(api, body, withSha1Only(signed, body)), /no X-Hub-Signature-256/],
      ['not hex', post(api, body, { ...signed, 'x-hub-signature-256': `sha256=${'z'.repeat(64)}` }), /not sha256=/],
      ['body changed after signing', post(api, tampered, signed), /signature does not match/],
      ['GitLab, wrong token', deliver(api, 'gitlab', push, 'not-the-secret'), /X-Gitlab-Token header does not match/],
      ['GitLab, no token', post(api, body, { ...headersOf('gitlab', body, SECRET), 'x-gitlab-token': '' }), /no X-/],
      ['Gitea, another secret', deliver(api, 'gitea', push, 'not-the-secret'), /X-Gitea-Signature signature/],
      ['Forgejo, another secret', deliver(api, 'forgejo', push, 'not-the-secret'), /X-Forgejo-Signature signature/],
      // A ping is verified too: an unsigned one does not tell an outsider that the project exists.
      ['unsigned ping', post(api, '{}', { 'content-type': 'application/json', 'x-github-event': 'ping' }), /no X-/],
    ];
    for (const [name, answer, message] of cases) {
      const res = await answer;
      expect(res.status, `${name}: ${res.text}`).toBe(401);
      expect(res.body.errors[0].message, name).toMatch(message);
      expect(res.text, name).not.toContain(SECRET);
      expect(res.text, name).not.toContain(hmac(body, SECRET));
    }
    expect(await runsOf(api, path)).toHaveLength(0);
    // The signed delivery itself still works: the refusals above were for their signatures alone.
    expect((await post(api, body, signed)).body.runs_started).toBe(1);
  });

  it('answers an unknown project as a wrong signature, so the address space tells an outsider nothing', async () => {
    const { api, repo, initial } = await setUp(PUSH_MAIN);
    const push = { ref: 'refs/heads/main', before: initial, after: commit(repo, 'one.txt'), repoUrl: repo };
    const known = await deliver(api, 'github', push, 'a guess');
    const unknown = await deliver(api, 'github', push, 'a guess', 'no-such-project');
    const otherWorkspace = await http(api, 'POST', '/webhooks/git/nowhere/site', {
      headers: headersOf('github', payloadOf('github', push), 'a guess'),
      body: new Uint8Array(payloadOf('github', push)),
    });
    expect(known.status).toBe(401);
    expect([unknown.status, unknown.body]).toEqual([401, known.body]);
    expect([otherWorkspace.status, otherWorkspace.body]).toEqual([401, known.body]);
  });

  it('answers 202 to a verified event that is not a push (a ping), and runs nothing', async () => {
    const { api, path } = await setUp(PUSH_MAIN);
    const ping = readFileSync(join(import.meta.dirname, '../../src/api/git-webhook-fixtures/github-ping.json'));
    const res = await post(api, ping, headersOf('github', ping, SECRET, 'ping'));
    expect(res.status, res.text).toBe(202);
    expect(res.body).toEqual({ message: expect.stringMatching(/ping/), runs_started: 0 });
    const issue = Buffer.from('{"object_kind":"issue"}');
    const gitlab = await post(api, issue, headersOf('gitlab', issue, SECRET, 'Issue Hook'));
    expect(gitlab.status, gitlab.text).toBe(202);
    expect(gitlab.body).toEqual({ message: 'GitLab event "Issue Hook" is not a push.', runs_started: 0 });
    expect(await runsOf(api, path)).toHaveLength(0);
  });

  it('refuses with 400 a verified payload of another repository, one without a ref, and a body that is not JSON', async () => {
    const { api, repo, path, initial } = await setUp(PUSH_MAIN);
    const sha = commit(repo, 'one.txt');
    // The fixture names github.com/Octo-Org/site, not this project's repository: a webhook set on the wrong repo.
    const elsewhere = await deliver(api, 'github', { ref: 'refs/heads/main', before: initial, after: sha });
    expect(elsewhere.status, elsewhere.text).toBe(400);
    expect(elsewhere.body.errors[0].message).toMatch(/another repository than project "site"/);
    const gitlabElsewhere = await deliver(api, 'gitlab', { ref: 'refs/heads/main', before: initial, after: sha });
    expect(gitlabElsewhere.status, gitlabElsewhere.text).toBe(400);
    // The same repository named by its file:// URL is this project's.
    const sameByUrl = await deliver(api, 'gitea', {
      ref: 'refs/heads/main',
      before: initial,
      after: sha,
      repoUrl: `file://${repo}`,
    });
    expect(sameByUrl.status, sameByUrl.text).toBe(200);
    expect(sameByUrl.body.runs_started).toBe(1);

    const noRef = Buffer.from(JSON.stringify({ ref: 'main', after: sha, repository: { clone_url: repo } }));
    const notJson = Buffer.from('payload=not json at all');
    const cases: [string, Buffer, Record<string, string>, RegExp][] = [
      ['no ref', noRef, headersOf('github', noRef, SECRET), /names no ref/],
      ['not JSON', notJson, headersOf('github', notJson, SECRET), /not a JSON object/],
      ['no host', noRef, { 'content-type': 'application/json' }, /Not a GitHub, GitLab or Gitea webhook/],
    ];
    for (const [name, body, headers, message] of cases) {
      const res = await post(api, body, headers);
      expect(res.status, `${name}: ${res.text}`).toBe(400);
      expect(res.body.errors[0].message, name).toMatch(message);
    }
    expect(await runsOf(api, path)).toHaveLength(1);
  });

  it('refuses every delivery to a project without a webhook secret, as to an unknown one, and again once the secret is removed', async () => {
    const { api, repo, path, initial } = await setUp(PUSH_MAIN, null);
    const project = await api.get('/workspaces/acme/projects/site');
    expect(project.body.webhook_secret).toBeNull();
    const push = { ref: 'refs/heads/main', before: initial, after: commit(repo, 'one.txt'), repoUrl: repo };
    const body = payloadOf('github', push);
    const attempts = [
      deliver(api, 'github', push, ''),
      deliver(api, 'github', push, SECRET),
      deliver(api, 'gitlab', push, ''),
      deliver(api, 'gitlab', push, 'anything'),
      deliver(api, 'gitea', push, ''),
      post(api, body, { 'content-type': 'application/json', 'x-github-event': 'push' }),
      post(api, body, headersOf('github', body, '', 'ping')),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status, res.text).toBe(401);
      expect(res.body.errors[0].message).toMatch(
        /does not match .*a project without a webhook_secret accepts no webhook|has no X-[\w-]+ header/,
      );
    }
    // An outsider cannot tell it from a project that does not exist.
    const [here, nowhere] = await Promise.all([
      deliver(api, 'github', push, 'a guess'),
      deliver(api, 'github', push, 'a guess', 'no-such-project'),
    ]);
    expect([here.status, here.body]).toEqual([401, nowhere.body]);
    expect(await runsOf(api, path)).toHaveLength(0);

    expect((await api.patch('/workspaces/acme/projects/site', { webhook_secret: SECRET })).status).toBe(200);
    expect((await deliver(api, 'github', push)).body).toEqual({
      message: 'Push to refs/heads/main seen.',
      runs_started: 1,
    });
    expect((await api.patch('/workspaces/acme/projects/site', { webhook_secret: null })).status).toBe(200);
    const next = { ...push, before: push.after, after: commit(repo, 'two.txt') };
    const refused = await deliver(api, 'github', next);
    expect(refused.status, refused.text).toBe(401);
    expect(await runsOf(api, path)).toHaveLength(1);
  });

  it('never shows the secret in clear; an echoed sealed value keeps it, a forged one is refused', async () => {
    const { api, repo, path, initial } = await setUp(PUSH_MAIN);
    const project = await api.get('/workspaces/acme/projects/site');
    expect(project.body.webhook_secret).toMatch(/^!encrypted \S+$/);
    const everything = [
      project,
      await api.get('/workspaces/acme/projects'),
      await api.patch('/workspaces/acme/projects/site', { display_name: 'Site' }),
    ];
    for (const res of everything) expect(JSON.stringify(res.body)).not.toContain(SECRET);
    // Nor is it stored in clear (the database file and its write-ahead log).
    const files = readdirSync(api.dataDir).filter((f) => f.startsWith('archway.db'));
    expect(files).toContain('archway.db');
    for (const f of files) expect(readFileSync(join(api.dataDir, f)).includes(SECRET), f).toBe(false);

    // A client that PUTs back what it read keeps the secret: deliveries still verify.
    const echoed = await api.patch('/workspaces/acme/projects/site', { webhook_secret: project.body.webhook_secret });
    expect(echoed.status, JSON.stringify(echoed.body)).toBe(200);
    const push = { ref: 'refs/heads/main', before: initial, after: commit(repo, 'one.txt'), repoUrl: repo };
    expect((await deliver(api, 'gitlab', push)).body.runs_started).toBe(1);
    const forged = await api.patch('/workspaces/acme/projects/site', { webhook_secret: '!encrypted made-up' });
    expect(forged.status).toBe(400);
    expect(await runsOf(api, path)).toHaveLength(1);
  });

  it('refuses a body over GIT_WEBHOOK_MAX_BYTES with 413, whether its length is announced or streamed', async () => {
    const { api, repo, path, initial } = await setUp(PUSH_MAIN);
    const push = { ref: 'refs/heads/main', before: initial, after: commit(repo, 'one.txt'), repoUrl: repo };
    const payload = JSON.parse(payloadOf('github', push).toString('utf8'));
    payload.padding = 'x'.repeat(GIT_WEBHOOK_MAX_BYTES);
    const big = Buffer.from(JSON.stringify(payload));
    expect(big.length).toBeGreaterThan(GIT_WEBHOOK_MAX_BYTES);
    const headers = headersOf('github', big, SECRET);

    const announced = await post(api, big, headers);
    expect(announced.status, announced.text.slice(0, 300)).toBe(413);
    expect(announced.body.errors[0].message).toBe(
      `The request body is larger than the limit of ${GIT_WEBHOOK_MAX_BYTES / (1024 * 1024)} MiB.`,
    );

    const chunks = [big.subarray(0, 1 << 20), big.subarray(1 << 20, 3 << 20), big.subarray(3 << 20)];
    // No Content-Length (chunked): refused once what arrived passes the limit.
    const streamed = await http(api, 'POST', `${WEBHOOKS}/site`, {
      headers,
      body: new ReadableStream({
        pull(controller) {
          const next = chunks.shift();
          if (next) controller.enqueue(next);
          else controller.close();
        },
      }),
    });
    expect(streamed.status, streamed.text.slice(0, 300)).toBe(413);

    // A content type the host never sends: 415, also before anything is read.
    const plain = await post(api, 'x', {
      ...headersOf('github', Buffer.from('x'), SECRET),
      'content-type': 'text/plain',
    });
    expect(plain.status, plain.text).toBe(415);
    expect(await runsOf(api, path)).toHaveLength(0);
    // The server is fine afterwards: the same push at its real size runs.
    expect((await deliver(api, 'github', push)).body.runs_started).toBe(1);
  });

  it('answers deliveries quickly (request to 2xx over the socket, 50 deliveries)', async () => {
    const { api, repo, path, initial } = await setUp(PUSH_MAIN);
    const push = { ref: 'refs/heads/main', before: initial, after: commit(repo, 'one.txt'), repoUrl: repo };
    const hosts = ['github', 'gitlab', 'gitea', 'forgejo'] as const;
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await deliver(api, hosts[i % hosts.length]!, push);
      expect(res.status, res.text).toBe(200);
      expect(res.body.runs_started).toBe(i === 0 ? 1 : 0);
      times.push(res.ms);
    }
    times.sort((a, b) => a - b);
    const pct = (p: number) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]!;
    console.log(
      `push webhook request→2xx over 50 deliveries (1 run + 49 replays): ` +
        `p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms`,
    );
    expect(pct(99)).toBeLessThan(2000);
    expect(await runsOf(api, path)).toHaveLength(1);
  });
});

/** GitHub's headers with only the legacy SHA-1 signature (valid) instead of X-Hub-Signature-256. */
function withSha1Only(headers: Record<string, string>, body: Buffer): Record<string, string> {
  const { 'x-hub-signature-256': _, ...rest } = headers;
  return { ...rest, 'x-hub-signature': `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}` };
}

// --- Buddy's trigger URL ------------------------------------------------------------------------------------------

/** The path and query of a trigger URL (it names the public host; the test's server is on its own port). */
const local = (url: string) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};
const triggerPath = (pipeline: number | string, project = 'site', domain = 'acme') =>
  `/app/${domain}/${project}/pipelines/pipeline/${pipeline}/trigger-webhook`;

async function webhookPipeline() {
  const set = await setUp([{ type: 'WEBHOOK' }], null);
  const { api, path } = set;
  const url = (await api.get(path)).body.events[0].webhook_url as string;
  expect(url).toMatch(
    new RegExp(`^https://ci\\.example\\.com/app/acme/site/pipelines/pipeline/${set.pipeline}/trigger-webhook\\?token=`),
  );
  const token = new URL(url).searchParams.get('token')!;
  expect(token.length).toBeGreaterThanOrEqual(32);
  return { ...set, url, token };
}

const storedRun = async (api: Api, id: number) => (await api.core.store.executions.byId(id))!;

describe("Buddy's trigger URL: /app/:domain/:project_name/pipelines/pipeline/:pipeline_id/trigger-webhook", () => {
  it('shows webhook_url only to a caller with EXECUTION_MANAGE', async () => {
    const { api, path, token, url } = await webhookPipeline();
    const readers = [await api.token(['WORKSPACE', 'EXECUTION_INFO']), await api.token(['WORKSPACE', 'EXECUTION_RUN'])];
    for (const reader of readers) {
      const res = await api.get(path, reader);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.events).toEqual([{ type: 'WEBHOOK', refs: [] }]);
      const list = await api.get(P, reader);
      expect(list.status).toBe(200);
      for (const body of [res.body, list.body]) expect(JSON.stringify(body)).not.toContain(token);
    }
    const manager = await api.token(['WORKSPACE', 'EXECUTION_MANAGE']);
    expect((await api.get(path, manager)).body.events[0].webhook_url).toBe(url);
  });

  it('GET and POST start a WEBHOOK run, answering {id, url, status}', async () => {
    const { api, path, pipeline, url, initial } = await webhookPipeline();
    const got = await http(api, 'GET', local(url));
    expect(got.status, got.text).toBe(200);
    expect(got.body).toEqual({
      id: expect.any(Number),
      url: `https://ci.example.com${path}/executions/${got.body.id}`,
      status: expect.stringMatching(/^(ENQUEUED|INPROGRESS)$/),
    });
    const posted = await http(api, 'POST', local(url));
    expect(posted.status, posted.text).toBe(200);
    expect(posted.body.id).toBeGreaterThan(got.body.id);

    const runs = await runsOf(api, path);
    expect(runs.map((r) => r.id)).toEqual([got.body.id, posted.body.id]);
    for (const run of runs) {
      expect(QUEUED).toContain(run.status);
      expect(run).toMatchObject({
        trigger: { type: 'WEBHOOK', ref: 'refs/heads/main', by: null },
        branch: { name: 'main' },
        to_revision: { revision: initial },
        pipeline: { id: pipeline },
      });
    }
  });

  it('takes branch, revision, comment and settable variables from the query, a JSON body or a form', async () => {
    const { api, repo, path, pipeline, url, initial } = await webhookPipeline();
    const variable = (key: string, settable: boolean) =>
      api.post('/workspaces/acme/variables', {
        key,
        value: 'stored',
        settable,
        project: { name: 'site' },
        pipeline: { id: pipeline },
      });
    expect((await variable('DEPLOY_ENV', true)).status).toBe(201);
    expect((await variable('REGISTRY_HOST', false)).status).toBe(201);
    const main = commit(repo, 'main.txt');
    git(repo, 'checkout', '-qb', 'feature');
    const feature = commit(repo, 'feature.txt');

    // A JSON body: the branch's head, a comment, a settable variable and a new one.
    const json = await http(api, 'POST', local(url), {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ branch: 'feature', comment: 'from CI', DEPLOY_ENV: 'prod', BUILD_NO: 42 }),
    });
    expect(json.status, json.text).toBe(200);
    // The query: a revision pinned on the default branch.
    const query = await http(api, 'GET', `${local(url)}&revision=${initial}&comment=pinned`);
    expect(query.status, query.text).toBe(200);
    // A form, as curl -d sends it.
    const form = await http(api, 'POST', local(url), {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ branch: 'main', DEPLOY_ENV: 'qa', clear_cache: 'true' }).toString(),
    });
    expect(form.status, form.text).toBe(200);
    // A branch and a revision on it.
    const both = await http(api, 'GET', `${local(url)}&branch=main&revision=${initial}`);
    expect(both.status, both.text).toBe(200);

    const runs = await runsOf(api, path);
    expect(runs).toHaveLength(4);
    expect(runs[0]).toMatchObject({
      trigger: { type: 'WEBHOOK', ref: 'refs/heads/feature', by: null },
      branch: { name: 'feature' },
      to_revision: { revision: feature },
      comment: 'from CI',
    });
    expect(runs[1]).toMatchObject({ to_revision: { revision: initial }, comment: 'pinned' });
    expect(runs[3]).toMatchObject({
      trigger: { type: 'WEBHOOK', ref: 'refs/heads/main', by: null },
      branch: { name: 'main' },
      to_revision: { revision: initial },
    });
    expect(runs[2]).toMatchObject({ branch: { name: 'main' }, to_revision: { revision: main }, clear_cache: true });
    const variables = async (id: number) =>
      (await storedRun(api, id)).variables.map(({ key, value }) => ({ key, value }));
    expect(await variables(json.body.id)).toEqual([
      { key: 'DEPLOY_ENV', value: 'prod' },
      { key: 'BUILD_NO', value: '42' },
    ]);
    expect(await variables(query.body.id)).toEqual([]);
    expect(await variables(form.body.id)).toEqual([{ key: 'DEPLOY_ENV', value: 'qa' }]);

    // What may not be set is refused (400) before anything is written.
    const refused: [string, string][] = [
      [`${local(url)}&REGISTRY_HOST=evil.example`, 'is not settable'],
      [`${local(url)}&BUDDY_EXECUTION_BRANCH=x`, 'is built in'],
      [`${local(url)}&branch=main&tag=v1`, 'not both'],
      [`${local(url)}&bad-key=1`, 'letters, digits'],
    ];
    for (const [call, message] of refused) {
      const res = await http(api, 'GET', call);
      expect(res.status, `${call}: ${res.text}`).toBe(400);
      expect(res.body.errors[0].message).toContain(message);
    }
    expect(await runsOf(api, path)).toHaveLength(4);
  });

  it('answers a wrong token exactly as an unknown pipeline (404), and a missing token with 401', async () => {
    const { api, path, pipeline, token } = await webhookPipeline();
    // A second pipeline, without a WEBHOOK event (it has no trigger URL).
    const plain = (await api.post(P, { name: 'plain' })).body.id as number;
    const wrong = await http(api, 'GET', `${triggerPath(pipeline)}?token=${'A'.repeat(token.length)}`);
    expect(wrong.status, wrong.text).toBe(404);
    const lookalikes = [
      `${triggerPath(pipeline)}?token=${token.slice(0, -1)}`,
      `${triggerPath(999_999)}?token=${token}`,
      `${triggerPath(plain)}?token=${token}`,
      `${triggerPath(pipeline, 'no-such-project')}?token=${token}`,
      `${triggerPath(pipeline, 'site', 'nowhere')}?token=${token}`,
    ];
    for (const call of lookalikes) {
      for (const method of ['GET', 'POST']) {
        const res = await http(api, method, call);
        expect([res.status, res.body], `${method} ${call}`).toEqual([404, wrong.body]);
      }
    }
    for (const call of [triggerPath(pipeline), `${triggerPath(pipeline)}?token=`, `${triggerPath(999_999)}`]) {
      const res = await http(api, 'POST', call);
      expect(res.status, `${call}: ${res.text}`).toBe(401);
      expect(res.body.errors[0].message).toMatch(/"token"/);
    }
    // A user's bearer token is not a trigger token.
    const bearer = await http(api, 'GET', triggerPath(pipeline), {
      headers: { authorization: 'Bearer test-admin-token-0123456789' },
    });
    expect(bearer.status).toBe(401);
    expect(await runsOf(api, path)).toHaveLength(0);
  });

  it('renews the token with EXECUTION_MANAGE: the old URL answers 404, the new one runs', async () => {
    const { api, path, url } = await webhookPipeline();
    const renew = `${path}/webhook-token`;
    const runner = await api.token(['WORKSPACE', 'EXECUTION_RUN']);
    const forbidden = await api.post(renew, undefined, runner);
    expect(forbidden.status, JSON.stringify(forbidden.body)).toBe(403);
    expect((await http(api, 'GET', local(url))).status).toBe(200);

    const manager = await api.token(['WORKSPACE', 'EXECUTION_MANAGE']);
    const renewed = await api.post(renew, undefined, manager);
    expect(renewed.status, JSON.stringify(renewed.body)).toBe(200);
    const next = renewed.body.webhook_url as string;
    expect(next).not.toBe(url);
    expect(new URL(next).pathname).toBe(new URL(url).pathname);
    expect((await api.get(path)).body.events[0].webhook_url).toBe(next);

    const old = await http(api, 'GET', local(url));
    expect(old.status, old.text).toBe(404);
    const fresh = await http(api, 'POST', local(next));
    expect(fresh.status, fresh.text).toBe(200);
    expect((await runsOf(api, path)).map((r) => r.id)).toEqual([expect.any(Number), fresh.body.id]);

    // A pipeline without a WEBHOOK event has no token to renew.
    const plain = (await api.post(P, { name: 'plain' })).body.id as number;
    const none = await api.post(`${P}/${plain}/webhook-token`, undefined);
    expect(none.status).toBe(400);
    expect(none.body.errors[0].message).toMatch(/no WEBHOOK event/);
  });

  it('refuses a disabled pipeline with 400', async () => {
    const { api, path, url } = await webhookPipeline();
    expect((await api.patch(path, { disabled: true })).status).toBe(200);
    const res = await http(api, 'GET', local(url));
    expect(res.status, res.text).toBe(400);
    expect(res.body.errors[0].message).toMatch(/disabled/);
    expect(await runsOf(api, path)).toHaveLength(0);
  });

  it('keeps to its limits (64 KB body, 100 parameters, 10 000 characters) with a 4xx, never a 500', async () => {
    const { api, path, url } = await webhookPipeline();
    const jsonBody = (body: unknown) => ({
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const params = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`V_${i}`, 'x']));
    const cases: [string, Promise<Answer>, number][] = [
      ['JSON over 64 KB', http(api, 'POST', local(url), jsonBody({ V: 'x'.repeat(64 * 1024) })), 413],
      [
        'form over 64 KB',
        http(api, 'POST', local(url), {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `V=${'x'.repeat(64 * 1024)}`,
        }),
        413,
      ],
      // The token counts as one of the 100.
      ['100 parameters', http(api, 'POST', local(url), jsonBody(params(100))), 400],
      [
        '101 parameters in the query',
        http(api, 'GET', `${local(url)}&${new URLSearchParams(params(101)).toString()}`),
        400,
      ],
      ['a value over 10 000 characters', http(api, 'POST', local(url), jsonBody({ V: 'x'.repeat(10_001) })), 400],
      ['a name over 200 characters', http(api, 'POST', local(url), jsonBody({ ['V'.repeat(201)]: 'x' })), 400],
      ['a nested value', http(api, 'POST', local(url), jsonBody({ V: { nested: true } })), 400],
      ['a null value', http(api, 'POST', local(url), jsonBody({ V: null })), 400],
      ['an array body', http(api, 'POST', local(url), jsonBody([1, 2])), 400],
      ['a JSON string body', http(api, 'POST', local(url), jsonBody('"text"')), 400],
      ['broken JSON', http(api, 'POST', local(url), jsonBody('{"V":')), 400],
      [
        'another content type',
        http(api, 'POST', local(url), { headers: { 'content-type': 'text/plain' }, body: 'V=1' }),
        415,
      ],
    ];
    for (const [name, answer, status] of cases) {
      const res = await answer;
      expect(res.status, `${name}: ${res.text.slice(0, 300)}`).toBe(status);
      expect(res.body.errors[0].message, name).toEqual(expect.any(String));
      if (status === 413) expect(res.body.errors[0].message, name).toMatch(/limit of 64 KiB\.$/);
    }
    expect(await runsOf(api, path)).toHaveLength(0);
    // 99 variables and the token: at the limit, accepted.
    const atLimit = await http(api, 'POST', local(url), jsonBody(params(99)));
    expect(atLimit.status, atLimit.text.slice(0, 300)).toBe(200);
    expect((await storedRun(api, atLimit.body.id)).variables).toHaveLength(99);
  });
});
