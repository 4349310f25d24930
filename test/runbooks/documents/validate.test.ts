import { describe, expect, it } from 'vitest';
import { describeProblem, validateRunbookDocument } from '../../../src/runbooks/documents/validate.ts';
import { anthropicDocument } from './support.ts';

/** Every problem of a document, as `runbook lint` prints them. */
function problems(doc: unknown): string[] {
  const result = validateRunbookDocument(doc);
  return result.ok ? [] : result.problems.map(describeProblem);
}

describe('runbook documents: validation with JSON paths', () => {
  it('the Anthropic document is valid', () => {
    expect(problems(anthropicDocument())).toEqual([]);
  });

  it('a misspelt key is named with its path and the key it stands for', () => {
    const doc = anthropicDocument();
    doc.causes.auth_failure.sevrity = doc.causes.auth_failure.severity;
    delete doc.causes.auth_failure.severity;
    expect(problems(doc)).toEqual(['$.causes.auth_failure.sevrity: unknown key — did you mean severity?']);
  });

  it('an unknown step is refused with the step it most likely stands for', () => {
    const doc = anthropicDocument();
    doc.plans['rotate-key'][0] = { aprove: { id: 'x', description: 'y' } };
    expect(problems(doc)).toEqual(['$.plans.rotate-key[0].aprove: unknown key — did you mean approve?']);
    doc.plans['rotate-key'][0] = { runCommand: 'kubectl delete ns prod' };
    expect(problems(doc)[0]).toMatch(
      /^\$\.plans\.rotate-key\[0\]\.runCommand: unknown key — valid keys here: note, notify, approve/,
    );
  });

  it('a rule below one that always matches, or repeating an earlier condition, can never match', () => {
    const doc = anthropicDocument();
    doc.decision.splice(1, 0, { id: 'catch-all', when: { always: true }, cause: 'healthy', rationale: 'x' });
    expect(problems(doc)).toContain(
      '$.decision[2].when: this rule can never match: rule $.decision[1] (catch-all) above it always matches',
    );
    const twice = anthropicDocument();
    twice.decision.splice(3, 0, { ...twice.decision[2], id: 'key-rejected-again' });
    expect(problems(twice)).toEqual([
      '$.decision[3].when: this rule can never match: rule key-rejected above it has the same condition',
    ]);
  });

  it('a rule an earlier, wider rule always decides first can never match', () => {
    // A 500 on messages is a 5xx on messages: the outage rule, moved above, takes every round the overload rule would.
    const doc = anthropicDocument();
    const outage = doc.decision.findIndex((r: { id: string }) => r.id === 'server-errors');
    doc.decision.splice(5, 0, ...doc.decision.splice(outage, 1));
    expect(problems(doc)).toEqual([
      '$.decision[6].when: this rule can never match: rule server-errors above it matches whenever this one does (move this one above it, or narrow that one)',
    ]);
    // Narrower first is a table that reads: the overload rule takes 529s, the outage rule the other 5xx.
    expect(problems(anthropicDocument())).toEqual([]);
    // Any failing messages call, placed above the rules that read messages alone (credits, 529, 5xx),
    // shadows them; rules that also read list_models can still match on it. The last rule repeats it.
    const wide = anthropicDocument();
    wide.decision.splice(2, 0, {
      id: 'any-failure',
      when: { probes: ['messages'], ok: false },
      cause: 'provider_outage',
      rationale: 'x',
    });
    expect(problems(wide).map((p) => p.split(':')[0])).toEqual([
      '$.decision[4].when',
      '$.decision[6].when',
      '$.decision[7].when',
      '$.decision[11].when',
    ]);
  });

  it('a rule on a probe the document does not have, or a contradiction, can never match', () => {
    const doc = anthropicDocument();
    doc.decision[2].when.probes = ['messages', 'list_modles'];
    expect(problems(doc)).toEqual([
      '$.decision[2].when.probes[1]: this rule can never match: unknown probe "list_modles" — known: list_models, messages, latency, dns, status_page',
    ]);
    const contradiction = anthropicDocument();
    contradiction.decision[2].when.ok = true;
    expect(problems(contradiction)).toEqual([
      '$.decision[2].when: this rule can never match: a probe that is ok has no fault and no failing status',
    ]);
  });

  it('the last rule must always match, so every triage ends with a cause', () => {
    const doc = anthropicDocument();
    doc.decision.pop();
    expect(problems(doc)).toEqual([
      '$.decision[10].when: the last rule must be `always: true`, so every triage ends with a cause',
    ]);
  });

  it('a plan that changes production without an approval is refused where the severity requires one', () => {
    const doc = anthropicDocument();
    doc.plans.fallback.unshift({ setEnv: { id: 'early', name: 'ANTHROPIC_FALLBACK', value: 'true' } });
    // Reached through two causes, both P1/P2: each is named.
    expect(problems(doc)).toEqual([
      '$.plans.fallback[0]: setEnv changes production without an approval, and cause provider_outage is P1, which requires one: put it in the `then` of an approve step',
      '$.plans.fallback[0]: setEnv changes production without an approval, and cause overloaded is P2, which requires one: put it in the `then` of an approve step',
    ]);
    // P3 needs no approval: the same step in the performance plan is allowed.
    const p3 = anthropicDocument();
    p3.plans['check-performance'].unshift({ setEnv: { id: 'early', name: 'ANTHROPIC_FALLBACK', value: 'true' } });
    expect(problems(p3)).toEqual([]);
  });

  it('a probe naming a URL of its own, or sending a credential of its own, is refused', () => {
    const doc = anthropicDocument();
    doc.probes.triage[1].path = 'https://collector.example/v1/messages';
    doc.probes.triage[0].path = '//collector.example/v1/models';
    doc.probes.triage[0].headers = { 'X-Api-Key': 'sk-ant-mine' };
    expect(problems(doc)).toEqual([
      '$.probes.triage[0].path: "//collector.example/v1/models" is not a path on the catalog entry\'s base URL: a probe names no URL or host of its own (write it like /v1/messages)',
      "$.probes.triage[0].headers.X-Api-Key: a probe sends no credential of its own: the service's key goes only through `auth` (x-api-key), from the catalog",
      '$.probes.triage[1].path: "https://collector.example/v1/messages" is not a path on the catalog entry\'s base URL: a probe names no URL or host of its own (write it like /v1/messages)',
    ]);
  });

  it('plans that lead back to themselves are a cycle', () => {
    const doc = anthropicDocument();
    doc.plans['wait-unchanged'][2] = { goto: 'fallback' };
    expect(problems(doc)).toEqual([
      '$.plans.wait-unchanged[2].goto: plans form a cycle: fallback → wait-unchanged → fallback',
    ]);
  });

  it('references resolve: plans, causes, objects, settings and an askSecret before the applySecret', () => {
    const doc = anthropicDocument();
    doc.causes.healthy.plan = 'false-alarms';
    doc.plans['rotate-key'][2].approve.then[0].applySecret.secret = 'apiKeys';
    doc.plans['rotate-key'][1].askSecret.id = 'other-reference';
    doc.plans.credits[1].approve.description = 'Suspend {settings.batchSelectr}';
    doc.plans.credits[2].approve.description = 'Within {settings.batchSelector|s}';
    expect(problems(doc)).toEqual([
      '$.causes.healthy.plan: unknown plan "false-alarms" — known: rotate-key, credits, credits-not-confirmed, fallback, fallback-kept, wait-unchanged, reduce-concurrency, concurrency-kept, wait-unchanged-limited, check-network, check-performance, false-alarm',
      '$.plans.rotate-key[2].approve.then[0].applySecret.secret: unknown secret object "apiKeys" — known: apiKey',
      '$.plans.rotate-key[2].approve.then[0].applySecret.from: "new-key-reference" is not an askSecret step earlier in this plan',
      '$.plans.credits[1]: unknown setting "batchSelectr" — known: secretName, secretKey, batchSelector, reducedConcurrency, keyPropagationMs, topUpPropagationMs',
      '$.plans.credits[2]: "{settings.batchSelector|s}" reads a time in ms: batchSelector is not an integer setting',
    ]);
  });

  it('an approval holds only the changes it approves: waiting or ending the plan inside one is refused', () => {
    const doc = anthropicDocument();
    doc.plans.fallback[0].approve.then.push({ waitForRecovery: {} });
    expect(problems(doc)).toEqual([
      "$.plans.fallback[0].approve.then[3].waitForRecovery: an approval's `then` holds only the changes it approves and their notes (note, setEnv, applySecret, suspendCronJobs, restart, waitForRollout, mitigated, reverting, revert, keep); put waitForRecovery after the approve step",
    ]);
  });

  it('a percentile over an unknown threshold, a report of an unknown cause and an unknown cause in corroboration are refused', () => {
    const doc = anthropicDocument();
    doc.decision.splice(0, 0, {
      id: 'slow-p95',
      when: { probes: ['messages'], latencyPercentile: { percentile: 95, over: 'slowP95Ms', withHistory: true } },
      cause: 'degraded_performance',
      rationale: 'P95 is {percentile} s over {samples} samples',
    });
    doc.decision.splice(1, 0, { id: 'told', when: { reported: 'bad_pictures' }, cause: 'healthy', rationale: 'x' });
    doc.corroboration = { notFaults: ['prompt_issue'], table: [{ causes: ['outage'], confidence: 'high' }] };
    expect(problems(doc)).toEqual([
      '$.decision[0].when.latencyPercentile.over: unknown threshold "slowP95Ms" — known: slowMs',
      expect.stringMatching(/^\$\.decision\[1\]\.when\.reported: unknown cause "bad_pictures" — known: network_dns, /),
      expect.stringMatching(/^\$\.corroboration\.notFaults\[0\]: unknown cause "prompt_issue"/),
      expect.stringMatching(/^\$\.corroboration\.table\[0\]\.causes\[0\]: unknown cause "outage"/),
    ]);
  });

  it('cite selects results, and a placeholder names an askSecret step of the plan', () => {
    const doc = anthropicDocument();
    doc.decision[0].cite = [{ every: true, probes: ['messages'] }];
    doc.plans['rotate-key'][0] = { note: 'handed over: {secrets.the-new-key}' };
    expect(problems(doc)).toEqual([
      '$.decision[0].cite[0]: cite selects results by probes and result fields; every has no place here',
      '$.plans.rotate-key[0]: "{secrets.the-new-key}" names no askSecret step earlier in this plan',
    ]);
  });

  it('a setting read from a variable has its type, and only service variables may set one', () => {
    const doc = anthropicDocument();
    doc.settings.batchSelector.variable = 'RUNBOOK_BATCH_SELECTOR';
    expect(problems(doc)).toEqual([]);
    doc.settings.reducedConcurrency.variable = 'RUNBOOK_K8S_SECRET';
    expect(problems(doc)).toEqual([
      '$.settings.reducedConcurrency.variable: RUNBOOK_K8S_SECRET is a string; this setting is an integer',
    ]);
    doc.settings.reducedConcurrency.variable = 'RUNBOOK_SLACK_BOT_TOKEN';
    expect(problems(doc)[0]).toMatch(/^\$\.settings\.reducedConcurrency\.variable: /);
  });
  it('the options of approve, confirmFix and waitForRecovery name settings of their type and fit together', () => {
    const doc = anthropicDocument();
    doc.plans.credits[1].approve.autoApproveSeverities = ['P1'];
    doc.plans.credits[1].approve.onSuperseded = 'startOver';
    doc.plans.credits[2] = {
      confirmFix: {
        id: 'confirm-credits-added',
        description: 'Confirm',
        graceSetting: 'batchSelector',
        stillFailing: 'x',
      },
    };
    doc.plans.credits[3] = { waitForRecovery: { escalateAfterSetting: 'secretKey' } };
    expect(problems(doc)).toEqual([
      '$.plans.credits[1].approve.autoApproveSeverities: autoApproveSeverities qualifies autoApproveWhen: name the boolean setting that allows the approval',
      '$.plans.credits[1].approve.onSuperseded: only a request asked whileRecovered is superseded by a failing real call: add whileRecovered: true',
      '$.plans.credits[2].confirmFix.graceSetting: unknown integer setting "batchSelector" — known: reducedConcurrency, keyPropagationMs, topUpPropagationMs',
      '$.plans.credits[3].waitForRecovery.escalateAfterSetting: unknown integer setting "secretKey" — known: reducedConcurrency, keyPropagationMs, topUpPropagationMs',
    ]);
  });
});
