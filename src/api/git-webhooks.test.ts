import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readGitWebhook, sameRepository, type WebhookHeaders } from './git-webhooks.js';

// The secret and vector of GitHub's "Validating webhook deliveries" guide.
const SECRET = "It's a Secret to Everybody";
const ZERO = '0'.repeat(40);

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'git-webhook-fixtures', name));
const hmac = (body: Buffer | string, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');
/** The fixture re-serialised compactly, as GitHub and GitLab send JSON, after `change`. */
const edited = (name: string, change: (payload: any) => void = () => {}) => {
  const payload = JSON.parse(fixture(name).toString('utf8'));
  change(payload);
  return Buffer.from(JSON.stringify(payload));
};

const github = (event: string, body: Buffer | string, signature = `sha256=${hmac(body)}`): WebhookHeaders => ({
  'content-type': 'application/json',
  'user-agent': 'GitHub-Hookshot/7a1b2c3',
  'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
  'x-github-event': event,
  'x-github-hook-id': '479542891',
  'x-hub-signature': `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}`,
  'x-hub-signature-256': signature,
});
const gitlab = (event: string, token = SECRET): WebhookHeaders => ({
  'content-type': 'application/json',
  'user-agent': 'GitLab/17.5.1',
  'x-gitlab-event': event,
  'x-gitlab-event-uuid': '13792a34-cac6-4fda-95a8-c58e00a3954e',
  'x-gitlab-instance': 'https://gitlab.example.com',
  'x-gitlab-token': token,
});
/** Gitea's headers, GitHub's and Gogs' names included, all signed alike unless told otherwise. */
const gitea = (event: string, body: Buffer | string, signature = hmac(body), hub = signature): WebhookHeaders => ({
  'content-type': 'application/json',
  'x-github-delivery': 'f6266f16-1bf3-46a5-9ea4-602e06ead473',
  'x-github-event': event,
  'x-github-event-type': event,
  'x-gitea-delivery': 'f6266f16-1bf3-46a5-9ea4-602e06ead473',
  'x-gitea-event': event,
  'x-gitea-event-type': event,
  'x-gitea-signature': signature,
  'x-gogs-delivery': 'f6266f16-1bf3-46a5-9ea4-602e06ead473',
  'x-gogs-event': event,
  'x-gogs-signature': signature,
  'x-hub-signature-256': `sha256=${hub}`,
});

function expectRefused(result: ReturnType<typeof readGitWebhook>, pattern: RegExp, body?: Buffer) {
  expect(result).toEqual({ kind: 'unauthorized', message: expect.stringMatching(pattern) });
  const message = result.kind === 'unauthorized' ? result.message : '';
  expect(message).not.toContain(SECRET);
  if (body) expect(message).not.toContain(hmac(body));
}

describe('readGitWebhook from GitHub', () => {
  const body = fixture('github-push.json');

  it('reads a signed push', () => {
    expect(readGitWebhook(github('push', body), body, SECRET)).toEqual({
      kind: 'push',
      hint: {
        host: 'github',
        ref: 'refs/heads/main',
        after: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
        before: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
        deleted: false,
        created: false,
        pusher: 'Codertocat',
        repositoryUrls: [
          'https://github.com/Octo-Org/site.git',
          'git@github.com:Octo-Org/site.git',
          'https://github.com/Octo-Org/site',
          'git://github.com/Octo-Org/site.git',
        ],
      },
    });
  });

  it('verifies the raw bytes: non-ASCII text and \\u escapes that re-serialising would change', () => {
    const text = body.toString('utf8');
    expect(text).toContain('日本語');
    expect(JSON.stringify(JSON.parse(text), null, 2)).not.toBe(text);
    expect(readGitWebhook(github('push', body), body, SECRET).kind).toBe('push');
    expect(readGitWebhook(github('push', body), text, SECRET).kind).toBe('push');
    const reserialised = JSON.stringify(JSON.parse(text));
    expectRefused(readGitWebhook(github('push', reserialised), body, SECRET), /does not match/, body);
  });

  it('reads a form-encoded delivery, verified over the form as sent', () => {
    const form = `payload=${encodeURIComponent(body.toString('utf8'))}`;
    const headers = { ...github('push', form), 'content-type': 'application/x-www-form-urlencoded' };
    const result = readGitWebhook(headers, Buffer.from(form), SECRET);
    expect(result.kind === 'push' && result.hint.after).toBe('0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c');
  });

  it('refuses a signature made with another secret', () => {
    const headers = github('push', body, `sha256=${hmac(body, 'another secret')}`);
    expectRefused(readGitWebhook(headers, body, SECRET), /X-Hub-Signature-256 signature does not match/, body);
  });

  it('refuses a payload changed after it was signed', () => {
    const tampered = Buffer.from(body.toString('utf8').replace('refs/heads/main', 'refs/heads/prod'));
    expectRefused(readGitWebhook(github('push', body), tampered, SECRET), /does not match/, body);
  });

  it('refuses a delivery without X-Hub-Signature-256, even with the SHA-1 X-Hub-Signature', () => {
    const headers = { ...github('push', body), 'x-hub-signature-256': undefined };
    expectRefused(readGitWebhook(headers, body, SECRET), /no X-Hub-Signature-256 header/);
  });

  it.each([
    ['too short', `sha256=${hmac(body).slice(1)}`],
    ['too long', `sha256=${hmac(body)}00`],
    ['not hex', `sha256=${'zz'.repeat(32)}`],
    ['without its prefix', hmac(body)],
    ['SHA-1', `sha1=${hmac(body).slice(0, 40)}`],
    ['two values', `sha256=${hmac(body)}, sha256=${hmac(body)}`],
  ])('refuses a malformed signature (%s) without throwing', (_, signature) => {
    expectRefused(readGitWebhook(github('push', body, signature), body, SECRET), /not sha256=<64 hex digits>/);
  });

  it.each([null, ''])('refuses every delivery when the project has no secret (%j), as a wrong secret', (secret) => {
    expectRefused(
      readGitWebhook(github('push', body, `sha256=${hmac(body, '')}`), body, secret),
      /does not match the body signed with the project's webhook secret \(a project without a webhook_secret/,
    );
  });

  it('reads a branch deletion', () => {
    const deleted = edited('github-push.json', (p) => {
      Object.assign(p, { ref: 'refs/heads/old', after: ZERO, deleted: true, commits: [], head_commit: null });
    });
    const result = readGitWebhook(github('push', deleted), deleted, SECRET);
    expect(result).toMatchObject({ kind: 'push', hint: { ref: 'refs/heads/old', after: null, deleted: true } });
    expect(result.kind === 'push' && result.hint.created).toBe(false);
  });

  it('reads a new tag', () => {
    const tag = edited('github-push.json', (p) =>
      Object.assign(p, { ref: 'refs/tags/v1.2', before: ZERO, created: true }),
    );
    expect(readGitWebhook(github('push', tag), tag, SECRET)).toMatchObject({
      kind: 'push',
      hint: { ref: 'refs/tags/v1.2', before: null, created: true, deleted: false },
    });
  });

  it('ignores the ping of a new webhook, and events that are not pushes', () => {
    const ping = fixture('github-ping.json');
    expect(readGitWebhook(github('ping', ping), ping, SECRET)).toEqual({
      kind: 'ignored',
      host: 'github',
      reason: expect.stringMatching(/ping/),
    });
    const issue = edited('github-ping.json');
    expect(readGitWebhook(github('issues', issue), issue, SECRET)).toMatchObject({ kind: 'ignored', host: 'github' });
  });

  it('verifies before it parses: a signed body that is not JSON is invalid, an unsigned one unauthorized', () => {
    const headers = github('push', 'Hello, World!');
    expect(headers['x-hub-signature-256']).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
    expect(readGitWebhook(headers, 'Hello, World!', SECRET)).toEqual({
      kind: 'invalid',
      message: expect.stringMatching(/not a JSON object/),
    });
    expect(readGitWebhook(headers, 'Hello, World?', SECRET).kind).toBe('unauthorized');
  });

  it('says a push payload without a ref or with a bad id is invalid', () => {
    const noRef = edited('github-push.json', (p) => delete p.ref);
    expect(readGitWebhook(github('push', noRef), noRef, SECRET)).toMatchObject({ kind: 'invalid' });
    const badId = edited('github-push.json', (p) => (p.after = 'main'));
    expect(readGitWebhook(github('push', badId), badId, SECRET)).toMatchObject({ message: /"after" is not/ });
  });
});

describe('readGitWebhook from GitLab', () => {
  it('reads a Push Hook', () => {
    const body = edited('gitlab-push.json');
    expect(readGitWebhook(gitlab('Push Hook'), body, SECRET)).toEqual({
      kind: 'push',
      hint: {
        host: 'gitlab',
        ref: 'refs/heads/master',
        after: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
        before: '95790bf891e76fee5e1747ab589903a6a1f80f22',
        deleted: false,
        created: false,
        pusher: 'jsmith',
        repositoryUrls: [
          'https://gitlab.example.com/mike/diaspora.git',
          'git@gitlab.example.com:mike/diaspora.git',
          'https://gitlab.example.com/mike/diaspora',
        ],
      },
    });
  });

  it('reads a Tag Push Hook, naming the pusher by user_name when user_username is absent', () => {
    const result = readGitWebhook(gitlab('Tag Push Hook'), fixture('gitlab-tag-push.json'), SECRET);
    expect(result).toMatchObject({
      kind: 'push',
      hint: { ref: 'refs/tags/v1.0.0', before: null, created: true, deleted: false, pusher: 'John Smith' },
    });
    expect(result.kind === 'push' && result.hint.repositoryUrls).toContain(
      'ssh://git@gitlab.example.com/jsmith/example.git',
    );
  });

  it('reads a branch deletion (after all zeros, checkout_sha null)', () => {
    const body = edited('gitlab-push.json', (p) => Object.assign(p, { after: ZERO, checkout_sha: null, commits: [] }));
    expect(readGitWebhook(gitlab('Push Hook'), body, SECRET)).toMatchObject({
      kind: 'push',
      hint: { after: null, deleted: true, created: false },
    });
  });

  it.each([
    ['a wrong token', 'not the secret'],
    ['a prefix of the secret', SECRET.slice(0, -1)],
    ['the secret and more', `${SECRET}!`],
  ])('refuses %s', (_, token) => {
    expectRefused(readGitWebhook(gitlab('Push Hook', token), edited('gitlab-push.json'), SECRET), /does not match/);
  });

  it('refuses a hook without X-Gitlab-Token, or any hook when the project has no secret', () => {
    const body = edited('gitlab-push.json');
    expectRefused(
      readGitWebhook({ ...gitlab('Push Hook'), 'x-gitlab-token': undefined }, body, SECRET),
      /no X-Gitlab-Token header/,
    );
    expectRefused(
      readGitWebhook(gitlab('Push Hook', 'anything'), body, ''),
      /does not match .*without a webhook_secret/,
    );
  });

  it('reads pushes sent as System Hooks, and ignores other system events and other hooks', () => {
    expect(readGitWebhook(gitlab('System Hook'), edited('gitlab-push.json'), SECRET).kind).toBe('push');
    const other = Buffer.from(JSON.stringify({ event_name: 'project_create', name: 'StoreCloud', project_id: 74 }));
    expect(readGitWebhook(gitlab('System Hook'), other, SECRET)).toMatchObject({ kind: 'ignored', host: 'gitlab' });
    const mr = edited('gitlab-push.json', (p) => (p.object_kind = 'merge_request'));
    expect(readGitWebhook(gitlab('Merge Request Hook'), mr, SECRET)).toMatchObject({ kind: 'ignored' });
  });
});

describe('readGitWebhook from Gitea and Forgejo', () => {
  const body = fixture('gitea-push.json');

  it('reads a signed push as Gitea, though it also sends X-GitHub-Event', () => {
    expect(readGitWebhook(gitea('push', body), body, SECRET)).toEqual({
      kind: 'push',
      hint: {
        host: 'gitea',
        ref: 'refs/heads/develop',
        after: 'bffeb74224043ba2feb48d137756c8a9331c449a',
        before: '28e1879d029cb852e4844d9c718537df08844e03',
        deleted: false,
        created: false,
        pusher: 'gitea',
        repositoryUrls: [
          'https://git.example.org/gitea/webhooks.git',
          'ssh://git@git.example.org:2222/gitea/webhooks.git',
          'https://git.example.org/gitea/webhooks',
        ],
      },
    });
  });

  it('verifies X-Gitea-Signature, not the X-Hub-Signature-256 sent alongside', () => {
    expect(readGitWebhook(gitea('push', body, hmac(body), 'f'.repeat(64)), body, SECRET).kind).toBe('push');
    const headers = gitea('push', body, hmac(body, 'another secret'), hmac(body));
    expectRefused(readGitWebhook(headers, body, SECRET), /X-Gitea-Signature signature does not match/, body);
  });

  it('reads Forgejo, verified by X-Forgejo-Signature', () => {
    const headers = { ...gitea('push', body), 'x-forgejo-event': 'push', 'x-forgejo-signature': hmac(body) };
    expect(readGitWebhook(headers, body, SECRET)).toMatchObject({ kind: 'push', hint: { host: 'gitea' } });
    headers['x-forgejo-signature'] = hmac(body, 'another secret');
    expectRefused(readGitWebhook(headers, body, SECRET), /X-Forgejo-Signature/, body);
  });

  it('refuses an empty signature (what Gitea sends without a secret), a non-hex one, and a tampered body', () => {
    expectRefused(readGitWebhook(gitea('push', body, ''), body, SECRET), /no X-Gitea-Signature header/);
    expectRefused(readGitWebhook(gitea('push', body, 'g'.repeat(64)), body, SECRET), /not <64 hex digits>/);
    const tampered = Buffer.concat([body, Buffer.from(' ')]);
    expectRefused(readGitWebhook(gitea('push', body), tampered, SECRET), /does not match/, body);
  });

  it('reads a push that deleted a branch, and the delete event Gitea sends instead', () => {
    const push = edited('gitea-push.json', (p) => Object.assign(p, { after: ZERO, commits: [], head_commit: null }));
    expect(readGitWebhook(gitea('push', push), push, SECRET)).toMatchObject({ hint: { after: null, deleted: true } });
    const { repository, sender } = JSON.parse(body.toString('utf8'));
    const event = Buffer.from(
      JSON.stringify({ ref: 'v0.9', ref_type: 'tag', pusher_type: 'user', repository, sender }),
    );
    expect(readGitWebhook(gitea('delete', event), event, SECRET)).toEqual({
      kind: 'push',
      hint: expect.objectContaining({
        ref: 'refs/tags/v0.9',
        after: null,
        before: null,
        deleted: true,
        created: false,
      }),
    });
  });

  it('ignores events that are not pushes', () => {
    expect(readGitWebhook(gitea('issues', body), body, SECRET)).toMatchObject({ kind: 'ignored', host: 'gitea' });
  });
});

describe('readGitWebhook from an unknown sender', () => {
  it.each([
    ['Bitbucket', { 'x-event-key': 'repo:push', 'x-hub-signature': 'sha256=00' }],
    ['Gogs', { 'x-gogs-event': 'push', 'x-gogs-signature': 'ab' }],
    ['nobody', {}],
    ['an empty event header', { 'x-github-event': '' }],
  ])('says a delivery from %s is invalid', (_, headers) => {
    expect(readGitWebhook(headers, '{}', SECRET)).toEqual({
      kind: 'invalid',
      message: 'Not a GitHub, GitLab or Gitea webhook: no X-GitHub-Event, X-Gitlab-Event or X-Gitea-Event header.',
    });
  });

  it('takes a header repeated with one value, and refuses one repeated with two', () => {
    const body = fixture('github-push.json');
    const headers = github('push', body);
    const signature = headers['x-hub-signature-256'] as string;
    expect(readGitWebhook({ ...headers, 'x-hub-signature-256': [signature, signature] }, body, SECRET).kind).toBe(
      'push',
    );
    const twice = { ...headers, 'x-hub-signature-256': [signature, `sha256=${'0'.repeat(64)}`] };
    expect(readGitWebhook(twice, body, SECRET).kind).toBe('unauthorized');
  });
});

describe('sameRepository', () => {
  const github = ['https://github.com/Octo-Org/site.git', 'git@github.com:Octo-Org/site.git'];
  it.each([
    [github, 'https://github.com/octo-org/site'],
    [github, 'http://GitHub.com/Octo-Org/site/'],
    [github, 'ssh://git@github.com/Octo-Org/site.git'],
    [github, 'git@github.com:octo-org/site'],
    [github, 'https://x-access-token:secret@github.com/Octo-Org/site.git'],
    [['ssh://git@git.example.org:2222/gitea/webhooks.git'], 'https://git.example.org/gitea/webhooks'],
    [['git@gitlab.example.com:group/sub/project.git'], 'https://gitlab.example.com/group/sub/project.git'],
    [['file:///srv/git/site.git'], '/srv/git/site.git'],
    [['/srv/git/site.git'], '/srv/git/site.git'],
    [['/srv/git//site.git/'], 'file:///srv/git/site'],
  ])('matches %j with %s', (urls, project) => {
    expect(sameRepository(urls, project)).toBe(true);
  });

  it.each([
    [github, 'https://github.com/Octo-Org/site-docs.git'],
    [github, 'https://github.com/Octo-Org'],
    [github, 'https://gitlab.com/Octo-Org/site.git'],
    [['https://example.com/srv/git/site.git'], '/srv/git/site.git'],
    [['/srv/git/Site.git'], '/srv/git/site.git'],
    [[], 'https://github.com/Octo-Org/site'],
    [github, ''],
    [['https://'], 'https://'],
  ])('does not match %j with %j', (urls, project) => {
    expect(sameRepository(urls, project)).toBe(false);
  });
});
