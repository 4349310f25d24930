import { realpath } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import {
  ErrorTypes,
  describeSecretRef,
  ProbeSpecSchema,
  secretRefAllowed,
  type CatalogEntry,
  type MutationOp,
  type MutationRecord,
  type ProbeResult,
  type ProbeSpecInput,
  type ProbeTarget,
  type ResolvedService,
  type SecretRef,
} from '../contract/index.ts';
import { defaultRunbookId, documentPinOf, getRunbook } from '../runbooks/index.ts';
import type { ApplyMutationRequest, RevertMutationRequest } from './kubernetes/index.ts';
import { runProbeRound } from './probes/index.ts';

const sameRef = (a: SecretRef, b: SecretRef) => describeSecretRef(a) === describeSecretRef(b);

/**
 * The worker's own list of services. Every target an activity touches and every secret it reads
 * for an incident is checked here, whatever the workflow history says.
 */
export class ServiceCatalog {
  private readonly entries: Map<string, CatalogEntry & { runbook: string }>;

  constructor(entries: CatalogEntry[]) {
    this.entries = new Map(entries.map((e) => [e.name, withRunbook(e)]));
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Tests and drills add services at run time; production catalogs are fixed at start. */
  add(entry: CatalogEntry): void {
    this.entries.set(entry.name, withRunbook(entry));
  }

  require(name: string): CatalogEntry & { runbook: string } {
    const entry = this.entries.get(name);
    if (!entry)
      throw ApplicationFailure.nonRetryable(
        `unknown service "${name}": this worker's catalog has ${this.names().join(', ') || 'no services'}`,
        ErrorTypes.UnknownService,
      );
    return entry;
  }

  resolve(name: string): ResolvedService {
    const e = this.require(name);
    return {
      name: e.name,
      runbook: e.runbook,
      target: { name: e.name, ...e.target },
      policy: e.policy,
      billedProbeBudget: e.billedProbeBudget,
      billedProbesPerHour: e.billedProbesPerHour,
    };
  }

  /** A human-provided probe key other than the service's own, with its symlinks resolved. */
  async requireResolvedKeyRef(name: string, keyRef: SecretRef): Promise<void> {
    if (!sameRef(keyRef, this.require(name).target.apiKeyRef)) await this.requireAllowedResolvedRef(name, keyRef);
  }

  probeTarget(name: string, keyRef?: SecretRef): ProbeTarget {
    const { target, name: service } = this.require(name);
    if (keyRef && !sameRef(keyRef, target.apiKeyRef)) this.requireAllowedRef(service, keyRef);
    return {
      baseUrl: target.baseUrl,
      statusPageUrl: target.statusPageUrl,
      apiHost: target.apiHost,
      apiKeyRef: keyRef ?? target.apiKeyRef,
    };
  }

  requireAllowedRef(name: string, ref: SecretRef): void {
    const entry = this.require(name);
    // However broad a pattern, another service's own key never goes to this service's host.
    const owner = [...this.entries.values()].find(
      (e) => e.name !== name && sameRef(e.target.apiKeyRef, ref) && !sameRef(entry.target.apiKeyRef, ref),
    );
    if (owner) {
      throw ApplicationFailure.nonRetryable(
        `secret reference ${describeSecretRef(ref)} is the key of service ${owner.name}: it is never sent to service ${name}'s host`,
        ErrorTypes.SecretRefNotAllowed,
      );
    }
    if (!secretRefAllowed(ref, entry.allowedSecretRefs)) throw notAllowed(name, ref, entry.allowedSecretRefs, '');
  }

  /**
   * As requireAllowedRef, and a file reference must still match once its symlinks are resolved:
   * a link inside an allowed directory must not hand over a file outside it. A file that cannot
   * be resolved is refused too: what it will point to once it exists is unknown.
   */
  async requireAllowedResolvedRef(name: string, ref: SecretRef): Promise<void> {
    this.requireAllowedRef(name, ref);
    if (ref.kind !== 'file') return;
    const patterns = this.require(name).allowedSecretRefs;
    let real: string;
    try {
      real = await realpath(ref.path);
    } catch (err) {
      throw notAllowed(
        name,
        ref,
        patterns,
        ` (it cannot be resolved on this worker: ${(err as { code?: string }).code ?? 'unreadable'})`,
      );
    }
    if (!secretRefAllowed({ kind: 'file', path: real }, patterns))
      throw notAllowed(name, ref, patterns, ` (it resolves to ${real})`);
  }

  /** A change must stay inside the objects the service's entry names. */
  requireOwnObjects(name: string, op: MutationOp): void {
    const e = this.require(name);
    const ok = ((): boolean => {
      const k8s = e.target.kubernetes;
      // Besides its deployment, a service may change only the objects its runbook's settings name.
      const own = getRunbook(e.runbook).settings.ownObjects({ name: e.name, ...e.target });
      if (op.namespace !== k8s.namespace) return false;
      switch (op.kind) {
        case 'set-env':
        case 'rollout-restart':
          return op.deployment === k8s.deployment;
        case 'apply-secret':
          return own.secrets.some((s) => s.name === op.secretName && s.key === op.key);
        case 'suspend-cronjobs':
          return own.cronJobSelectors.includes(op.selector);
      }
    })();
    if (!ok)
      throw ApplicationFailure.nonRetryable(
        `${op.kind} on ${op.namespace} is outside service ${name} in this worker's catalog: nothing changed`,
        ErrorTypes.ForeignTarget,
      );
    if (op.kind === 'apply-secret') this.requireAllowedRef(name, op.ref);
  }
}

function notAllowed(name: string, ref: SecretRef, patterns: readonly string[], why: string) {
  return ApplicationFailure.nonRetryable(
    `secret reference ${describeSecretRef(ref).slice(0, 200)} is not allowed for service ${name}${why} (allowed: ${patterns.join(', ') || 'none'}): set allowedSecretRefs in the service catalog`,
    ErrorTypes.SecretRefNotAllowed,
  );
}

/** A catalog file may leave out the runbook when the worker has one: the default runbook is meant. */
function withRunbook(entry: CatalogEntry): CatalogEntry & { runbook: string } {
  return { ...entry, runbook: entry.runbook ?? defaultRunbookId() };
}

export function createCatalogActivities(catalog: ServiceCatalog) {
  return {
    /** The incident's service as this worker knows it; unknown names fail the incident at once. */
    async resolveService(req: { name: string; runbook?: string }): Promise<ResolvedService> {
      const resolved = catalog.resolve(req.name);
      if (req.runbook && req.runbook !== resolved.runbook) {
        throw ApplicationFailure.nonRetryable(
          `service ${req.name} is handled by runbook ${resolved.runbook}, not ${req.runbook}`,
          ErrorTypes.UnknownService,
        );
      }
      // A document runbook travels with the answer: the incident is pinned to the text loaded now.
      const runbookDocument = documentPinOf(resolved.runbook);
      return runbookDocument ? { ...resolved, runbookDocument } : resolved;
    },
    /** Whether a human-provided reference may be used for this service (refused: the reason). */
    async checkSecretRef(req: { service: string; ref: SecretRef }): Promise<{ allowed: boolean; reason?: string }> {
      try {
        await catalog.requireAllowedResolvedRef(req.service, req.ref);
        return { allowed: true };
      } catch (err) {
        return { allowed: false, reason: (err as Error).message };
      }
    },
  };
}

interface GuardedProbeRequest {
  spec: ProbeSpecInput;
  /** The service by name: the target comes from the catalog. */
  service: string;
  /** A human-provided key reference for the probes (checked against allowedSecretRefs). */
  keyRef?: SecretRef;
  extracted?: Record<string, string | undefined>;
}

interface Guardable {
  runProbe(req: {
    spec: ProbeSpecInput;
    target: ProbeTarget;
    extracted?: Record<string, string | undefined>;
  }): Promise<ProbeResult>;
  applyMutation(req: ApplyMutationRequest): Promise<MutationRecord>;
  revertMutation(req: RevertMutationRequest): Promise<MutationRecord>;
}

/**
 * Wraps the activities that send credentials or change the cluster: each request is checked
 * against the catalog before anything leaves the worker.
 */
export function guardWithCatalog<T extends Guardable>(catalog: ServiceCatalog, activities: T) {
  return {
    ...activities,
    async runProbe(req: GuardedProbeRequest): Promise<ProbeResult> {
      if (req.keyRef) await catalog.requireResolvedKeyRef(req.service, req.keyRef);
      return activities.runProbe({
        spec: req.spec,
        target: catalog.probeTarget(req.service, req.keyRef),
        extracted: req.extracted,
      });
    },
    /**
     * A whole probe round in one activity (one task instead of one per probe): the calls at once, then
     * downloads of the URLs they returned and timings of their latency. Each probe reports its own result.
     */
    async runProbes(req: Omit<GuardedProbeRequest, 'spec'> & { specs: ProbeSpecInput[] }): Promise<ProbeResult[]> {
      if (req.keyRef) await catalog.requireResolvedKeyRef(req.service, req.keyRef);
      const target = catalog.probeTarget(req.service, req.keyRef);
      const specs = req.specs.map((spec) => ProbeSpecSchema.parse(spec));
      return runProbeRound(specs, (spec, extracted) => activities.runProbe({ spec, target, extracted }), req.extracted);
    },
    async applyMutation(req: ApplyMutationRequest & { service: string }): Promise<MutationRecord> {
      catalog.requireOwnObjects(req.service, req.op);
      // Checked again where the file is read: a link may have changed since the reference was accepted.
      if (req.op.kind === 'apply-secret') await catalog.requireAllowedResolvedRef(req.service, req.op.ref);
      return activities.applyMutation(req);
    },
    async revertMutation(req: RevertMutationRequest & { service: string }): Promise<MutationRecord> {
      catalog.requireOwnObjects(req.service, req.record.op);
      return activities.revertMutation(req);
    },
  };
}
