import type { Logger } from 'pino';
import type { ApprovalRequest, IncidentStatus } from '../contract/index.ts';
import type { AppConfig } from '../config/index.ts';
import { runbookIds } from '../runbooks/index.ts';
import { runbookTooling } from '../runbooks/tooling/index.ts';
import { bundleIncidentWorkflows } from '../infra/workflow-bundle.ts';
import { launchDrill, type LaunchedDrill } from './drill.ts';
import { RequestRefusedError } from './errors.ts';
import { requireRunbook } from './service-catalog.ts';
import { followIncident } from './follow.ts';

export interface DrillCatalogEntry {
  runbook: string;
  scenarios: Array<{ name: string; description: string; expectedCause: string }>;
}

export interface DrillRequest {
  runbook: string;
  scenario: string;
  /** As `runbook drill --auto-approve`: every step approved by drill-auto. Otherwise people decide in the console. */
  autoApprove: boolean;
  /** Who started it (the console's signed-in person), for the log. */
  startedBy: string;
}

/**
 * Drills started from the dev console: each runs as `runbook drill` does (its own simulator, a
 * worker on its own task queue with the record-only target, compressed timings) on the dev
 * server the console talks to, and is followed in the background until its incident closes.
 * People approve its steps in the browser; the secret a key rotation asks for is the drill's own
 * placeholder reference (there is no real key to rotate), provided as the drill does.
 */
export class ConsoleDrills {
  private readonly running = new Map<string, { drill: LaunchedDrill; abort: AbortController; done: Promise<void> }>();
  private readonly config: AppConfig;
  private readonly env: NodeJS.ProcessEnv;
  private readonly logger: Logger;
  /** The workflows, bundled once for every drill this console starts. */
  private bundle: Promise<string> | undefined;

  constructor(options: { config: AppConfig; env: NodeJS.ProcessEnv; logger: Logger }) {
    this.config = options.config;
    this.env = options.env;
    this.logger = options.logger.child({ component: 'console-drills' });
  }

  /** Every built-in scenario of every registered runbook. */
  catalog(): DrillCatalogEntry[] {
    return runbookIds().map((id) => ({
      runbook: id,
      scenarios: Object.entries(runbookTooling(id).scenarios).map(([name, s]) => ({
        name,
        description: s.description,
        expectedCause: s.expectedCause,
      })),
    }));
  }

  /** Starts a drill; resolves with its incident id once the incident is open. */
  async start(request: DrillRequest): Promise<string> {
    const runbook = requireRunbook(request.runbook);
    if (!Object.hasOwn(runbookTooling(runbook.id).scenarios, request.scenario)) {
      throw new RequestRefusedError(
        `unknown scenario "${request.scenario}" for runbook ${runbook.id} — built-in: ${Object.keys(runbookTooling(runbook.id).scenarios).join(', ')}`,
      );
    }
    const secretSteps = runbookTooling(runbook.id).drill.secretSteps;
    const workflowBundleCode = await this.workflowBundle();
    const drill = await launchDrill(this.config, this.env, {
      runbook: runbook.id,
      scenario: request.scenario,
      autoApprove: request.autoApprove,
      productionTimings: false,
      dryRun: false,
      // Approvals wait for people in the console; only the drill's placeholder secret is answered here.
      prompt: async (pending) => (secretSteps.includes(pending.stepId) ? 'approve' : 'skip'),
      note: (line) => this.logger.info({ runbook: runbook.id, scenario: request.scenario }, line),
      workflowBundleCode,
      eager: false,
      // People approve at their own pace: the fault lasts until a person decided a step.
      holdFault: !request.autoApprove,
    });
    this.logger.info(
      {
        incidentId: drill.incidentId,
        runbook: runbook.id,
        scenario: request.scenario,
        autoApprove: request.autoApprove,
        user: request.startedBy,
      },
      'drill started from the console',
    );
    const abort = new AbortController();
    // Steps a person decides (not the drill's own placeholder secret): once one of them is no longer pending, the fault may end.
    const askedOfPeople = new Set<string>();
    const onApproval = async (pending: ApprovalRequest) => {
      if (!secretSteps.includes(pending.stepId)) askedOfPeople.add(pending.stepId);
      await drill.onApproval(pending);
    };
    const onStatus = (status: IncidentStatus) => {
      if ([...askedOfPeople].some((step) => !status.pendingApprovals.some((a) => a.stepId === step)))
        drill.releaseFault();
    };
    const done = followIncident(drill.handle, {
      print: () => undefined,
      onApproval,
      onStatus,
      signal: abort.signal,
      pollMs: 500,
    })
      .then((result) => {
        if (result)
          this.logger.info({ incidentId: drill.incidentId, state: result.state, cause: result.cause }, 'drill ended');
      })
      .catch((err: unknown) => this.logger.error({ err, incidentId: drill.incidentId }, 'drill follow failed'))
      .finally(async () => {
        await drill.stop();
        this.running.delete(drill.incidentId);
      });
    this.running.set(drill.incidentId, { drill, abort, done });
    return drill.incidentId;
  }

  private workflowBundle(): Promise<string> {
    const log = (level: 'debug' | 'warn' | 'error') => (message: string, meta?: Record<string, unknown>) =>
      this.logger[level]({ ...meta, source: 'workflow-bundler' }, message);
    const logger = {
      trace: log('debug'),
      debug: log('debug'),
      info: log('debug'),
      warn: log('warn'),
      error: log('error'),
      log: (_level: string, message: string) => log('debug')(message),
    };
    this.bundle ??= bundleIncidentWorkflows({ logger });
    // A failed build is not kept: the next drill tries again.
    this.bundle.catch(() => {
      this.bundle = undefined;
    });
    return this.bundle;
  }

  /** The console stops: open drills end with it (their worker goes away, so nothing would run them). */
  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.running.values()].map(async ({ drill, abort, done }) => {
        abort.abort();
        await drill.handle.terminate('the console that ran this drill stopped').catch(() => undefined);
        await done;
      }),
    );
  }
}
