// src/runbooks/documents: runbooks written as YAML documents — the schema, its validation, and the pure compiler into a RunbookDefinition.
/**
 * A runbook document compiled into the engine's RunbookDefinition: deterministic and pure, so the
 * workflow compiles the document its incident pinned (docs/runbooks.md). The engine runs it like
 * any runbook; nothing here is particular to one provider.
 */
import type { ProbeSpecInput } from '../../contract/index.ts';
import type { RunbookDefinition } from '../types.ts';
import { classifyByDocument } from './decision.ts';
import { runDocumentPlan } from './plans.ts';
import type { DocumentProbe, RunbookDocument } from './schema.ts';
import { documentSettings } from './settings.ts';

function probeSpec(doc: RunbookDocument, p: DocumentProbe): ProbeSpecInput {
  switch (p.kind) {
    case 'http': {
      const { kind, authenticated, ...rest } = p;
      return { kind, ...rest, ...(authenticated ? { auth: doc.auth } : {}) };
    }
    case 'statusPage':
      return {
        kind: 'http',
        id: p.id,
        description: p.description,
        method: 'GET',
        path: '',
        urlFrom: 'statusPageUrl',
        billed: false,
        timeoutMs: p.timeoutMs,
        extractField: 'status.indicator',
        expectJson: ['status.indicator'],
      };
    case 'dns':
      return { kind: 'dns', id: p.id, description: p.description, timeoutMs: p.timeoutMs };
    case 'timing':
      return { kind: 'timing', id: p.id, description: p.description, after: p.of, timeoutMs: 30_000 };
    case 'download':
      return { kind: 'download', id: p.id, description: p.description, after: p.of, timeoutMs: p.timeoutMs };
  }
}

export function compileRunbookDocument(doc: RunbookDocument): RunbookDefinition {
  const probes = new Map(doc.probes.triage.map((p) => [p.id, probeSpec(doc, p)]));
  const hint = probes.get(doc.evidence.hint)!;
  const real = doc.evidence.real.map((id) => ({
    ...probes.get(id)!,
    description: `Real check: ${probes.get(id)!.description}`,
  }));
  return {
    id: doc.metadata.id,
    title: doc.metadata.title,
    defaultService: {
      name: doc.service.name,
      baseUrl: doc.service.baseUrl,
      statusPageUrl: doc.service.statusPageUrl,
      apiHost: doc.service.apiHost,
      apiKeyRef: { kind: 'env', name: doc.service.keyEnv },
      kubernetes: doc.service.kubernetes,
      settings: {},
    },
    triageProbes: [...probes.values()],
    evidence: {
      decisive: doc.evidence.decisive,
      hint,
      real,
      healthyCause: doc.evidence.healthyCause,
      certainCauses: doc.evidence.certain,
    },
    classify: (results, history, context) => {
      const { rule: _rule, ...decision } = classifyByDocument(doc, results, history, context);
      return decision;
    },
    causes: Object.fromEntries(
      Object.entries(doc.causes).map(([id, c]) => [
        id,
        {
          severity: c.severity,
          summary: c.summary,
          impact: c.impact,
          action: c.action,
          actionItems: c.actionItems,
          ...(c.confirm ? { confirm: true } : {}),
          remediate: (ctx) => runDocumentPlan(doc, c.plan, ctx),
        },
      ]),
    ),
    settings: documentSettings(doc),
  };
}

/** The severity table's SLAs and update intervals as the engine's timings (ms). */
export function documentTimings(doc: RunbookDocument): {
  slaMs: Record<string, number>;
  updateEveryMs: Record<string, number>;
} {
  const levels = Object.entries(doc.severities);
  return {
    slaMs: Object.fromEntries(levels.map(([p, s]) => [p, s.responseMinutes * 60_000])),
    updateEveryMs: Object.fromEntries(
      levels.filter(([, s]) => s.updateEveryMinutes !== undefined).map(([p, s]) => [p, s.updateEveryMinutes! * 60_000]),
    ),
  };
}
