/**
 * What the engine's parts need from each other, as narrow interfaces. Parts import these, never
 * the composition (incident.ts), so src/workflows has no import cycles and each part can be
 * built alone in a test.
 */
import type {
  Decision,
  IncidentInput,
  IncidentState,
  NotificationMessage,
  TimelineEntry,
  TimelineKind,
} from '../../contract/index.ts';
import type { RunbookDefinition } from './runbook.ts';
import type { IncidentView } from './snapshot.ts';
import type { ProvidedSecretRef } from './slices.ts';

/** The timeline and the incident's visible state (memo and search attributes follow it). */
export interface TimelinePort {
  /** `at`: when it happened, for evidence an activity gathered before the workflow saw it (default: now). */
  add(kind: TimelineKind, message: string, data?: unknown, at?: string): TimelineEntry;
  note(message: string, data?: unknown): void;
  setState(state: IncidentState, why?: string): void;
  /** Re-publishes the memo after a change that is not a state change (a decision). */
  publish(): void;
  /** News for stakeholders that is not a state change (an owner, a new cause): the update loop sends one. */
  markChanged(): void;
}

/** Telling people: stakeholder updates and pages. */
export interface NotifyPort {
  notify(
    kind: NotificationMessage['kind'],
    approval?: NotificationMessage['approval'],
    escalation?: string,
  ): Promise<void>;
  escalate(reason: string): Promise<void>;
}

/** The incident every judgement part reads: the whole incident (read-only), its input, runbook and current decision. */
export interface EngineCore extends TimelinePort {
  readonly view: IncidentView;
  readonly input: IncidentInput;
  readonly runbook: RunbookDefinition;
  /** The current decision; throws when there is none yet. */
  readonly decision: Decision;
  escalate(reason: string): Promise<void>;
}

/** The billed-call budget, as the probe runner and the observer use it. */
export interface BudgetPort {
  exhausted(): boolean;
  /** Billed calls the cap still allows (what triage and confirmation, which only answer to the cap, may spend). */
  remaining(): number;
  canSpend(calls: number, priority: boolean): boolean;
  /** When monitoring may next make `calls` billed calls at the hourly rate; null when the cap forbids them for good. */
  affordableAt(calls: number): number | null;
  spend(calls: number): void;
}

export interface ProbeEngine extends EngineCore {
  readonly budget: BudgetPort;
}

/** The run around the parts: finishing, outside interruptions, re-triage and continue-as-new. */
export interface RunControl {
  readonly finished: boolean;
  /** Monitor polls in this run (not carried over): continue-as-new resets it. */
  pollsThisRun: number;
  interrupted(): boolean;
  continueAsNew(): Promise<never>;
  /** History is long enough: the plan yields and the run continues as new. */
  requestContinueAsNew(): void;
  /** The failure class changed and was confirmed: the plan yields to the new one. */
  requestRetriage(decision: Decision, why: string): void;
}

/** What a part that attends waits for: any real call's answer, or a success only. */
export type AttentionFor = 'verdict' | 'recovery';

/** What the approval gate and the probe runner ask of the observer. */
export interface RecoveryView {
  readonly required: number;
  recovered(): boolean;
  /** Runs `fn` with real calls on every poll: someone waits on a verdict (or, backing off while they fail, a recovery). */
  attend<T>(fn: () => Promise<T>, waitsFor?: AttentionFor): Promise<T>;
}

export type { ProvidedSecretRef };
