import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
/**
 * The bad-input table: every row is one `runbook` process that must be refused, with its exit code,
 * a fragment of its message, and what must NOT have happened. Placeholders ({live}, {idle},
 * {idleQueue}) are filled in by the test once the incidents exist.
 */
export type Effect =
  /** `start` rows: the --id never became a workflow. */
  | 'nothing-started'
  /** The live incident got no timeline entry carrying `marker`, and its approval is still pending. */
  | 'live-unchanged'
  /** The incident with no worker got no new history event. */
  | 'idle-unchanged'
  /** Refused before any Temporal call (triage, simulate, drill, commander errors). */
  | 'offline';

export interface Row {
  name: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  code: number;
  says: string;
  effect: Effect;
  /** Text that would appear in the live incident's timeline had the input been accepted. */
  marker?: string;
  /** A secret that must appear in neither stdout nor stderr. */
  secret?: string;
}

/** A services file for a row: written once, when the table is loaded. */
function servicesFile(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'bad-input-services-')), 'services.yaml');
  writeFileSync(path, yaml);
  return path;
}

/** A scenario file for a row: written once, when the table is loaded. */
function scenarioFile(phases: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'bad-input-scenario-')), 'scenario.json');
  writeFileSync(path, JSON.stringify(phases));
  return path;
}

/** A kubeconfig with no contexts: written once, when the table is loaded. */
function emptyKubeconfig(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'bad-input-kube-')), 'config');
  writeFileSync(path, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
  return path;
}

const ESC = '\u001b';
const BEL = '\u0007';
const ZWJ = '\u200d';
const STEP = 'confirm-partial-outage-handled';
const long = (n: number, c = 'x') => c.repeat(n);

const start = (name: string, args: string[], says: string, env?: NodeJS.ProcessEnv, code = 2): Row => ({
  name,
  args: ['start', ...args],
  env,
  code,
  says,
  effect: 'nothing-started',
});
const config = (name: string, variable: string, value: string, says: string, secret?: string): Row => ({
  ...start(name, ['--symptom', 'config check'], says, { [variable]: value }),
  secret,
});
const live = (name: string, args: string[], says: string, marker: string, code = 2): Row => ({
  name,
  args,
  code,
  says,
  effect: 'live-unchanged',
  marker,
});
const offline = (name: string, args: string[], says: string, env?: NodeJS.ProcessEnv, secret?: string): Row => ({
  name,
  args,
  env,
  code: 2,
  says,
  effect: 'offline',
  secret,
});
const noWorker = (name: string, args: string[]): Row => ({
  name,
  args,
  code: 1,
  says: 'no worker is polling task queue "{idleQueue}" — start one with `runbook worker`',
  effect: 'idle-unchanged',
});

