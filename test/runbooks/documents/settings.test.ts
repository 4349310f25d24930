import { describe, expect, it } from 'vitest';
import { compileRunbookDocument } from '../../../src/runbooks/documents/compile.ts';
import { validateRunbookDocument } from '../../../src/runbooks/documents/validate.ts';
import { anthropicDocument } from './support.ts';

describe('document settings from variables', () => {
  it('a setting with a variable takes its value for the variable-built service; unset variables and others stay out', () => {
    const raw = anthropicDocument();
    raw.settings.batchSelector.variable = 'RUNBOOK_BATCH_SELECTOR';
    const checked = validateRunbookDocument(raw);
    if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
    const settings = compileRunbookDocument(checked.document).settings;
    expect(settings.fromConfig({ RUNBOOK_BATCH_SELECTOR: 'team=batch', RUNBOOK_K8S_SECRET: 'other' })).toEqual({
      batchSelector: 'team=batch',
    });
    expect(settings.fromConfig({})).toEqual({});
  });
});
