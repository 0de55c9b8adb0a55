/**
 * Screenshots of the web app's main pages for the README (`npx tsx scripts/screenshots.ts`): a server on loopback
 * with a seeded workspace, one run whose log an agent sends over the real protocol (scripted lines in the shapes
 * the engine writes: the build itself is not what is pictured), pictured in Debian's Chromium at laptop and phone
 * widths, light and dark. Writes docs/screenshots/*.png.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgentClient } from '../src/agent/http-client.js';
import { ADMIN_TOKEN, startApi } from '../test/support/api-harness.js';
import { launchChromium } from '../test/support/chromium.js';
import { initDockerfileRepo } from '../test/support/runnable-pipeline.js';

const OUT = new URL('../docs/screenshots/', import.meta.url).pathname;
const D = (c: string) => `sha256:${c.repeat(64)}`;

const api = await startApi(
  { ARCHWAY_BUILTIN_AGENT: '0', ARCHWAY_GIT_POLL_SECONDS: '0', ARCHWAY_PUBLIC_URL: 'http://127.0.0.1' },
  { listen: true, claimWaitMs: 200 },
);
const work = mkdtempSync(join(tmpdir(), 'archway-shots-'));
try {
  initDockerfileRepo(work, 'FROM alpine:3.20\nRUN apk add --no-cache curl\nCOPY . /app\n');
  await api.post('/workspaces', { domain: 'acme', name: 'Acme' });
  await api.post('/workspaces/acme/projects', { name: 'site', display_name: 'Company website', custom_repo_url: work });
  const P = '/workspaces/acme/projects/site/pipelines';
  const id = (await api.post(P, { name: 'Build and push', refs: ['main'], cache_scope: 'PROJECT' })).body.id as number;
  await api.post(`${P}/${id}/actions`, {
    type: 'DOCKER_BUILD_MULTI_ARCH',
    name: 'Build multi-arch image',
    repository: 'registry.example.com/acme/site',
    docker_image_tag: 'latest',
    target_platform: 'linux/amd64,linux/arm64,linux/arm/v7,linux/arm/v6',
  });
  const agentToken = (await api.post('/agent/v1/agents', { name: 'builder-1' })).body.token as string;
  const agent = createAgentClient({ server: api.baseUrl, token: agentToken, claimTimeoutMs: 5_000 });
  const run = (await api.post(`${P}/${id}/executions`, { branch: { name: 'main' }, comment: 'Release 1.4' })).body;
  const job = await agent.claim();
  if (!job) throw new Error('the agent claimed no job: is the pipeline runnable?');
  const platforms = ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6'];
  const times = [4.1, 46.3, 71.9, 88.4];
  const lines: string[] = [];
  platforms.forEach((p, i) => lines.push(`[${p}] build started (${i === 0 ? 'native' : 'emulated with QEMU'})`));
  for (const step of ['FROM alpine:3.20', 'RUN apk add --no-cache curl', 'COPY . /app'])
    platforms.forEach((p, i) => {
      const n = ['FROM alpine:3.20', 'RUN apk add --no-cache curl', 'COPY . /app'].indexOf(step) + 1;
      lines.push(`[${p}] STEP ${n}/3: ${step}`);
      if (n === 1) lines.push(`[${p}] --> Using cache ${'ab12cd34'.repeat(2)}`);
      if (n === 2) lines.push(`[${p}] \u001b[32mOK:\u001b[0m 14 MiB in 22 packages`);
      if (i === 0 && n === 3) lines.push(`[${p}] --> 5f0c2a1e9b7d`);
    });
  const sizes = ['5.2 MiB', '4.9 MiB', '4.6 MiB', '4.4 MiB'];
  platforms.forEach((p, i) =>
    lines.push(`[${p}] ${D(String(i + 1))} (${sizes[i]}) in ${times[i]} s, 1 of 3 steps from cache`),
  );
  lines.push(`Pushed registry.example.com/acme/site:latest (${D('e')})`);
  lines.push(`Verified image index ${D('e')}: ${platforms.join(', ')}`);
  lines.push(`Image index ${D('e')} pushed as registry.example.com/acme/site:latest in 92.6 s`);
  await agent.logs(job.jobId, job.attempt, 0, lines);
  await agent.finish(job.jobId, job.attempt, 'SUCCESSFUL', null);
  await new Promise((r) => setTimeout(r, 500));

  const browser = await launchChromium();
  try {
    for (const scheme of ['light', 'dark'] as const) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: scheme });
      const page = await context.newPage();
      await page.goto(`${api.baseUrl}/app/login`);
      if (scheme === 'light') await page.screenshot({ path: `${OUT}login.png` });
      await page.getByLabel('Token').fill(ADMIN_TOKEN);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(`${api.baseUrl}/app`);
      await page.goto(`${api.baseUrl}/app/acme/site/pipelines/pipeline/${id}`);
      await page.screenshot({ path: `${OUT}pipeline-${scheme}.png`, fullPage: true });
      await page.goto(`${api.baseUrl}/app/acme/site/pipelines/pipeline/${id}/execution/${run.id}`);
      await page.locator('#log-viewer[data-state="ended"]').waitFor();
      await page.screenshot({ path: `${OUT}execution-${scheme}.png`, fullPage: true });
      if (scheme === 'light') {
        const action = run.action_executions[0].action.id as number;
        await page.goto(`${api.baseUrl}/app/acme/site/pipelines/action/${action}/edit`);
        await page.screenshot({ path: `${OUT}action-form.png`, fullPage: true });
        await page.setViewportSize({ width: 390, height: 844 });
        await page.goto(`${api.baseUrl}/app/acme/site/pipelines/pipeline/${id}/execution/${run.id}`);
        await page.locator('#log-viewer[data-state="ended"]').waitFor();
        await page.screenshot({ path: `${OUT}execution-phone.png` });
      }
      await context.close();
    }
  } finally {
    await browser.close();
  }
  console.log(`screenshots written to ${OUT}`);
} finally {
  await api.close();
  rmSync(work, { recursive: true, force: true });
}
process.exit(0);
