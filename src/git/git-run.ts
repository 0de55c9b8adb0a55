import { runChild, type ChildResult } from '../process/child.js';
import { maskSecrets } from '../domain/secret-masking.js';
import { GIT_FLAGS, gitEnv, withCredentials, type SafeSource } from './git-credentials.js';
import { GitError } from './git-error.js';

export { GitError };

export interface GitCall {
  /** Arguments after `git` and the fixed `-c` flags. */
  args: string[];
  source: SafeSource;
  cwd?: string;
  /** Talks to the remote: gets the credentials and the time limit. */
  network?: boolean;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/** Runs git without a shell; never rejects for a non-zero exit (see `gitOk`). */
export async function runGit(call: GitCall): Promise<ChildResult> {
  const argv = ['git', ...GIT_FLAGS, ...call.args];
  if (!call.network) return runChild(argv, { cwd: call.cwd, env: gitEnv() });
  const signal = AbortSignal.timeout(call.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return withCredentials(call.source, (extra) =>
    runChild(argv, { cwd: call.cwd, env: gitEnv(extra), signal, killGraceMs: 2_000 }),
  );
}

/** Runs git and turns a failure into a GitError saying what could not be done (`what`: "fetch from", "clone"). */
export async function gitOk(call: GitCall, what: string): Promise<string> {
  const result = await runGit(call);
  if (result.code === 0 && !result.aborted) return result.stdout;
  throw new GitError(explainFailure(what, call, result));
}

const RULES: Array<[RegExp, (url: string) => string]> = [
  [
    /authentication failed|could not read (username|password)|terminal prompts disabled|access denied|returned error: 40[13]/i,
    (u) => `Authentication to the repository ${u} failed: check "custom_repo_user" and "custom_repo_pass"`,
  ],
  [
    /permission denied \(publickey|host key verification failed/i,
    (u) =>
      `The SSH server of ${u} refused the agent: give the agent a key the server accepts and add the host to its known_hosts`,
  ],
  [
    /repository .*(not found|does not exist)|does not appear to be a git repository|not a git repository|no such file or directory|returned error: 404/i,
    (u) => `The repository ${u} was not found: check "custom_repo_url"`,
  ],
  [
    /could not resolve|connection refused|timed out|failed to connect|network is unreachable|no route to host|couldn't connect|unable to access/i,
    (u) => `The repository ${u} cannot be reached: check the URL and that its server is up`,
  ],
];

/** The line of git's stderr that `pattern` matches, else its last "fatal:"/"error:" line (or last line); masked. */
export function gitLine(stderr: string, secrets: readonly string[], pattern?: RegExp): string {
  const lines = stderr
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const matching = pattern ? lines.find((l) => pattern.test(l)) : undefined;
  const pick =
    matching ?? [...lines].reverse().find((l) => /^(fatal|error):/i.test(l)) ?? lines[lines.length - 1] ?? '';
  return maskSecrets(pick, secrets);
}

function explainFailure(what: string, call: GitCall, result: ChildResult): string {
  const url = `"${maskSecrets(call.source.url, call.source.secrets)}"`;
  if (result.aborted) {
    const minutes = Math.round((call.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 60_000);
    return `Git did not ${what} the repository ${url} within ${minutes} minutes: its server may be slow or unreachable.`;
  }
  const rule = RULES.find(([pattern]) => pattern.test(result.stderr));
  const line = gitLine(result.stderr, call.source.secrets, rule?.[0]);
  const sentence = rule ? rule[1](url) : `Git could not ${what} the repository ${url} (exit code ${result.code})`;
  return line ? `${sentence} (git: ${line}).` : `${sentence}.`;
}
