/**
 * NetworkPolicies allow exactly the arrows of the architecture. The test evaluates the rendered
 * policies (and Strimzi's listener peers, which Strimzi turns into the brokers' policy) between
 * representative pods, the way a CNI would: a connection needs the source's egress and the
 * destination's ingress to allow it (a pod no policy selects allows that direction).
 */
import { describe, expect, it } from 'vitest';
import { find, one, OVERLAYS, render, type K8sObject } from './render';

type Labels = Record<string, string>;
type Peer = { podSelector?: { matchLabels?: Labels }; namespaceSelector?: { matchLabels?: Labels } };
type Rule = { to?: Peer[]; from?: Peer[]; ports?: { port: number | string; protocol?: string }[] };

const PODS: Record<string, { labels: Labels; port: number; portName?: string }> = {
  console: { labels: { 'app.kubernetes.io/name': 'console' }, port: 18300, portName: 'http' },
  'command-side': { labels: { 'app.kubernetes.io/name': 'command-side' }, port: 18100, portName: 'http' },
  'query-side': { labels: { 'app.kubernetes.io/name': 'query-side' }, port: 18200, portName: 'http' },
  projections: { labels: { 'app.kubernetes.io/name': 'projections' }, port: 18400, portName: 'http' },
  // The one-off Job of k8s/jobs/projection-rebuild: it listens on nothing.
  'projection-rebuild': { labels: { 'app.kubernetes.io/name': 'projection-rebuild' }, port: 0 },
  registry: { labels: { 'app.kubernetes.io/name': 'registry' }, port: 8080, portName: 'http' },
  kafka: { labels: { 'strimzi.io/cluster': 'eventlens', 'strimzi.io/kind': 'Kafka' }, port: 9092 },
  postgres: { labels: { 'cnpg.io/cluster': 'eventlens-pg' }, port: 5432 },
};

const ARROWS = [
  'console → command-side',
  'console → query-side',
  'command-side → kafka',
  'command-side → registry',
  'projections → kafka',
  'projections → registry',
  'projections → postgres',
  'projection-rebuild → kafka',
  'projection-rebuild → registry',
  'projection-rebuild → postgres',
  'query-side → postgres',
  'registry → postgres',
];

type Selector = {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: 'In'; values: string[] }[];
};

const matches = (selector: Selector | undefined, labels: Labels) =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
  (selector?.matchExpressions ?? []).every((e) => e.operator === 'In' && e.values.includes(labels[e.key]!));

/** A peer in the same namespace (no namespaceSelector) selecting these labels. */
const peerSelects = (peer: Peer, labels: Labels) =>
  !peer.namespaceSelector && matches(peer.podSelector, labels);

const portMatches = (rule: Rule, dest: (typeof PODS)[string]) =>
  !rule.ports || rule.ports.some((p) => p.port === dest.port || (dest.portName && p.port === dest.portName));

function policiesOf(policies: K8sObject[], labels: Labels, type: 'Ingress' | 'Egress') {
  return policies.filter((p) => matches(p.spec.podSelector, labels) && p.spec.policyTypes.includes(type));
}

function allowed(objects: K8sObject[], from: string, to: string): boolean {
  const policies = find(objects, 'NetworkPolicy');
  const src = PODS[from]!;
  const dst = PODS[to]!;
  const egress = policiesOf(policies, src.labels, 'Egress');
  const egressOk =
    egress.length === 0 ||
    egress.some((p) =>
      (p.spec.egress as Rule[] | undefined)?.some(
        (r) => (r.to ?? []).some((peer) => peerSelects(peer, dst.labels)) && portMatches(r, dst),
      ),
    );
  let ingressOk: boolean;
  if (to === 'kafka') {
    const listener = one(objects, 'Kafka', 'eventlens').spec.kafka.listeners.find(
      (l: { port: number }) => l.port === dst.port,
    );
    ingressOk =
      !listener.networkPolicyPeers ||
      listener.networkPolicyPeers.some((peer: Peer) => peerSelects(peer, src.labels));
  } else {
    const ingress = policiesOf(policies, dst.labels, 'Ingress');
    ingressOk =
      ingress.length === 0 ||
      ingress.some((p) =>
        (p.spec.ingress as Rule[] | undefined)?.some(
          (r) => (r.from ?? []).some((peer) => peerSelects(peer, src.labels)) && portMatches(r, dst),
        ),
      );
  }
  return egressOk && ingressOk;
}

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  it('pods reach each other only along the arrows of the architecture', () => {
    const objects = render(overlay);
    const reached: string[] = [];
    for (const from of Object.keys(PODS)) {
      for (const to of Object.keys(PODS)) {
        // Kafka and PostgreSQL among their own pods are the operators' business.
        if (from !== to && !(from === 'kafka' || from === 'postgres') && allowed(objects, from, to)) {
          reached.push(`${from} → ${to}`);
        }
      }
    }
    expect(reached.sort()).toEqual([...ARROWS].sort());
  });

  it('every EventLens pod has both directions locked down, with DNS allowed, and the ingress controller reaches only the front', () => {
    const objects = render(overlay);
    const policies = find(objects, 'NetworkPolicy');
    for (const name of [
      'console',
      'command-side',
      'query-side',
      'projections',
      'projection-rebuild',
      'registry',
    ]) {
      // prometheus-scrape (components/monitoring) only opens /metrics to Prometheus: monitoring.test.ts.
      const own = policies.filter(
        (p) => p.metadata.name !== 'prometheus-scrape' && matches(p.spec.podSelector, PODS[name]!.labels),
      );
      expect(own.flatMap((p) => p.spec.policyTypes).sort(), name).toEqual(['Egress', 'Ingress']);
      const dns = own.some((p) =>
        (p.spec.egress as Rule[]).some(
          (r) =>
            r.to?.some((peer) => peer.podSelector?.matchLabels?.['k8s-app'] === 'kube-dns') &&
            r.ports?.some((port) => port.port === 53 && port.protocol === 'UDP'),
        ),
      );
      expect(dns, `${name} resolves names`).toBe(true);
      const fromNamespaces = own.flatMap((p) =>
        ((p.spec.ingress ?? []) as Rule[]).flatMap((r) =>
          (r.from ?? []).filter((peer) => peer.namespaceSelector),
        ),
      );
      const expectIngressController = name === 'console' || name === 'command-side' || name === 'query-side';
      expect(fromNamespaces.length > 0, `${name} from the ingress controller`).toBe(expectIngressController);
    }
  });
});
