/**
 * Every object of every overlay against its kind's schema (validators.ts), unknown fields refused;
 * and the proof that they are refused: one unknown field injected into an object of each kind
 * must fail that kind's validator.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { kubectlError, OVERLAYS, render, type K8sObject } from './render';
import { isStrimzi, validateObject, validateStrimzi } from './validators';

const UNKNOWN = 'eventlensUnknownField';

/** Adds an unknown field to the object's spec (at its top level for kinds without a spec). */
function mutate(object: K8sObject): K8sObject {
  const copy = structuredClone(object);
  if (copy.spec && typeof copy.spec === 'object') copy.spec[UNKNOWN] = true;
  else copy[UNKNOWN] = true;
  return copy;
}

it('kubectl is installed', () => {
  const missing = kubectlError();
  if (missing) throw new Error(missing);
});

/** Strimzi problems by the object's JSON (filled by one JVM run in beforeAll). */
const strimziResults = new Map<string, string[]>();
let strimziMutants: { kind: string; problems: string[] }[] = [];

beforeAll(() => {
  if (kubectlError()) return;
  // One JVM for every Strimzi object of every overlay and for the mutants.
  const all = OVERLAYS.flatMap((overlay) => render(overlay).filter(isStrimzi));
  const byKind = new Map(all.map((o) => [o.kind, o]));
  const mutants = [...byKind.values()].map(mutate);
  // And one nested deeper: a listener of the Kafka.
  const kafka = structuredClone(byKind.get('Kafka')!);
  kafka.spec.kafka.listeners[0][UNKNOWN] = true;
  mutants.push(kafka);
  const results = validateStrimzi([...all, ...mutants]);
  all.forEach((o, i) => strimziResults.set(JSON.stringify(o), results[i]!));
  strimziMutants = mutants.map((m, i) => ({ kind: m.kind, problems: results[all.length + i]! }));
}, 600_000);

function strimziProblems(object: K8sObject): string[] {
  const problems = strimziResults.get(JSON.stringify(object));
  if (!problems) throw new Error(`${object.kind}/${object.metadata.name} was not validated`);
  return problems;
}

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  it('renders and every object matches its schema, with no unknown field', async () => {
    const objects = render(overlay);
    expect(objects.length).toBeGreaterThan(20);
    const failures: string[] = [];
    for (const object of objects) {
      const problems = isStrimzi(object) ? strimziProblems(object) : await validateObject(object);
      for (const p of problems) failures.push(`${object.kind}/${object.metadata.name}: ${p}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('an unknown field fails every validator kind', () => {
  it('core kinds (kubernetes-models), CloudNativePG, KEDA and the Prometheus operator (@kubernetes-models CRD packages)', async () => {
    const objects = render('prod-keda');
    const kinds = new Map(objects.filter((o) => !isStrimzi(o)).map((o) => [`${o.apiVersion} ${o.kind}`, o]));
    expect([...kinds.keys()]).toEqual(
      expect.arrayContaining([
        'apps/v1 Deployment',
        'postgresql.cnpg.io/v1 Cluster',
        'keda.sh/v1alpha1 ScaledObject',
        'monitoring.coreos.com/v1 ServiceMonitor',
        'monitoring.coreos.com/v1 PrometheusRule',
      ]),
    );
    for (const [kind, object] of kinds) {
      expect(await validateObject(object), `${kind} as rendered`).toEqual([]);
      const problems = await validateObject(mutate(object));
      expect(problems.join('; '), `${kind} with an unknown field`).toContain(`unknown field`);
      expect(problems.join('; ')).toContain(UNKNOWN);
    }
  });

  it('deep inside a pod template too', async () => {
    const deployment = render('dev').find((o) => o.kind === 'Deployment')!;
    deployment.spec.template.spec.containers[0].securityContext[UNKNOWN] = 1;
    expect(await validateObject(deployment)).toEqual([
      `unknown field .spec.template.spec.containers[0].securityContext.${UNKNOWN}`,
    ]);
  });

  it('Strimzi Kafka, KafkaNodePool and KafkaTopic (io.strimzi:api model classes)', () => {
    expect(strimziMutants.map((m) => m.kind).sort()).toEqual([
      'Kafka',
      'Kafka',
      'KafkaNodePool',
      'KafkaTopic',
    ]);
    for (const mutant of strimziMutants) {
      expect(mutant.problems.join('; '), mutant.kind).toMatch(new RegExp(`Unrecognized field "${UNKNOWN}"`));
    }
  });

  it('a wrong type is refused as well', async () => {
    const deployment = render('dev').find((o) => o.kind === 'Deployment')!;
    deployment.spec.replicas = 'two';
    expect((await validateObject(deployment)).join('; ')).toMatch(/replicas/);
  });
});
