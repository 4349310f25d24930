/**
 * The `type` of every ApplicationFailure the engine raises, named once: throwers and catchers (retry
 * policies' `nonRetryableErrorTypes`, the CLI, tests) use these, never a string literal. The values
 * are recorded in workflow history (retry policies, failures): never rename one.
 */
export const ErrorTypes = {
  /** The start request does not parse. */
  InvalidIncidentInput: 'InvalidIncidentInput',
  /** The worker's catalog has no such service, or it belongs to another runbook. */
  UnknownService: 'UnknownService',
  UnknownRunbook: 'UnknownRunbook',
  /** A probe or change aimed outside the worker's catalog: nothing was sent or changed. */
  ForeignTarget: 'ForeignTarget',
  SecretRefNotAllowed: 'SecretRefNotAllowed',
  SecretNotFound: 'SecretNotFound',
  SecretInvalid: 'SecretInvalid',
  SecretBackupMissing: 'SecretBackupMissing',
  KubernetesForbidden: 'KubernetesForbidden',
  KubernetesNotFound: 'KubernetesNotFound',
  KubernetesInvalid: 'KubernetesInvalid',
  DeploymentPaused: 'DeploymentPaused',
  RolloutFailed: 'RolloutFailed',
  InvalidNotification: 'InvalidNotification',
  /** The service still fails after the fix was applied. */
  VerificationFailed: 'VerificationFailed',
  NoRemediationPlan: 'NoRemediationPlan',
  EngineBug: 'EngineBug',
  /** A worker built without a Temporal client cannot run synthetic checks' intake activities. */
  IntakeUnavailable: 'IntakeUnavailable',
  /** A worker built without a Temporal client cannot complete hint watches: the incident polls on timers. */
  HintWatchUnavailable: 'HintWatchUnavailable',
  /** A synthetic check's input does not parse. */
  InvalidSyntheticCheck: 'InvalidSyntheticCheck',
} as const;
export type ErrorType = (typeof ErrorTypes)[keyof typeof ErrorTypes];
