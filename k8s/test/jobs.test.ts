/**
 * The one-off rebuild Job (k8s/jobs/projection-rebuild): it renders, every object validates with
 * unknown fields refused, it runs the projections' bundled command line, and it connects and is
 * hardened exactly as the projections Deployment of each overlay is, so the two never drift apart.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { K8S_DIR, kubectlError, one, OVERLAYS, REPO_ROOT, render, type K8sObject } from './render';
import { validateObject } from './validators';

function renderJob(): K8sObject[] {
  const missing = kubectlError();
  if (missing) throw new Error(missing);
  const out = execFileSync('kubectl', ['kustomize', path.join(K8S_DIR, 'jobs', 'projection-rebuild')], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return parseAllDocuments(out)
    .map((doc) => doc.toJSON() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

describe('the projection rebuild Job', () => {
  it('renders one Job that validates against the Kubernetes schema', async () => {
    const objects = renderJob();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Job/projection-rebuild']);
    expect(await validateObject(objects[0]!)).toEqual([]);
  });

  it("runs the bundled command line's rebuild of a projection the package knows", () => {
    const job = one(renderJob(), 'Job', 'projection-rebuild');
    const container = job.spec.template.spec.containers[0];
    const [, , entry] = container.command as string[];
    expect(container.command.slice(0, 2)).toEqual(['node', '--enable-source-maps']);
    // The file the projections package's build emits and the image copies.
    const manifest = JSON.parse(
      readFileSync(path.join(REPO_ROOT, 'projections', 'package.json'), 'utf8'),
    ) as {
      scripts: Record<string, string>;
    };
    expect(manifest.scripts.build).toContain(`src/cli.ts ${entry!.replace(/^projections\//, '')}`);
    expect(readFileSync(path.join(REPO_ROOT, 'projections', 'src', 'cli.ts'), 'utf8')).toContain(
      "case 'rebuild':",
    );
    const [command, projection] = container.args as string[];
    expect(command).toBe('rebuild');
    expect(['analytics', 'admin']).toContain(projection);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8')).toContain('projections/dist/cli.js');
  });

  it.each(OVERLAYS)(
    'connects, and is hardened, as the projections Deployment of the %s overlay',
    async (overlay) => {
      const job = one(renderJob(), 'Job', 'projection-rebuild');
      const deployment = one(render(overlay), 'Deployment', 'projections');
      const jobPod = job.spec.template.spec;
      const pod = deployment.spec.template.spec;
      const jobContainer = jobPod.containers[0];
      const container = pod.containers[0];
      const listening = new Set(['EVENTLENS_PROJECTIONS_HOST', 'EVENTLENS_PROJECTIONS_PORT']);
      expect(jobContainer.env).toEqual(container.env.filter((v: { name: string }) => !listening.has(v.name)));
      expect(jobContainer.image.split(':')[0]).toBe(container.image.split(':')[0]);
      // The same code as the workers it rebuilds for: prod's tag (another overlay sets its own, docs/deploy.md).
      if (overlay === 'prod') expect(jobContainer.image).toBe(container.image);
      expect(jobContainer.workingDir).toBe(container.workingDir);
      expect(jobContainer.securityContext).toEqual(container.securityContext);
      expect(jobContainer.volumeMounts).toEqual(container.volumeMounts);
      expect(jobPod.securityContext).toEqual(pod.securityContext);
      expect(jobPod.volumes).toEqual(pod.volumes);
      expect(jobPod.automountServiceAccountToken).toBe(false);
      // And the environment is one the projections' own config accepts (with the secret filled in).
      const env = Object.fromEntries(
        (jobContainer.env as { name: string; value?: string }[]).map((v) => [
          v.name,
          (v.value ?? 'secret').replace('$(DB_PASSWORD)', 'secret'),
        ]),
      );
      const { loadConfig } = (await import(
        /* @vite-ignore */ path.join(REPO_ROOT, 'projections', 'src', 'config.ts')
      )) as { loadConfig(env: Record<string, string>): unknown };
      expect(() => loadConfig(env)).not.toThrow();
    },
  );
});
