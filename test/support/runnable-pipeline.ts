import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Api } from './api-harness.js';

/** A git repository at `dir` (created) on branch main with one commit: a Dockerfile with `dockerfile` in it. */
export function initDockerfileRepo(dir: string, dockerfile = 'FROM scratch\n'): void {
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  execFileSync('git', ['-C', dir, 'add', '-A']);
  execFileSync('git', ['-C', dir, '-c', 'user.name=A', '-c', 'user.email=a@b.c', 'commit', '-qm', 'init']);
}

/**
 * A git repository in `work` (one commit, a Dockerfile) and, through `api`, workspace "acme", project "site" on it
 * and a pipeline with one DOCKER_BUILD_MULTI_ARCH action: a run of it queues one job. Returns the pipelines path
 * and the pipeline's id.
 */
export async function seedRunnablePipeline(api: Api, work: string): Promise<{ P: string; pipeline: number }> {
  initDockerfileRepo(work);
  await api.post('/workspaces', { domain: 'acme', name: 'Acme' });
  await api.post('/workspaces/acme/projects', { display_name: 'Site', custom_repo_url: work });
  const P = '/workspaces/acme/projects/site/pipelines';
  const pipeline = (await api.post(P, { name: 'p' })).body.id as number;
  await api.post(`${P}/${pipeline}/actions`, { type: 'DOCKER_BUILD_MULTI_ARCH', name: 'b', repository: 'r.example/x' });
  return { P, pipeline };
}
