import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { runChild } from '../../src/process/child.js';

async function must(argv: string[]): Promise<string> {
  const r = await runChild(argv);
  if (r.code !== 0) throw new Error(`${argv.slice(0, 3).join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** `skopeo copy` of one image (by digest) into a dir: layout; returns the dir and its blobs, gunzipped. */
export async function fetchImage(
  reference: string,
  dir: string,
  tls: string[] = ['--src-tls-verify=false'],
): Promise<{ dir: string; config: any; blobs: Buffer[] }> {
  mkdirSync(dir, { recursive: true });
  await must(['skopeo', 'copy', ...tls, `docker://${reference}`, `dir:${dir}`]);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { config: { digest: string } };
  const config = JSON.parse(readFileSync(join(dir, manifest.config.digest.replace('sha256:', '')), 'utf8'));
  const blobs = readdirSync(dir)
    .filter((f) => /^[0-9a-f]{64}$/.test(f))
    .map((f) => {
      const raw = readFileSync(join(dir, f));
      return raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
    });
  return { dir, config, blobs };
}

/** Unpacks every layer of a fetched image, in order, into `rootfs` (whiteouts are not needed by these tests). */
export async function unpackLayers(image: { dir: string }, rootfs: string): Promise<string> {
  mkdirSync(rootfs, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(image.dir, 'manifest.json'), 'utf8')) as {
    layers: Array<{ digest: string }>;
  };
  for (const layer of manifest.layers) {
    await must(['tar', '-xf', join(image.dir, layer.digest.replace('sha256:', '')), '-C', rootfs, '--no-same-owner']);
  }
  return rootfs;
}

export async function rawIndex(reference: string): Promise<any> {
  return JSON.parse(await must(['skopeo', 'inspect', '--raw', '--tls-verify=false', `docker://${reference}`]));
}
