import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgentClient, type AgentClient } from '../../src/agent/http-client.js';
import { ADMIN_TOKEN, startApi, type Api } from '../support/api-harness.js';
import { useBrowser } from '../support/chromium.js';
import { initDockerfileRepo } from '../support/runnable-pipeline.js';

/**
 * Issue 13, the browser part: a real Chromium against a real server on loopback. Log in through the form, run a
 * pipeline from its page and watch its lines arrive live, each in its platform's lane, while the header follows
 * the run to its end without a reload; cancel a run and retry it; edit the action and read the change back through
 * the API. The agent speaks the real agent protocol over HTTP with scripted lines (the engine is not under test
 * here: the build tests prove it); the log viewer's own cases (a dropped connection, #L, search, 100,000 lines)
 * are in log-viewer.browser.test.ts.
 */
const browser = useBrowser({ beforeAll, afterEach, afterAll });
const P = '/workspaces/acme/projects/site/pipelines';

describe('the web app in a browser', () => {
  let api: Api;
  let work: string;
  let agent: AgentClient;
  let pipelineId: number;
  let actionId: number;

  beforeAll(async () => {
    api = await startApi(
      { ARCHWAY_BUILTIN_AGENT: '0', ARCHWAY_GIT_POLL_SECONDS: '0', ARCHWAY_PUBLIC_URL: 'http://127.0.0.1' },
      { listen: true, claimWaitMs: 200 },
    );
    work = mkdtempSync(join(tmpdir(), 'archway-browser-'));
    initDockerfileRepo(work);
    await api.post('/workspaces', { domain: 'acme', name: 'Acme' });
    await api.post('/workspaces/acme/projects', { name: 'site', display_name: 'Site', custom_repo_url: work });
    pipelineId = (await api.post(P, { name: 'Build', refs: ['main'] })).body.id;
    actionId = (
      await api.post(`${P}/${pipelineId}/actions`, {
        type: 'DOCKER_BUILD_MULTI_ARCH',
        name: 'image',
        repository: 'registry.example.com/acme/site',
        target_platform: 'linux/amd64,linux/arm64',
      })
    ).body.id;
    const registered = await api.post('/agent/v1/agents', { name: 'scripted' });
    agent = createAgentClient({ server: api.baseUrl, token: registered.body.token, claimTimeoutMs: 5_000 });
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    rmSync(work, { recursive: true, force: true });
  });

  async function loggedIn() {
    const opened = await browser.openPage(`${api.baseUrl}/app/acme`);
    const { page } = opened;
    page.on('response', (r) => {
      if (r.status() >= 400) opened.errors.push(`${r.status()} ${r.url()}`);
    });
    await page.waitForURL(/\/app\/login\?next=%2Fapp%2Facme$/);
    await page.getByLabel('Token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${api.baseUrl}/app/acme`);
    return opened;
  }

  async function claim() {
    for (let i = 0; i < 50; i++) {
      const job = await agent.claim().catch(() => undefined);
      if (job?.jobId) return job;
      await sleep(100);
    }
    throw new Error('no job to claim');
  }

  it('runs from the page and shows the lines live per platform, the header following the run', async () => {
    const { page, errors } = await loggedIn();
    await page.getByRole('link', { name: 'Site' }).click();
    await page.getByRole('link', { name: 'Build', exact: true }).click();
    await page.getByLabel('Comment').fill('from the browser');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.waitForURL(/\/execution\/\d+$/);
    await expect.poll(() => page.locator('#log-viewer').getAttribute('data-state')).toMatch(/live|connecting/);

    const job = await claim();
    let offset = 0;
    const send = async (lines: string[]) => {
      offset = await agent.logs(job.jobId, job.attempt, offset, lines);
    };
    const lines = async () => Number(await page.locator('#log-viewer').getAttribute('data-lines'));
    // The run's first lines (what started it, what it builds) are the server's own.
    await expect.poll(lines, { timeout: 10_000 }).toBeGreaterThan(0);
    const first = await lines();
    await send(['[linux/amd64] build started (native)', '[linux/arm64] build started (emulated with QEMU)']);
    await send(['[linux/amd64] STEP 1/2: FROM scratch', '[linux/arm64] STEP 1/2: FROM scratch']);
    await expect.poll(lines, { timeout: 10_000 }).toBe(first + 4);
    await page.getByRole('tab', { name: /linux\/arm64/ }).waitFor();
    await page.getByRole('tab', { name: /linux\/amd64/ }).waitFor();

    // The arm64 lane shows arm64's lines alone, and a new one arrives live.
    await page.getByRole('tab', { name: /linux\/arm64/ }).click();
    await send(['[linux/arm64] STEP 2/2: COPY <script>x</script> /', '[linux/amd64] STEP 2/2: COPY a /']);
    await expect.poll(lines, { timeout: 10_000 }).toBe(first + 6);
    await expect.poll(() => page.locator('#log-viewer').innerText()).toContain('COPY <script>x</script> /');
    expect(await page.locator('#log-viewer').innerText()).not.toContain('COPY a /');

    await agent.heartbeat(job.jobId, job.attempt, 100);
    await agent.finish(job.jobId, job.attempt, 'SUCCESSFUL', null);
    // The header follows without a reload: SUCCESSFUL, Cancel gone, the note offering the result.
    await expect
      .poll(() => page.locator('#execution-header [data-field="status"]').innerText(), { timeout: 10_000 })
      .toContain('SUCCESSFUL');
    expect(await page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    await page.locator('#run-ended').waitFor({ state: 'visible' });
    await expect.poll(() => page.locator('#log-viewer').getAttribute('data-state')).toBe('ended');
    expect(errors).toEqual([]);
  });

  it('cancels a running run from its page, then retries it', async () => {
    const { page, errors } = await loggedIn();
    await page.goto(`${api.baseUrl}/app/acme/site/pipelines/pipeline/${pipelineId}`);
    await page.getByRole('button', { name: 'Run' }).click();
    await page.waitForURL(/\/execution\/\d+$/);
    const id = Number(/\/execution\/(\d+)$/.exec(page.url())![1]);
    const job = await claim();
    await agent.logs(job.jobId, job.attempt, 0, ['[linux/amd64] build started (native)']);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL(new RegExp(`/execution/${id}$`));
    expect((await agent.heartbeat(job.jobId, job.attempt)).cancel).toBe(true);
    await agent.finish(job.jobId, job.attempt, 'TERMINATED', null);
    await expect
      .poll(async () => (await api.get(`${P}/${pipelineId}/executions/${id}`)).body.status, { timeout: 10_000 })
      .toBe('TERMINATED');
    await page.reload();
    expect(await page.locator('#execution-header [data-field="status"]').innerText()).toContain('TERMINATED');
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.waitForURL(new RegExp(`/execution/${id}$`));
    expect((await api.get(`${P}/${pipelineId}/executions/${id}`)).body.status).not.toBe('TERMINATED');
    const again = await claim();
    expect(again.attempt).toBeGreaterThanOrEqual(1);
    await agent.finish(again.jobId, again.attempt, 'SUCCESSFUL', null);
    expect(errors).toEqual([]);
  });

  it('edits the action and the change reads back through the API', async () => {
    const { page, errors } = await loggedIn();
    await page.goto(`${api.baseUrl}/app/acme/site/pipelines/action/${actionId}/edit`);
    await page.locator('input[name="target_platform"][value="linux/arm/v7"]').check();
    await page.locator('input[name="target_platform"][value="linux/amd64"]').uncheck();
    await page.locator('input[name="docker_image_tag"]').fill('v2');
    await page.locator('textarea[name="build_args"]').fill('A=1\nB=2');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/edit\?saved=1$/);
    const read = (await api.get(`${P}/${pipelineId}/actions/${actionId}`)).body;
    expect(read).toMatchObject({
      target_platform: 'linux/arm64,linux/arm/v7',
      docker_image_tag: 'v2',
      build_args: ['A=1', 'B=2'],
    });
    // A refusal is shown at its field.
    await page.locator('input[name="dockerfile_path"]').fill('../outside/Dockerfile');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('input[name="dockerfile_path"] ~ .field-error').waitFor({ state: 'visible', timeout: 10_000 });
    expect((await api.get(`${P}/${pipelineId}/actions/${actionId}`)).body.dockerfile_path).toBe('Dockerfile');
    // The refused save is a 400 answer (the browser logs it); nothing else went wrong.
    expect(errors.filter((e) => !/\b400\b/.test(e))).toEqual([]);
  });
});
