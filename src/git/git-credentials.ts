import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { maskSecrets } from '../domain/secret-masking.js';
import { GitError } from './git-error.js';
import { inheritedEnv } from '../process/child.js';

/** A repository as a project stores it: the password is plain text here and must only reach git's environment. */
export interface RepoSource {
  url: string;
  user: string | null;
  password: string | null;
}

/** A repository split into a URL that may be stored and shown, and credentials that travel only in a child's env. */
export interface SafeSource {
  /** The URL without any user or password in it. */
  url: string;
  user: string | null;
  password: string | null;
  /** Credentials are used for http(s) URLs only (ssh uses the agent's keys). */
  http: boolean;
  /** Every string to hide from messages. */
  secrets: string[];
}

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** Splits credentials off the URL (a legacy `https://user:pass@host/...` too); refuses what git would read as an option. */
export function splitCredentials(source: RepoSource): SafeSource {
  const raw = source.url.trim();
  if (raw === '' || raw.startsWith('-'))
    throw new GitError(`"${maskSecrets(raw, [])}" is not a git URL or path: check "custom_repo_url".`);
  let url = raw;
  let user = source.user || null;
  let password = source.password || null;
  const http = /^https?:\/\//i.test(raw);
  if (http) {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new GitError(`"${maskSecrets(raw, [])}" is not a valid URL: check "custom_repo_url".`);
    }
    if (parsed.username || parsed.password) {
      user = user ?? (decoded(parsed.username) || null);
      password = password ?? (decoded(parsed.password) || null);
      parsed.username = '';
      parsed.password = '';
      url = parsed.toString();
    }
  }
  // A user taken from a URL without a password is likely a token (`https://TOKEN@host/...`): hide it too.
  const tokenUser = http && !source.user && !password ? user : null;
  const secrets = [password, tokenUser].filter((s): s is string => !!s);
  return { url, user, password, http, secrets };
}

/** Hides the secrets (in every form) and any `user:password@` in URLs: the one rule set of domain/secret-masking.ts. */

/** Variables of the parent that would point git at another repository, config, prompt or trace output. */
const DROPPED_ENV =
  /^(GIT_(DIR|WORK_TREE|INDEX_FILE|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|COMMON_DIR|NAMESPACE|CEILING_DIRECTORIES|PREFIX|QUARANTINE_PATH|ASKPASS|TERMINAL_PROMPT|CONFIG.*|TRACE.*|CURL_VERBOSE|REDACT_COOKIES)|SSH_ASKPASS.*|ARCHWAY_GIT_.*|LANGUAGE|LC_.*|LANG)$/;

/** The environment every git child gets: no prompts, no user/system config, English messages, no inherited repo. */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(inheritedEnv())) if (!DROPPED_ENV.test(key)) env[key] = value;
  Object.assign(env, {
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
  });
  if (!env.GIT_SSH_COMMAND && !env.GIT_SSH) env.GIT_SSH_COMMAND = 'ssh -o BatchMode=yes';
  return Object.assign(env, extra);
}

/** `-c` flags for every git call: no credential helper (nothing stored), no hooks, no `ext::`, gc in the foreground. */
export const GIT_FLAGS: readonly string[] = [
  '-c',
  'credential.helper=',
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'protocol.ext.allow=never',
  '-c',
  'gc.autoDetach=false',
  '-c',
  'maintenance.autoDetach=false',
  '-c',
  'advice.detachedHead=false',
  '-c',
  'init.defaultBranch=main',
];

/** Answers git's "Username for ..." and "Password for ..." prompts from the environment: the file holds no secret. */
const ASKPASS_SCRIPT = `#!/bin/sh
case "$1" in
  [Uu]sername*) printf '%s\\n' "$ARCHWAY_GIT_USER" ;;
  *) printf '%s\\n' "$ARCHWAY_GIT_PASS" ;;
esac
`;

/**
 * Runs `use` with env variables that let git authenticate over http(s): GIT_ASKPASS points to a script in a private
 * temp dir (0700) that echoes ARCHWAY_GIT_USER / ARCHWAY_GIT_PASS. The dir is removed afterwards, also on failure.
 */
export async function withCredentials<T>(
  safe: SafeSource,
  use: (env: Record<string, string>) => Promise<T>,
): Promise<T> {
  if (!safe.http || (safe.user === null && safe.password === null)) return use({});
  const dir = await mkdtemp(join(tmpdir(), 'archway-git-'));
  try {
    await chmod(dir, 0o700);
    const script = join(dir, 'askpass');
    await writeFile(script, ASKPASS_SCRIPT, { mode: 0o700 });
    return await use({ GIT_ASKPASS: script, ARCHWAY_GIT_USER: safe.user ?? '', ARCHWAY_GIT_PASS: safe.password ?? '' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
