/** The forge that sent a webhook. Forgejo is reported as `gitea`: it sends Gitea's headers and payloads. */
export type GitHost = 'github' | 'gitlab' | 'gitea';

/** What a push webhook says happened to one ref, in one shape for every host. */
export interface GitPushHint {
  host: GitHost;
  /** Full ref name, e.g. refs/heads/main, refs/tags/v1.2 */
  ref: string;
  /** The ref's new object id (lower-case hex), or null when the ref was deleted. */
  after: string | null;
  /** The ref's old object id, or null when the ref was created. */
  before: string | null;
  deleted: boolean;
  created: boolean;
  /** Who pushed, as the host names them; null if the payload does not say. */
  pusher: string | null;
  /** The repository URLs the payload names (clone, SSH, web), to check that it is this project's repository. */
  repositoryUrls: string[];
}

/** What a verified payload means: a push, an event with nothing to build, or a payload that cannot be read. */
export type PayloadReading =
  | { kind: 'push'; hint: GitPushHint }
  | { kind: 'ignored'; host: GitHost; reason: string }
  | { kind: 'invalid'; message: string };

type Json = Record<string, unknown>;
type Reader = (body: Json) => PayloadReading;

export const isJsonObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The value at a path of nested objects, or undefined. */
function at(body: Json, ...path: string[]): unknown {
  let value: unknown = body;
  for (const key of path) value = isJsonObject(value) ? value[key] : undefined;
  return value;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value : null);
const firstText = (...values: unknown[]): string | null => values.map(text).find((v) => v !== null) ?? null;

// SHA-1 ids, and SHA-256 ids for repositories in git's newer object format (GitLab and Gitea can host them).
const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
const NO_OBJECT = /^0+$/;

/** An object id field: the id, null for git's all-zero "no object" (or an absent/null field), or an error. */
function objectId(value: unknown, field: string): { id: string | null } | { error: string } {
  if (value === undefined || value === null || value === '') return { id: null };
  if (typeof value !== 'string' || !OBJECT_ID.test(value)) {
    return { error: `The push payload's "${field}" is not a commit id.` };
  }
  return { id: NO_OBJECT.test(value) ? null : value.toLowerCase() };
}

interface PushFields {
  ref: unknown;
  before: unknown;
  after: unknown;
  pusher: string | null;
  urls: unknown[];
  /** The host's own created/deleted flags (GitHub's), taken together with what the ids say. */
  created?: unknown;
  deleted?: unknown;
}

function pushReading(host: GitHost, fields: PushFields): PayloadReading {
  const ref = text(fields.ref);
  if (ref === null || !ref.startsWith('refs/')) {
    return { kind: 'invalid', message: 'The push payload names no ref (a "ref" such as refs/heads/main).' };
  }
  const after = objectId(fields.after, 'after');
  if ('error' in after) return { kind: 'invalid', message: after.error };
  const before = objectId(fields.before, 'before');
  if ('error' in before) return { kind: 'invalid', message: before.error };
  // A push that deletes a ref did not create it, though neither id is known (Gitea's delete event).
  const deleted = fields.deleted === true || after.id === null;
  const hint: GitPushHint = {
    host,
    ref,
    after: deleted ? null : after.id,
    before: before.id,
    deleted,
    created: !deleted && (fields.created === true || before.id === null),
    pusher: fields.pusher,
    repositoryUrls: [...new Set(fields.urls.map(text).filter((u) => u !== null))],
  };
  return { kind: 'push', hint };
}

const readGithubPush: Reader = (body) =>
  pushReading('github', {
    ref: body.ref,
    before: body.before,
    after: body.after,
    created: body.created,
    deleted: body.deleted,
    pusher: firstText(at(body, 'pusher', 'name'), at(body, 'sender', 'login')),
    urls: ['clone_url', 'ssh_url', 'html_url', 'git_url'].map((k) => at(body, 'repository', k)),
  });

const GITLAB_PROJECT_URLS = ['git_http_url', 'git_ssh_url', 'web_url', 'http_url', 'ssh_url', 'url', 'homepage'];
const GITLAB_REPOSITORY_URLS = ['git_http_url', 'git_ssh_url', 'url', 'homepage'];

const readGitlabPush: Reader = (body) =>
  pushReading('gitlab', {
    ref: body.ref,
    before: body.before,
    // A deleted ref has "after" all zeros and "checkout_sha" null; "after" is the ref's own new value (for an
    // annotated tag, the tag object, where "checkout_sha" is the commit).
    after: body.after,
    pusher: firstText(body.user_username, body.user_name),
    urls: [
      ...GITLAB_PROJECT_URLS.map((k) => at(body, 'project', k)),
      ...GITLAB_REPOSITORY_URLS.map((k) => at(body, 'repository', k)),
    ],
  });

/** A System Hook carries project pushes in the Push Hook shape, told apart by "event_name". */
const readGitlabSystemHook: Reader = (body) => {
  const event = firstText(body.event_name, body.object_kind);
  if (event === 'push' || event === 'tag_push') return readGitlabPush(body);
  return { kind: 'ignored', host: 'gitlab', reason: `GitLab system hook "${event ?? 'unknown'}" is not a push.` };
};

const giteaUrls = (body: Json) => ['clone_url', 'ssh_url', 'html_url'].map((k) => at(body, 'repository', k));

const readGiteaPush: Reader = (body) =>
  pushReading('gitea', {
    ref: body.ref,
    before: body.before,
    after: body.after,
    pusher: firstText(at(body, 'pusher', 'login'), at(body, 'pusher', 'username'), at(body, 'sender', 'login')),
    urls: giteaUrls(body),
  });

/**
 * Gitea and Forgejo send no push event when a branch or tag is deleted, only a "delete" event naming the ref by
 * its short name and type; it is read as a push that deleted the ref, with neither id known.
 */
const readGiteaDelete: Reader = (body) => {
  const name = text(body.ref);
  const prefix = body.ref_type === 'branch' ? 'refs/heads/' : body.ref_type === 'tag' ? 'refs/tags/' : null;
  if (name === null || prefix === null) {
    return { kind: 'invalid', message: 'The delete payload names no branch or tag ("ref" and "ref_type").' };
  }
  return pushReading('gitea', {
    ref: name.startsWith('refs/') ? name : prefix + name,
    before: null,
    after: null,
    pusher: firstText(at(body, 'sender', 'login'), at(body, 'sender', 'username')),
    urls: giteaUrls(body),
  });
};

const READERS: Record<GitHost, Record<string, Reader>> = {
  github: { push: readGithubPush },
  gitlab: { 'Push Hook': readGitlabPush, 'Tag Push Hook': readGitlabPush, 'System Hook': readGitlabSystemHook },
  gitea: { push: readGiteaPush, delete: readGiteaDelete },
};

const HOST_NAMES: Record<GitHost, string> = { github: 'GitHub', gitlab: 'GitLab', gitea: 'Gitea' };

/**
 * The reader of an event's payload, or the reason the event is ignored without reading it (a ping, or an event
 * that is never a push). `event` is the value of the host's event header.
 */
export function payloadReader(host: GitHost, event: string): Reader | { ignored: string } {
  const reader = Object.hasOwn(READERS[host], event) ? READERS[host][event] : undefined;
  if (reader) return reader;
  if (host === 'github' && event === 'ping') {
    return { ignored: "GitHub's ping: the webhook reaches Archway and its signature is valid." };
  }
  return { ignored: `${HOST_NAMES[host]} event "${event}" is not a push.` };
}