export const ROWS: Row[] = [
  // ── commander: unknown commands and flags ──────────────────────────────────────────────────
  offline('unknown command', ['frobnicate'], "unknown command 'frobnicate'"),
  offline('unknown flag on start', ['start', '--yolo'], "unknown option '--yolo'"),
  offline('unknown flag on timeline', ['timeline', 'incident-x', '--yaml'], "unknown option '--yaml'"),
  offline('list: bad severity', ['list', '--severity', 'P9'], '--severity'),
  offline('list: injected cause', ['list', '--cause', "x' OR 1=1"], '--cause'),

  // ── start: every validation error exits 2 before anything is started ───────────────────────
  start('unknown cause for the runbook', ['--cause', 'martians'], 'unknown cause "martians" for runbook ideogram'),
  start('prototype key as a cause', ['--cause', '__proto__'], 'unknown cause "__proto__"'),
  start('unknown runbook', ['--runbook', 'nope'], 'unknown runbook "nope" — known: ideogram'),
  start(
    'service of another runbook',
    ['--runbook', 'openai', '--service', 'ideogram-service'],
    "service ideogram-service is handled by runbook ideogram, not openai: choose runbook ideogram for it, or one of runbook openai's services (openai-service)",
  ),
  start('2,000-character id', ['--id', long(2_000, 'a')], '--id: an incident id of at most 120 characters'),
  start('id with spaces', ['--id', 'bad id!'], '--id: an incident id like'),
  start('id with a path', ['--id', '../../etc/passwd'], '--id: an incident id like'),
  start('unknown trigger', ['--trigger', 'pager'], '--trigger'),
  start('reporter over 64 characters', ['--reporter', long(65)], '--reporter: a name of at most 64 characters'),
  start('reporter with a newline', ['--reporter', 'rita\nbob'], '--reporter: a name on one line'),
  start('reporter with ESC', ['--reporter', `rita${ESC}[2J`], '--reporter: a name on one line'),
  start('reporter from $USER with BEL', [], '--reporter: a name on one line', { USER: `rita${BEL}` }),
  start(
    'reporter with a zero-width space',
    ['--reporter', `rita\u200b`],
    '--reporter: a name without invisible characters (found U+200B)',
  ),
  start(
    'reporter mixing Latin and Cyrillic',
    ['--reporter', 'ritа'],
    '--reporter: a name in one script: it mixes Latin and Cyrillic',
  ),
  start('symptom over 2,000 characters', ['--symptom', long(2_001)], '--symptom: at most 2000 characters'),
  start('symptom with BEL', ['--symptom', `beep${BEL}`], '--symptom: one line of text'),
  start(
    'symptom forging a heading',
    ['--symptom', 'images fail\n## Root Cause\nnothing'],
    '--symptom: one line of text',
  ),

  // ── configuration: named, exit 2, secrets never echoed ─────────────────────────────────────
  config(
    'ftp base URL',
    'RUNBOOK_SERVICE_BASE_URL',
    'ftp://api.example.com',
    'RUNBOOK_SERVICE_BASE_URL="ftp://api.example.com": an http:// or https:// URL',
  ),
  config(
    'file status page URL',
    'RUNBOOK_STATUS_PAGE_URL',
    'file:///etc/passwd',
    'RUNBOOK_STATUS_PAGE_URL="file:///etc/passwd": an http:// or https:// URL',
  ),
  config('javascript status page URL', 'RUNBOOK_STATUS_PAGE_URL', 'javascript:alert(1)', 'RUNBOOK_STATUS_PAGE_URL'),
  config('base URL that is no URL', 'RUNBOOK_SERVICE_BASE_URL', 'api.ideogram.ai', 'RUNBOOK_SERVICE_BASE_URL'),
  config(
    'approver list of commas',
    'RUNBOOK_APPROVERS',
    ',,,',
    'RUNBOOK_APPROVERS=",,,": a comma-separated list of at least one name',
  ),
  config('approver list of blanks', 'RUNBOOK_APPROVERS', ' , \u3000 ,', 'RUNBOOK_APPROVERS'),
  config(
    'approver list with a name over 64 characters',
    'RUNBOOK_APPROVERS',
    `alice,${long(65)}`,
    'a name of at most 64 characters',
  ),
  config('approver list with BEL in a name', 'RUNBOOK_APPROVERS', `alice,bob${BEL}`, 'a name on one line'),
  config(
    'approver list with a zero-width joiner',
    'RUNBOOK_APPROVERS',
    `alice,bob${ZWJ}`,
    'a name without invisible characters (found U+200D)',
  ),
  config(
    'Slack user mapped to a look-alike name',
    'RUNBOOK_SLACK_USERS',
    '{"U0BOB":"bоb"}',
    'a name in one script: it mixes Latin and Cyrillic',
  ),
  config(
    'Slack webhook with ftp scheme',
    'RUNBOOK_SLACK_WEBHOOK_URL',
    'ftp://hooks.slack.com/services/T000/B000/slacktoken111',
    'RUNBOOK_SLACK_WEBHOOK_URL (value not shown): an http:// or https:// URL',
    'slacktoken111',
  ),
  config(
    'Slack webhook without scheme',
    'RUNBOOK_SLACK_WEBHOOK_URL',
    'hooks.slack.com/services/T000/B000/slacktoken222',
    'RUNBOOK_SLACK_WEBHOOK_URL (value not shown)',
    'slacktoken222',
  ),
  config(
    'second webhook bad',
    'RUNBOOK_WEBHOOK_URL',
    'https://ok.example/a, gopher://hooks.example/hooktoken333',
    'RUNBOOK_WEBHOOK_URL (value not shown)',
    'hooktoken333',
  ),
  config(
    'raw key as API key reference',
    'RUNBOOK_API_KEY_REF',
    'sk-live-rawkey444',
    'RUNBOOK_API_KEY_REF (value not shown): not a secret reference',
    'rawkey444',
  ),
  config(
    'raw key with a colon',
    'RUNBOOK_API_KEY_REF',
    'bearer:rawkey555',
    'RUNBOOK_API_KEY_REF (value not shown)',
    'rawkey555',
  ),
  config('env reference to a bad name', 'RUNBOOK_API_KEY_REF', 'env:1BAD', 'RUNBOOK_API_KEY_REF'),
  config('k8s reference without a key', 'RUNBOOK_API_KEY_REF', 'k8s:prod/ideogram-secrets', 'RUNBOOK_API_KEY_REF'),
  config('unknown secret store', 'RUNBOOK_API_KEY_REF', 'vault:secret/ideogram', 'RUNBOOK_API_KEY_REF'),
  config('port out of range', 'RUNBOOK_DEV_PORT', '99999', 'RUNBOOK_DEV_PORT="99999"'),
  config('unknown remediation target', 'RUNBOOK_REMEDIATION_TARGET', 'yolo', 'RUNBOOK_REMEDIATION_TARGET="yolo"'),
  config('boolean that is not', 'RUNBOOK_DRY_RUN', 'maybe', 'RUNBOOK_DRY_RUN="maybe"'),
  config(
    'auto-approve that is not a boolean',
    'RUNBOOK_AUTO_APPROVE_P1_FALLBACK',
    'sure',
    'RUNBOOK_AUTO_APPROVE_P1_FALLBACK',
  ),
  config('unknown log level', 'RUNBOOK_LOG_LEVEL', 'loud', 'RUNBOOK_LOG_LEVEL="loud"'),
  config(
    'misspelt security switch',
    'RUNBOOK_REQUIRE_VERIFIED_APPROVAL',
    '1',
    'RUNBOOK_REQUIRE_VERIFIED_APPROVAL: not a variable runbook reads — did you mean RUNBOOK_REQUIRE_VERIFIED_APPROVALS?',
  ),
  config(
    'per-runbook key for no runbook',
    'RUNBOOK_OPNEAI_API_KEY_REF',
    'env:OPENAI_KEY',
    'RUNBOOK_OPNEAI_API_KEY_REF: no runbook has this variable — did you mean RUNBOOK_OPENAI_API_KEY_REF?',
  ),
  // The harness's RUNBOOK_API_KEY_REF is env:HARNESS_IDEOGRAM_API_KEY: the OpenAI service may not share it.
  config(
    'one key for two providers',
    'RUNBOOK_OPENAI_API_KEY_REF',
    'env:HARNESS_IDEOGRAM_API_KEY',
    'services ideogram-service and openai-service would both send the key at env:HARNESS_IDEOGRAM_API_KEY',
  ),
  config(
    'services file with misspelt policy keys',
    'RUNBOOK_SERVICES_FILE',
    servicesFile(
      '- name: ideogram-service\n  target: {baseUrl: https://api.ideogram.ai, apiKeyRef: {kind: env, name: IDEOGRAM_API_KEY}, kubernetes: {namespace: payments, deployment: ideogram-service}}\n  policy: {aprovers: [bob], requried: 2}\n',
    ),
    '$[0].policy.aprovers: unknown key — did you mean approvers?; $[0].policy.requried: unknown key — did you mean required?',
  ),

  // The harness sets RUNBOOK_SERVICE_BASE_URL and friends: beside a services file they would do nothing.
  config(
    'services file beside variables that describe one service',
    'RUNBOOK_SERVICES_FILE',
    servicesFile(
      '- name: ideogram-service\n  target: {baseUrl: https://api.ideogram.ai, apiKeyRef: {kind: env, name: IDEOGRAM_API_KEY}, kubernetes: {namespace: payments, deployment: ideogram-service}}\n',
    ),
    'would have no effect — RUNBOOK_SERVICE_BASE_URL: set target.baseUrl on each service in the file instead',
  ),

  // ── triage, simulate, drill: refused before any probe, server or simulator ─────────────────
  offline(
    'triage: ftp base URL',
    ['triage', '--base-url', 'ftp://x.example'],
    '--base-url: an http:// or https:// URL',
  ),
  offline(
    'triage: javascript status page',
    ['triage', '--status-page-url', 'javascript:alert(1)'],
    '--status-page-url: an http:// or https:// URL',
  ),
  offline('triage: negative timeout', ['triage', '--timeout-ms', '-5'], '--timeout-ms'),
  offline('triage: timeout that is no number', ['triage', '--timeout-ms', 'soon'], '--timeout-ms'),
  offline('triage: unknown runbook', ['triage', '--runbook', 'nope'], 'unknown runbook "nope"'),
  offline(
    'triage: key with a trailing newline',
    ['triage'],
    'env:HARNESS_IDEOGRAM_API_KEY contains whitespace or control characters',
    { HARNESS_IDEOGRAM_API_KEY: 'sk-newline666\n' },
    'newline666',
  ),
  offline(
    'triage: key with ESC',
    ['triage'],
    'env:HARNESS_IDEOGRAM_API_KEY contains whitespace or control characters',
    { HARNESS_IDEOGRAM_API_KEY: `sk-esc777${ESC}` },
    'esc777',
  ),
  offline(
    'triage: key with an inner space',
    ['triage'],
    'env:HARNESS_IDEOGRAM_API_KEY contains whitespace or control characters',
    { HARNESS_IDEOGRAM_API_KEY: 'sk-space 888' },
    'space 888',
  ),
  offline('simulate: negative latency scale', ['simulate', '--latency-scale', '-1'], '--latency-scale'),
  offline('simulate: port out of range', ['simulate', '--port', '70000'], '--port'),
  offline('simulate: zero image TTL', ['simulate', '--image-ttl-ms', '0'], '--image-ttl-ms'),
  offline(
    'simulate: scenario and file',
    ['simulate', '--scenario', 'healthy', '--scenario-file', 'x.json'],
    'not both',
  ),
  offline('drill: unknown scenario', ['drill', 'martians'], 'unknown scenario "martians"'),
  offline('drill: no scenario', ['drill'], 'name a scenario'),
  offline(
    'drill: misspelt key in a scenario file',
    ['drill', '--scenario-file', scenarioFile([{ requests: 5, legacy: { statsu: 500 } }, { name: 'recovered' }])],
    '$[0].legacy.statsu: unknown key — did you mean status?',
  ),
  offline(
    'simulate: misspelt phase key in a scenario file',
    ['simulate', '--scenario-file', scenarioFile([{ name: 'down', requets: 5 }, {}])],
    '$[0].requets: unknown key — did you mean requests?',
  ),
  offline(
    'drill: a prebuilt workflow bundle that is not there',
    ['drill', 'outage-500'],
    'RUNBOOK_WORKFLOW_BUNDLE /nonexistent/workflows.js: no such file',
    { RUNBOOK_WORKFLOW_BUNDLE: '/nonexistent/workflows.js' },
  ),
  offline(
    'drill: a kubeconfig that is not there (refused, and the process ends)',
    ['drill', 'outage-500', '--kube-context', 'prod', '--dry-run'],
    '--kube-context prod: ENOENT',
    { KUBECONFIG: '/nonexistent/kubeconfig' },
  ),
  offline(
    'drill: a context the kubeconfig does not have',
    ['drill', 'outage-500', '--kube-context', 'prod', '--dry-run'],
    'kube context "prod" not found in the kubeconfig',
    { KUBECONFIG: emptyKubeconfig() },
  ),
  offline(
    'drill: real cluster without dry-run',
    ['drill', 'outage-500', '--kube-context', 'prod'],
    '--kube-context needs --dry-run',
  ),
  offline(
    'serve: drill timings for alerts outside runbook dev',
    ['serve', '--port', '0'],
    'RUNBOOK_INTAKE_DRILL_TIMINGS is honoured only by `runbook dev`',
    { RUNBOOK_INTAKE_DRILL_TIMINGS: 'true' },
  ),

  // ── approve / reject: arguments first, then names, then the policy ────────────────────────
  offline('approve without arguments', ['approve'], "missing required argument 'id'"),
  offline('approve without a step', ['approve', '{live}'], "missing required argument 'step'"),
  live('approve without --by', ['approve', '{live}', STEP], '--by: who is acting', 'approved by'),
  live(
    'approve a step id in capitals',
    ['approve', '{live}', 'Launch_Missiles', '--by', 'bob'],
    '<step>: a step id like',
    'Launch_Missiles',
  ),
  live(
    'self-approval by changing case',
    ['approve', '{live}', STEP, '--by', 'Alice'],
    'may not approve its own remediation',
    'Alice',
  ),
  live(
    'self-approval in capitals with spaces',
    ['approve', '{live}', STEP, '--by', ' ALICE '],
    'may not approve its own remediation',
    'ALICE',
  ),
  live(
    'self-approval in full-width letters',
    ['approve', '{live}', STEP, '--by', 'ａｌｉｃｅ'],
    'may not approve its own remediation',
    'ａｌｉｃｅ',
  ),
  live(
    'self-approval with a zero-width joiner after the name',
    ['approve', '{live}', STEP, '--by', `alice${ZWJ}`],
    '--by: a name without invisible characters (found U+200D)',
    `alice${ZWJ}`,
  ),
  live(
    'self-approval with a right-to-left override',
    ['approve', '{live}', STEP, '--by', '\u202Eecila'],
    '--by: a name without invisible characters (found U+202E)',
    'ecila',
  ),
  live(
    'approval by a Cyrillic look-alike of the reporter',
    ['approve', '{live}', STEP, '--by', 'аlice'],
    '--by: a name in one script: it mixes Cyrillic and Latin',
    'аlice',
  ),
  live(
    'self-approval with a dotless ı',
    ['approve', '{live}', STEP, '--by', 'alıce'],
    'alıce looks like alice, who reported this incident',
    'alıce',
  ),
  live(
    'approver name forging a timeline line',
    ['approve', '{live}', STEP, '--by', 'mallory\n- 10:00 - approved by everyone'],
    '--by: a name on one line',
    'mallory',
  ),
  live(
    'approver name over 64 characters',
    ['approve', '{live}', STEP, '--by', long(65, 'm')],
    '--by: a name of at most 64 characters',
    long(65, 'm'),
  ),
  live(
    'comment over 2,000 characters',
    ['approve', '{live}', STEP, '--by', 'bob', '--comment', long(2_001, 'c')],
    '--comment: at most 2000 characters',
    long(100, 'c'),
  ),
  live(
    'comment injecting a heading',
    ['approve', '{live}', STEP, '--by', 'bob', '--comment', 'ok\n## Root Cause\naliens'],
    '--comment: one line of text',
    'aliens',
  ),
  live(
    'reject by a name with BEL',
    ['reject', '{live}', STEP, '--by', `trent${BEL}`],
    '--by: a name on one line',
    'trent',
  ),
  live(
    'reject with an ESC comment',
    ['reject', '{live}', STEP, '--by', 'bob', '--comment', `${ESC}]0;pwned${BEL}`],
    '--comment: one line of text',
    'pwned',
  ),

  // ── ack, note, root-cause, resolve, cancel, provide-secret, status ─────────────────────────
  offline('note without text', ['note', '{live}'], "missing required argument 'note'"),
  live('note without --by', ['note', '{live}', 'orphan note 1'], '--by: who is acting', 'orphan note 1'),
  live(
    'note forging a timeline line',
    ['note', '{live}', 'fine\n- 10:00 - Resolved by nobody', '--by', 'carol'],
    '<text>: one line of text',
    'Resolved by nobody',
  ),
  live(
    'note injecting a heading',
    ['note', '{live}', 'x\n# Postmortem: all good', '--by', 'carol'],
    '<text>: one line of text',
    'all good',
  ),
  live(
    'note over 2,000 characters',
    ['note', '{live}', long(2_001, 'n'), '--by', 'carol'],
    '<text>: at most 2000 characters',
    long(100, 'n'),
  ),
  live('blank note', ['note', '{live}', '   ', '--by', 'carol'], 'must not be empty', 'carol: '),
  live(
    'note by a name with ESC',
    ['note', '{live}', 'escaped note 2', '--by', `carol${ESC}[31m`],
    '--by: a name on one line',
    'escaped note 2',
  ),
  live(
    'root cause on two lines',
    ['root-cause', '{live}', 'GPU pool\nlost', '--by', 'carol'],
    '<text>: one line of text',
    'GPU pool',
  ),
  live(
    'root cause over 2,000 characters',
    ['root-cause', '{live}', long(2_001, 'r'), '--by', 'carol'],
    'at most 2000 characters',
    long(100, 'r'),
  ),
  live(
    'resolve with BEL in the reason',
    ['resolve', '{live}', `done${BEL}`, '--by', 'carol'],
    '<text>: one line of text',
    'Resolution requested',
  ),
  live(
    'cancel with an empty reason',
    ['cancel', '{live}', '', '--by', 'carol'],
    'must not be empty',
    'Cancellation requested',
  ),
  live('ack by nobody', ['ack', '{live}', '--by', ''], '--by: who is acting', 'Acknowledged by'),
  live(
    'ack by a 65-character name',
    ['ack', '{live}', '--by', long(65, 'a')],
    '--by: a name of at most 64 characters',
    'Acknowledged by',
  ),
  offline('ack of a malformed id', ['ack', 'bad id!', '--by', 'carol'], '<id>: an incident id like'),
  offline(
    'ack of a 2,000-character id',
    ['ack', long(2_000, 'i'), '--by', 'carol'],
    '<id>: an incident id of at most 120 characters',
  ),
  live(
    'provide-secret with a raw key',
    ['provide-secret', '{live}', 'new-key-reference', '--ref', 'sk-live-rawkey999', '--by', 'bob'],
    'never the value',
    'rawkey999',
  ),
  live(
    'provide-secret with a 100,000-character reference',
    ['provide-secret', '{live}', 'new-key-reference', '--ref', `file:/run/${long(100_000, 'k')}`, '--by', 'bob'],
    '--ref a secret reference of at most 512 characters',
    'kkkkkkkk',
  ),
  live(
    'provide-secret with a relative file',
    ['provide-secret', '{live}', 'new-key-reference', '--ref', 'file:../../etc/shadow', '--by', 'bob'],
    '--ref a file reference with an absolute path',
    'shadow',
  ),
  live(
    'provide-secret by an invisible-padded name',
    ['provide-secret', '{live}', 'new-key-reference', '--ref', 'env:NEW_KEY', '--by', `bob${ZWJ}`],
    '--by: a name without invisible characters',
    'env:NEW_KEY',
  ),
  offline('provide-secret without a step', ['provide-secret', '{live}'], "missing required argument 'step'"),
  live(
    'provide-secret without --ref',
    ['provide-secret', '{live}', 'new-key-reference', '--by', 'bob'],
    '--ref: where the new secret lives',
    'provided a secret reference',
  ),
  offline('status --by with a newline', ['status', '{live}', '--by', 'bob\nroot'], '--by: a name on one line'),
  offline('status of an overlong id', ['status', long(200, 's')], '<id>: an incident id of at most 120 characters'),
  offline('postmortem to an empty path', ['postmortem', '{live}', '--out', ''], '--out'),

  // ── no worker polls the incident's task queue: say so at once ──────────────────────────────
  noWorker('approve with no worker', ['approve', '{idle}', STEP, '--by', 'bob']),
  noWorker('reject with no worker', ['reject', '{idle}', STEP, '--by', 'bob']),
  noWorker('status with no worker', ['status', '{idle}']),
  noWorker('timeline with no worker', ['timeline', '{idle}']),
  noWorker('postmortem with no worker', ['postmortem', '{idle}']),
  start(
    'start with no worker on the queue',
    ['--symptom', 'nobody home'],
    'no worker is polling task queue "{idleQueue}" — start one with `runbook worker` (or `runbook dev` locally)',
    { RUNBOOK_TASK_QUEUE: '{idleQueue}' },
    1,
  ),
];
