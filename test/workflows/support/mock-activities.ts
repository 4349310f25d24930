import { activityInfo, ApplicationFailure } from '@temporalio/activity';
import {
  ErrorTypes,
  hintWatch,
  type HintWatchRequest,
  type HintWatchResult,
  kubectlEquivalent,
  type DeliveryResult,
  type DriftChoice,
  type MutationOp,
  type MutationRecord,
  type NotificationMessage,
  ProbeSpecSchema,
  type ProbeResult,
  type ProbeSpec,
  type ResolvedService,
  type RunbookDocumentPin,
  type SecretRef,
  timingResult,
} from '../../../src/contract/index.ts';
import { createJudgeActivities } from '../../../src/activities/probes/judge.ts';
import { documentPinOf } from '../../../src/runbooks/index.ts';

/** What the fake provider does at a given moment: up (healthy) or down (503 + status page "major"). */
export type HealthScript = (moment: { elapsedMs: number; recheck: number }) => boolean;

export type ActivityEvent =
  | { type: 'probe'; probe: string; healthy: boolean; recheck: number | null; elapsedMs: number }
  | { type: 'apply'; mutationId: string; step: string; elapsedMs: number; onDrift?: DriftChoice }
  | { type: 'revert'; mutationId: string; step: string; elapsedMs: number; onDrift?: DriftChoice }
  | { type: 'notify'; kind: NotificationMessage['kind']; status: string; elapsedMs: number }
  | { type: 'postmortem'; markdown: string; elapsedMs: number };

/**
 * Probe calls that always see the fault: the Quick Triage (5 with the download; its latency is
 * read from the legacy call) and the two confirmation rounds of both endpoints (4) that make it
 * sustained. Re-checks follow after.
 */
const TRIAGE_PROBES = 9;

export interface MockActivityOptions {
  /** Health of the provider in monitor re-checks; triage (the first batch of probes) always sees it down. */
  health?: HealthScript;
  /** What a failing generate call answers: 503 (outage, the default), 429, 401…, or a function of the moment. */
  fault?: number | ((moment: { elapsedMs: number }) => number);
  /** The status page's indicator; by default it tells the truth ("none" when healthy, "major" when not). */
  statusPage?: (moment: { elapsedMs: number; healthy: boolean }) => string;
  /** What resolveService answers: the test's service as the worker's catalog would. */
  resolved?: ResolvedService;
  /** The runbook document the catalog pins for the service (a runbook written as a document). */
  runbookDocument?: RunbookDocumentPin;
  /** While true, probes that need the API key cannot read it (evidence about us, not the provider). */
  keyUnreadable?: (moment: { elapsedMs: number }) => boolean;
  /** The postmortem directory is broken: every write fails. */
  postmortemFails?: boolean;
  /** The first N writes of the postmortem fail (retried by the activity's policy); the next one is written. */
  postmortemFailsFirst?: number;
  /** From the first attempt to write the postmortem on, the provider fails again. */
  relapseWhileClosing?: boolean;
  /** One sink that always fails, to show a broken sink never fails the incident. */
  failingSink?: boolean;
  /** How many probe calls see the fault whatever `health` says (default: the triage and both confirmation rounds). */
  faultyProbeCalls?: number;
  /** The environment of the deployment's one container (`api`) as readDeploymentState reports it. */
  deploymentEnv?: Record<string, string>;
  /** Steps whose knob a human changed: apply and revert report drift unless told to overwrite. */
  changedByHand?: { apply?: string[]; revert?: string[] };
  /** The worker cannot complete hint watches (no Temporal client): every watch fails as `HintWatchUnavailable`. */
  hintWatchUnavailable?: boolean;
}

const handDrift = (during: 'apply' | 'revert', at: string) => ({
  at,
  during,
  knobs: [{ knob: 'env prod/image-service/api/FALLBACK', live: "'false'", expected: "'true'" }],
});

function describeOp(op: MutationOp): { target: string; change: string; kubectl: string } {
  const kubectl = kubectlEquivalent(op);
  switch (op.kind) {
    case 'set-env':
      return { target: `deployment/${op.deployment} -n ${op.namespace}`, change: `${op.name}=${op.value}`, kubectl };
    case 'rollout-restart':
      return { target: `deployment/${op.deployment} -n ${op.namespace}`, change: 'restartedAt', kubectl };
    case 'apply-secret':
      return {
        target: `secret/${op.secretName} -n ${op.namespace}`,
        change: `secret/${op.secretName} key ${op.key}`,
        kubectl,
      };
    case 'suspend-cronjobs':
      return { target: `cronjobs -l ${op.selector} -n ${op.namespace}`, change: 'suspend=true', kubectl };
  }
}

/**
 * Stand-ins for the activity boundary, so workflow unit tests control the provider's health over
 * skipped time. Elapsed time comes from the server's schedule time, i.e. the skipped clock.
 */
