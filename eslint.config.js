// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Workflow code is replayed: it must not reach I/O, clocks or Node built-ins directly. */
export const workflowRestrictedImports = {
  patterns: [
    {
      group: ['node:*'],
      message: 'Workflow code is deterministic: do I/O in an activity (src/activities).',
    },
    {
      group: [
        'fs',
        'fs/*',
        'path',
        'os',
        'http',
        'https',
        'net',
        'dns',
        'dns/*',
        'child_process',
        'crypto',
        'stream',
        'stream/*',
        'url',
        'util',
        'events',
        'timers',
        'timers/*',
        'worker_threads',
        'zlib',
        'tls',
        'process',
        'buffer',
        'readline',
        'cluster',
        'dgram',
        'http2',
        'perf_hooks',
        'vm',
      ],
      message: 'Node built-ins are not available in workflow code: move this into an activity.',
    },
    {
      group: ['undici', 'undici/*', 'pino', 'pino-*', '@kubernetes/client-node', '@kubernetes/*'],
      message: 'I/O libraries belong in activities (src/activities); workflows call them via proxyActivities.',
    },
    {
      group: ['**/activities/**', '**/activities', '**/worker/**', '**/cli/**', '**/simulator/**'],
      allowTypeImports: true,
      message: 'Workflows may only import activity *types* (import type).',
    },
  ],
};

/**
 * Every patch is named, with its retirement condition, in src/workflows/patches.ts (docs/upgrades.md):
 * workflow code reaches the SDK's patching through that registry only.
 */
export const patchOutsideRegistry = {
  name: '@temporalio/workflow',
  importNames: ['patched', 'deprecatePatch'],
  message:
    'Patches are named in src/workflows/patches.ts: register the patch there and call isPatched / deprecatedPatch with its id.',
};

/** Client code (CLI, app, bench, test support) may see workflow code's types, never load it. */
export const clientRestrictedImports = {
  patterns: [
    {
      group: ['**/workflows', '**/workflows/**'],
      allowTypeImports: true,
      message:
        'Clients import workflow code with `import type` only: start it with client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, …).',
    },
  ],
};

/** Signals, queries and updates go through their definitions in src/contract; incident starts are typed. */
export const typedBoundaryRules = [
  {
    selector:
      'CallExpression[callee.property.name=/^(signal|query|executeUpdate|startUpdate)$/][arguments.0.type=/^(Literal|TemplateLiteral)$/]',
    message: 'Send signals, queries and updates through their definitions in src/contract/signals.ts, never by name.',
  },
  {
    selector:
      "CallExpression[callee.property.name=/^(start|execute|signalWithStart)$/][arguments.0.name='INCIDENT_WORKFLOW_TYPE']:not([typeArguments])",
    message:
      'Start the incident workflow typed: client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, …) (src/app/incident-workflow.ts), no cast.',
  },
];

/**
 * zod is evaluated once per workflow thread and frozen (src/workflows/preload.ts): string formats
 * whose pattern is one of zod's module-level regexes reset its lastIndex on every check, which a
 * frozen regex refuses. In workflow code, write the pattern with .regex() instead.
 */
export const sharedZodRules = [
  {
    selector:
      'CallExpression[callee.property.name=/^(email|guid|nanoid|cuid|cuid2|ulid|xid|ksuid|duration|ipv4|ipv6|cidrv4|cidrv6|base64|base64url|e164|creditCard|lowercase|uppercase)$/]',
    message:
      "zod is shared and frozen in workflows: this format checks with zod's own (frozen) regex. Use .regex(/…/) with a pattern of this module.",
  },
  {
    selector: "CallExpression[callee.object.property.name='iso'][callee.property.name=/^(date|duration)$/]",
    message:
      "zod is shared and frozen in workflows: this format checks with zod's own (frozen) regex. Use .regex(/…/) with a pattern of this module.",
  },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.tools/**', '.data/**', 'coverage/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/workflows/**/*.ts', 'src/runbooks/**/*.ts', 'src/contract/**/*.ts'],
    ignores: ['src/workflows/patches.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { ...workflowRestrictedImports, paths: [patchOutsideRegistry] },
      ],
    },
  },
  {
    files: ['src/workflows/patches.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', workflowRestrictedImports] },
  },
  {
    // Clients know the incident workflow by its type only: a value import would load workflow code into a client.
    files: ['src/app/**/*.ts', 'src/cli/**/*.ts', 'src/server/**/*.ts', 'bench/**/*.ts', 'test/support/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', clientRestrictedImports] },
  },
  {
    files: ['src/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-restricted-syntax': ['error', ...typedBoundaryRules] },
  },
  {
    files: ['src/workflows/**/*.ts', 'src/runbooks/**/*.ts', 'src/contract/**/*.ts'],
    rules: { 'no-restricted-syntax': ['error', ...typedBoundaryRules, ...sharedZodRules] },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { projectService: false },
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
  },
);
