import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isJsonObject, payloadReader, type GitHost, type GitPushHint } from './git-webhook-payloads.js';

export type { GitHost, GitPushHint } from './git-webhook-payloads.js';

/**
 * The body limit of `POST /webhooks/git/:domain/:project_name`. The body is buffered before its signature can be
 * checked, so the limit bounds what an unauthenticated sender can make the server hold; a payload over it is
 * refused (413) and shows on the host as a failed delivery. GitHub drops deliveries over 25 MB, but a push reaches
 * megabytes only with thousands of commits or file paths (each commit may list 5000 paths per change kind), and
 * GitLab lists at most 20 commits per push.
 */
export const GIT_WEBHOOK_MAX_BYTES = 5 * 1024 * 1024;

/** Request headers by lower-case name, as Node and Fastify give them. */
export type WebhookHeaders = Record<string, string | string[] | undefined>;

export type GitWebhookResult =
  | { kind: 'push'; hint: GitPushHint }
  /** A ping, or an event that is never a push: answer 2xx so the host does not count a failed delivery. */
  | { kind: 'ignored'; host: GitHost; reason: string }
  /** HTTP 401: no secret on the project, or a missing, malformed or wrong signature or token. */
  | { kind: 'unauthorized'; message: string }
  /** HTTP 400: no host's event header, a body that is not JSON, or a push payload without a ref. */
  | { kind: 'invalid'; message: string };

const NO_HOST = 'Not a GitHub, GitLab or Gitea webhook: no X-GitHub-Event, X-Gitlab-Event or X-Gitea-Event header.';
/** Said with every mismatch: a project without a secret (or an unknown one) answers as a wrong secret. */
const NO_SECRET_HINT = ' (a project without a webhook_secret accepts no webhook)';
const NOT_JSON = "The webhook body is not a JSON object: set the webhook's content type to application/json.";

/** One header's value, trimmed; undefined when absent, empty, or repeated with different values. */
function header(headers: WebhookHeaders, name: string): string | undefined {
  const raw = headers[name];
  const value = Array.isArray(raw) ? (raw.every((v) => v === raw[0]) ? raw[0] : undefined) : raw;
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

interface Delivery {
  host: GitHost;
  /** The host's event header: `push`, `ping`, `Push Hook`, ... */
  event: string;
}

/** Gitea and Forgejo also send X-GitHub-Event (and X-Gogs-Event) for compatibility, so they are asked first. */
function detectHost(headers: WebhookHeaders): Delivery | null {
  const gitea = header(headers, 'x-forgejo-event') ?? header(headers, 'x-gitea-event');
  if (gitea !== undefined) return { host: 'gitea', event: gitea };
  const gitlab = header(headers, 'x-gitlab-event');
  if (gitlab !== undefined) return { host: 'gitlab', event: gitlab };
  const github = header(headers, 'x-github-event');
  if (github !== undefined) return { host: 'github', event: github };
  return null;
}

const HMAC_HEX = /^[0-9a-f]{64}$/i;

/** Checks a hex HMAC-SHA256 of the raw body; the reason it fails, or null. */
function checkSignature(name: string, value: string | undefined, prefix: string, body: Buffer, secret: string) {
  if (value === undefined) return `The webhook has no ${name} header: give the webhook the project's webhook secret.`;
  const hex = value.startsWith(prefix) ? value.slice(prefix.length) : '';
  if (!HMAC_HEX.test(hex)) return `The ${name} header is not ${prefix}<64 hex digits> (an HMAC-SHA256 of the body).`;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(Buffer.from(hex, 'hex'), expected)
    ? null
    : `The ${name} signature does not match the body signed with the project's webhook secret${NO_SECRET_HINT}.`;
}

/** GitLab sends the secret itself. */
function checkToken(value: string | undefined, secret: string) {
  if (value === undefined) {
    return "The webhook has no X-Gitlab-Token header: set the project's webhook secret as the webhook's secret token.";
  }
  // Comparing digests gives equal lengths, so neither the comparison nor a length check tells the secret's length.
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(value), digest(secret))
    ? null
    : `The X-Gitlab-Token header does not match the project's webhook secret${NO_SECRET_HINT}.`;
}