export function createMockActivities(options: MockActivityOptions = {}) {
  let closing = false;
  const scripted = options.health ?? (() => true);
  const health: HealthScript = (moment) => !(options.relapseWhileClosing && closing) && scripted(moment);
  const events: ActivityEvent[] = [];
  const applied = new Map<string, MutationRecord>();
  let startMs: number | null = null;
  let rechecks = 0;
  let triageCalls = 0;

  const elapsed = () => {
    const scheduled = activityInfo().scheduledTimestampMs;
    startMs ??= scheduled;
    return scheduled - startMs;
  };

  const probeResult = (spec: ProbeSpec, healthy: boolean, elapsedMs: number): ProbeResult => {
    const base = { probe: spec.id, errorKind: null, latencyMs: 120, billed: spec.billed };
    if (spec.kind === 'dns') return { ...base, ok: true, httpStatus: null, detail: '127.0.0.1' };
    if (spec.kind === 'download')
      return { ...base, ok: false, httpStatus: null, detail: 'skipped: no image URL to download' };
    if (spec.id === 'status_page')
      return {
        ...base,
        ok: true,
        httpStatus: 200,
        detail: '',
        extractedField: options.statusPage?.({ elapsedMs, healthy }) ?? (healthy ? 'none' : 'major'),
      };
    if (spec.kind === 'http' && (spec.auth ?? spec.authHeader) && options.keyUnreadable?.({ elapsedMs })) {
      const blocker = 'the worker cannot read env:UNIT_TEST_KEY: secret env:UNIT_TEST_KEY is not set or empty';
      return {
        ...base,
        billed: false,
        ok: false,
        httpStatus: null,
        detail: `not run: ${blocker}`,
        source: 'self',
        blocker,
      };
    }
    const fault = typeof options.fault === 'function' ? options.fault({ elapsedMs }) : (options.fault ?? 503);
    return healthy
      ? { ...base, ok: true, httpStatus: 200, detail: 'image generated' }
      : { ...base, ok: false, httpStatus: fault, detail: fault === 429 ? 'too many requests' : `HTTP ${fault}` };
  };

  const probeAt = (spec: ProbeSpec, elapsedMs: number): ProbeResult => {
    const triage = spec.kind === 'download' || triageCalls < (options.faultyProbeCalls ?? TRIAGE_PROBES);
    if (triage) triageCalls += 1;
    const recheck = triage ? null : rechecks++;
    const healthy = triage ? false : health({ elapsedMs, recheck: recheck! });
    events.push({ type: 'probe', probe: spec.id, healthy, recheck, elapsedMs });
    return probeResult(spec, healthy, elapsedMs);
  };

  const activities = {
    /** The real triage-and-confirmation activity over these probes; its waits take no time (the test skips time elsewhere). */
    judgeRounds: (req: Parameters<ReturnType<typeof createJudgeActivities>['judgeRounds']>[0]) =>
      createJudgeActivities({
        runProbes: (r) => activities.runProbes({ specs: r.specs.map((spec) => ProbeSpecSchema.parse(spec)) }),
        sleep: async () => undefined,
      }).judgeRounds(req),
    async resolveService(req: { name: string }): Promise<ResolvedService> {
      if (!options.resolved || options.resolved.name !== req.name)
        throw ApplicationFailure.nonRetryable(`unknown service "${req.name}"`, ErrorTypes.UnknownService);
      // The catalog pins the runbook's document, as the worker's does (a test may pin another text).
      const runbookDocument = options.resolved.runbookDocument ?? documentPinOf(options.resolved.runbook);
      return runbookDocument ? { ...options.resolved, runbookDocument } : options.resolved;
    },
    async checkSecretRef(req: { ref: SecretRef }): Promise<{ allowed: boolean; reason?: string }> {
      return req.ref.kind === 'env' && req.ref.name.startsWith('NEW_')
        ? { allowed: true }
        : { allowed: false, reason: 'not in allowedSecretRefs (env:NEW_*)' };
    },
    async runProbe(req: {
      spec: ProbeSpec;
      target: { apiKeyRef: SecretRef };
      extracted?: Record<string, string | undefined>;
    }): Promise<ProbeResult> {
      return probeAt(req.spec, elapsed());
    },
    /**
     * The hint watch on the skipped clock: the reads it would make, each at the moment of the schedule,
     * and the moment it would end; the workflow's clock catches up to that moment on a timer.
     */
    async watchHint(req: HintWatchRequest): Promise<HintWatchResult> {
      if (options.hintWatchUnavailable)
        throw ApplicationFailure.nonRetryable(
          'no Temporal client to complete hint watches',
          ErrorTypes.HintWatchUnavailable,
        );
      const scheduled = activityInfo().scheduledTimestampMs;
      const origin = scheduled - elapsed();
      const spec = ProbeSpecSchema.parse(req.spec);
      const at = (ms: number) => new Date(ms).toISOString();
      for (let p = hintWatch.begin(req, scheduled); ;) {
        if (hintWatch.isDue(req, p))
          return { outcome: 'due', hint: null, reads: p.reads, intervalMs: p.intervalMs, at: at(p.nextAtMs) };
        const read = probeAt(spec, p.nextAtMs - origin);
        if (hintWatch.changed(req, read))
          return { outcome: 'changed', hint: read, reads: p.reads + 1, intervalMs: p.intervalMs, at: at(p.nextAtMs) };
        p = hintWatch.afterUnchangedRead(req, p, p.nextAtMs);
      }
    },
    async runProbes(req: {
      specs: ProbeSpec[];
      extracted?: Record<string, string | undefined>;
    }): Promise<ProbeResult[]> {
      const results: ProbeResult[] = [];
      for (const spec of req.specs) {
        // As the real round does: a timing reads the call it times, in the same round, and makes none.
        if (spec.kind === 'timing')
          results.push(
            timingResult(
              spec,
              results.find((r) => r.probe === spec.after),
            ),
          );
        else
          results.push(
            await activities.runProbe({
              spec,
              target: { apiKeyRef: { kind: 'env', name: 'UNIT_TEST_KEY' } },
              extracted: req.extracted,
            }),
          );
      }
      return results;
    },
    async applyMutation(req: {
      mutationId: string;
      step: string;
      op: MutationOp;
      dryRun: boolean;
      onDrift?: DriftChoice;
    }): Promise<MutationRecord> {
      events.push({
        type: 'apply',
        mutationId: req.mutationId,
        step: req.step,
        elapsedMs: elapsed(),
        ...(req.onDrift ? { onDrift: req.onDrift } : {}),
      });
      const existing = applied.get(req.mutationId);
      if (existing) return { ...existing, changed: false };
      const { target, change, kubectl } = describeOp(req.op);
      const record: MutationRecord = {
        id: req.mutationId,
        step: req.step,
        target,
        op: req.op,
        change,
        previous: req.op.kind === 'set-env' ? [{ container: 'api', previous: null }] : null,
        appliedAt: new Date(activityInfo().scheduledTimestampMs).toISOString(),
        kubectl,
        mode: 'record-only',
        changed: true,
      };
      applied.set(req.mutationId, record);
      const at = new Date(activityInfo().scheduledTimestampMs).toISOString();
      if (options.changedByHand?.apply?.includes(req.step) && req.onDrift !== 'overwrite')
        return { ...record, changed: false, drift: handDrift('apply', at) };
      return record;
    },
    async revertMutation(req: {
      record: MutationRecord;
      dryRun: boolean;
      onDrift?: DriftChoice;
    }): Promise<MutationRecord> {
      events.push({
        type: 'revert',
        mutationId: req.record.id,
        step: req.record.step,
        elapsedMs: elapsed(),
        ...(req.onDrift ? { onDrift: req.onDrift } : {}),
      });
      const { drift: _earlier, ...record } = req.record;
      const at = new Date(activityInfo().scheduledTimestampMs).toISOString();
      if (options.changedByHand?.revert?.includes(req.record.step) && req.onDrift !== 'overwrite')
        return { ...record, drift: handDrift('revert', at) };
      // A change never applied over the human's value, let go of: nothing is restored.
      if (req.record.drift?.during === 'apply' && req.onDrift === 'keep') return record;
      return { ...record, revertedAt: at };
    },
    async waitForRollout(): Promise<{ ready: boolean; reason: string }> {
      return { ready: true, reason: 'all replicas updated' };
    },
    async readDeploymentState(req: { namespace: string; deployment: string }) {
      return {
        namespace: req.namespace,
        deployment: req.deployment,
        containers: [
          {
            name: 'api',
            env: Object.entries(options.deploymentEnv ?? { IDEOGRAM_CONCURRENCY: '8' }).map(([name, value]) => ({
              name,
              value,
            })),
          },
        ],
      };
    },
    async inspectSecretRef(): Promise<{ present: boolean; length: number; ref: string }> {
      return { present: true, length: 32, ref: 'env:TEST' };
    },
    async notify(message: NotificationMessage): Promise<DeliveryResult[]> {
      events.push({ type: 'notify', kind: message.kind, status: message.status, elapsedMs: elapsed() });
      const ok: DeliveryResult = { sink: 'file', ok: true };
      return options.failingSink ? [ok, { sink: 'webhook:127.0.0.1', ok: false, error: 'HTTP 500' }] : [ok];
    },
    async writePostmortem(input: { incidentId: string; markdown: string }): Promise<{ path: string }> {
      closing = true;
      if (options.postmortemFails) throw new Error('EISDIR: /postmortems is a file');
      if (activityInfo().attempt <= (options.postmortemFailsFirst ?? 0)) throw new Error('EIO: /postmortems is busy');
      events.push({ type: 'postmortem', markdown: input.markdown, elapsedMs: elapsed() });
      return { path: `/postmortems/${input.incidentId}.md` };
    },
  };
  return { activities, events };
}
