import { request } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { passed, warned, type HostCheck } from './host-check.js';

/** Who answers `/v2/` at `addr`: null for nobody, else the status and the Basic realm (Archway's is "archway"). */
function answers(addr: string): Promise<{ status: number; realm: string | null } | null> {
  const [host, port] = addr.split(':');
  return new Promise((resolve) => {
    const req = request({ host, port: Number(port), path: '/v2/', timeout: 1500 }, (res) => {
      res.resume();
      const realm = /realm="([^"]*)"/.exec(String(res.headers['www-authenticate'] ?? ''))?.[1] ?? null;
      resolve({ status: res.statusCode ?? 0, realm });
    });
    req.on('error', () => resolve(null));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * The built-in registry, as `archway doctor` reports it: off, running (something answers `/v2/` at its address),
 * or not running (fine when the server is stopped; it starts with `archway serve`). Never throws.
 */
export async function checkBuiltInRegistry(o: { enabled: boolean; addr: string; dataDir: string }): Promise<HostCheck> {
  const name = 'built-in registry';
  if (!o.enabled) return passed(name, 'off (ARCHWAY_BUILTIN_REGISTRY=0); actions need a registry host');
  const where = `${o.addr}, storage ${join(o.dataDir, 'registry')}, user archway, password in ${join(o.dataDir, 'registry', 'password')}`;
  const answer = await answers(o.addr);
  if (answer?.status === 401 && answer.realm === 'archway') return passed(name, `running at ${where}`);
  if (answer) {
    return warned(
      name,
      `something else answers at ${o.addr} (HTTP ${answer.status}): the built-in registry cannot start there`,
      'export ARCHWAY_BUILTIN_REGISTRY_ADDR=127.0.0.1:<free port>   (or ARCHWAY_BUILTIN_REGISTRY=0)',
    );
  }
  if (!existsSync('/usr/bin/docker-registry'))
    return warned(
      name,
      'docker-registry is not installed',
      'apt-get install -y --no-install-recommends docker-registry',
    );
  return passed(name, `not running now; \`archway serve\` starts it at ${where}`);
}