function refusal(delivery: Delivery, headers: WebhookHeaders, body: Buffer, given: string | null): string | null {
  // No secret (none set, or no such project): checked against one nobody has, so the answer, and its time, are a
  // wrong secret's, and an outsider cannot tell which projects exist or have a secret.
  const secret = given || randomBytes(32).toString('hex');
  switch (delivery.host) {
    case 'github':
      return checkSignature('X-Hub-Signature-256', header(headers, 'x-hub-signature-256'), 'sha256=', body, secret);
    case 'gitlab':
      return checkToken(header(headers, 'x-gitlab-token'), secret);
    case 'gitea': {
      // Forgejo sends both headers with one value; Gitea sends X-Gitea-Signature, empty when it has no secret.
      const forgejo = header(headers, 'x-forgejo-signature');
      return forgejo !== undefined
        ? checkSignature('X-Forgejo-Signature', forgejo, '', body, secret)
        : checkSignature('X-Gitea-Signature', header(headers, 'x-gitea-signature'), '', body, secret);
    }
  }
}

function parseBody(body: Buffer, contentType: string | undefined): unknown {
  let json = body.toString('utf8');
  // GitHub and Gitea can be set to send `payload=<JSON>` form-encoded; the signature covers the form as sent.
  if (contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    json = new URLSearchParams(json).get('payload') ?? '';
  }
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Reads a push webhook from GitHub, GitLab or Gitea/Forgejo: detects the host by its event header, verifies the
 * raw body against the project's secret (in constant time; null: the project has none, or does not exist), and
 * only then parses it. A string body is taken as
 * UTF-8; pass the Buffer as received, since a body decoded and re-encoded otherwise no longer matches its
 * signature. Never throws; no message names the secret or the expected signature.
 */
export function readGitWebhook(
  headers: WebhookHeaders,
  rawBody: Buffer | string,
  secret: string | null,
): GitWebhookResult {
  const delivery = detectHost(headers);
  if (delivery === null) return { kind: 'invalid', message: NO_HOST };
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  const refused = refusal(delivery, headers, body, secret);
  if (refused !== null) return { kind: 'unauthorized', message: refused };
  const reader = payloadReader(delivery.host, delivery.event);
  if (typeof reader !== 'function') return { kind: 'ignored', host: delivery.host, reason: reader.ignored };
  const payload = parseBody(body, header(headers, 'content-type'));
  return isJsonObject(payload) ? reader(payload) : { kind: 'invalid', message: NOT_JSON };
}

/** A repository URL reduced to what names the repository, or null when it is not a repository URL. */
function repositoryKey(url: string): string | null {
  const value = url.trim();
  if (/^file:/i.test(value)) {
    try {
      return localKey(fileURLToPath(value));
    } catch {
      return null;
    }
  }
  if (value.startsWith('/')) return localKey(value);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    const parsed = URL.canParse(value) ? new URL(value) : null;
    if (!parsed || !/^(https?|ssh|git|git\+ssh|ssh\+git):$/.test(parsed.protocol)) return null;
    return networkKey(parsed.hostname, decodePath(parsed.pathname));
  }
  const scp = /^(?:[^@/]+@)?([^@/:]+):(.+)$/.exec(value); // git@host:owner/repo.git
  if (scp?.[1] && scp[2]) return networkKey(scp[1], `/${scp[2]}`);
  return value ? localKey(value) : null;
}

const trimRepoPath = (path: string) =>
  path
    .replace(/\/+/g, '/')
    .replace(/\/+$/, '')
    .replace(/\.git$/i, '')
    .replace(/\/+$/, '');

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

// Scheme, port and user are left out: one repository is named by https://, ssh:// and git@host: URLs with
// different ports. The path is compared without case, as GitHub, GitLab and Gitea resolve owner/name.
const networkKey = (host: string, path: string) => `//${host.toLowerCase()}${trimRepoPath(path).toLowerCase()}`;

// File systems are case-sensitive: a local path keeps its case.
const localKey = (path: string) => `file:${trimRepoPath(posix.normalize(path))}`;

/**
 * Whether the payload's repository URLs name the project's repository: https, http, ssh and git@host:owner/repo
 * forms are equal, as are a local path and its file:// URL. This catches a webhook set on the wrong repository;
 * the signature, not this, is what authenticates it.
 */
export function sameRepository(urls: string[], projectRepoUrl: string): boolean {
  const project = repositoryKey(projectRepoUrl);
  return project !== null && urls.some((url) => repositoryKey(url) === project);
}
