/**
 * What the command side knows about projects, keys and users: the admin stream folded into
 * memory. Fed by a tail of `eventlens.admin` from offset 0, and by this process's own admin events
 * right after Kafka acknowledges them, so the same event may arrive twice and in either order
 * relative to later ones: every `apply` is idempotent and a revocation is final (a key revoked
 * once stays revoked, whatever arrives after).
 */
import {
  hashApiKey,
  type AnyEvent,
  type ApiKeyIssued,
  type ProjectCreated,
  type UserRegistered,
} from '@eventlens/contracts';

export interface KeyEntry {
  key_id: string;
  project_id: string;
  kind: ApiKeyIssued['kind'];
  name: string;
  key_prefix: string;
  revoked: boolean;
}

export interface KeyDirectory {
  apply(event: AnyEvent): void;
  project(projectId: string): ProjectCreated | undefined;
  /** The key with this plaintext, whatever its state. */
  keyFor(apiKey: string): KeyEntry | undefined;
  key(keyId: string): KeyEntry | undefined;
  userByEmail(email: string): UserRegistered | undefined;
  size(): { projects: number; keys: number; users: number };
}

export function createKeyDirectory(): KeyDirectory {
  const projects = new Map<string, ProjectCreated>();
  const keysById = new Map<string, KeyEntry>();
  const keyIdByHash = new Map<string, string>();
  /** key id → project id of each revocation seen, kept even when the key itself has not been seen yet. */
  const revoked = new Map<string, string>();
  const usersByEmail = new Map<string, UserRegistered>();

  function apply(event: AnyEvent): void {
    switch (event.type) {
      case 'ProjectCreated':
        if (!projects.has(event.value.project_id)) projects.set(event.value.project_id, event.value);
        return;
      case 'ApiKeyIssued': {
        const { key_id, project_id, kind, name, key_prefix, key_hash } = event.value;
        keysById.set(key_id, {
          key_id,
          project_id,
          kind,
          name,
          key_prefix,
          revoked: revoked.get(key_id) === project_id,
        });
        keyIdByHash.set(key_hash, key_id);
        return;
      }
      case 'ApiKeyRevoked': {
        const key = keysById.get(event.value.key_id);
        // Only the owning project can revoke a key; a record naming another project changes nothing.
        if (key && key.project_id !== event.value.project_id) return;
        revoked.set(event.value.key_id, event.value.project_id);
        if (key) key.revoked = true;
        return;
      }
      case 'UserRegistered':
        if (!usersByEmail.has(event.value.email)) usersByEmail.set(event.value.email, event.value);
        return;
      case 'EventTracked':
      case 'DlqReplayRequested':
        // Not about projects, keys or users: the projections' ops worker acts on replay requests.
        return;
      default: {
        const unreachable: never = event;
        throw new Error(`unhandled admin event ${JSON.stringify(unreachable)}`);
      }
    }
  }

  return {
    apply,
    project: (id) => projects.get(id),
    keyFor: (apiKey) => {
      const id = keyIdByHash.get(hashApiKey(apiKey));
      return id === undefined ? undefined : keysById.get(id);
    },
    key: (id) => keysById.get(id),
    userByEmail: (email) => usersByEmail.get(email.toLowerCase()),
    size: () => ({ projects: projects.size, keys: keysById.size, users: usersByEmail.size }),
  };
}
