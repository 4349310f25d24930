// `npm run build:workflows` → dist/workflow-bundle.js, loaded by the worker when RUNBOOK_WORKFLOW_BUNDLE points at it.
import { resolve } from 'node:path';
import { buildWorkflowBundle, WORKFLOWS_PATH } from '../src/infra/workflow-bundle.ts';
import { PROJECT_ROOT } from '../src/infra/temporal-binary.ts';

const outFile = resolve(process.argv[2] ?? resolve(PROJECT_ROOT, 'dist', 'workflow-bundle.js'));
const { bytes } = await buildWorkflowBundle(WORKFLOWS_PATH, outFile);
process.stdout.write(`workflow bundle: ${outFile} (${Math.round(bytes / 1024)} KiB)\n`);
