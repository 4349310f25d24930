import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { EnvSchema } from '../../src/config/index.ts';
import { PROJECT_ROOT } from '../../src/infra/temporal-binary.ts';
import { buildProgram } from '../../src/cli/main.ts';
import {
  PERSISTENCE,
  PLACEMENT_VARIABLES,
  serverEnvironment,
  TEMPORAL_SERVER_VERSION,
  workerConnectionEnvironment,
} from '../../src/infra/prod-topology/settings.ts';
import { DYNAMIC_CONFIG_FILE } from '../../src/infra/prod-topology/temporal-server.ts';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../../src/infra/dev-server.ts';
import type { CliContext } from '../../src/cli/context.ts';

// No Docker engine runs here, so the stack is checked by structure: what `docker compose config` would reject,
// and what would make it start in the wrong order or with settings the engine does not read.
const ServiceSchema = z
  .object({
    image: z
      .string()
      .regex(/^[a-z0-9./_-]+:[A-Za-z0-9._-]+$/, 'image with an explicit tag')
      .optional(),
    build: z.union([z.string(), z.object({ context: z.string() })]).optional(),
    command: z.union([z.string(), z.array(z.string())]).optional(),
    environment: z.record(z.string(), z.string()).optional(),
    ports: z.array(z.string().regex(/^\d+:\d+$/)).optional(),
    depends_on: z
      .record(
        z.string(),
        z.object({ condition: z.enum(['service_started', 'service_healthy', 'service_completed_successfully']) }),
      )
      .optional(),
    healthcheck: z
      .object({ test: z.array(z.string()).min(2) })
      .passthrough()
      .optional(),
  })
  .passthrough()
  .refine((s) => Boolean(s.image) !== Boolean(s.build), 'exactly one of image or build');
const ComposeSchema = z.object({
  services: z.record(z.string(), ServiceSchema),
  volumes: z.record(z.string(), z.unknown()).optional(),
});

const compose = ComposeSchema.parse(parse(readFileSync(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8')));
const services = compose.services;
const service = (name: string) => {
  const s = services[name];
  if (!s) throw new Error(`service ${name} missing`);
  return s;
};

describe('docker-compose.yml', () => {
  it('has the production-like stack', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'ideogram-simulator',
        'postgresql',
        'temporal',
        'temporal-schema',
        'temporal-search-attributes',
        'temporal-ui',
        'worker',
        'worker-previous',
      ].sort(),
    );
    expect(service('temporal').environment?.DB).toBe('postgres12');
    expect(service('temporal').environment?.POSTGRES_SEEDS).toBe('postgresql');
    expect(service('temporal').ports).toContain('7233:7233');
    expect(service('temporal-ui').environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('starts in dependency order with health checks where others wait on health', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(services, `${name} depends on unknown ${dependency}`).toHaveProperty(dependency);
        if (condition === 'service_healthy')
          expect(service(dependency).healthcheck, `${dependency} needs a healthcheck`).toBeDefined();
      }
    }
    expect(service('worker').depends_on).toMatchObject({
      temporal: { condition: 'service_healthy' },
      'temporal-search-attributes': { condition: 'service_completed_successfully' },
      'ideogram-simulator': { condition: 'service_healthy' },
    });
  });

  it('registers every search attribute the contract defines', async () => {
    const { SEARCH_ATTRIBUTE_REGISTRATIONS } = await import('../../src/contract/index.ts');
    const command = JSON.stringify(service('temporal-search-attributes').command);
    for (const sa of SEARCH_ATTRIBUTE_REGISTRATIONS) expect(command).toContain(sa.name);
  });

  it('gives the worker only variables the engine reads, and points it at the stack', () => {
    const known = new Set([
      ...Object.keys(EnvSchema.shape),
      'TEMPORAL_ADDRESS',
      'TEMPORAL_NAMESPACE',
      'TEMPORAL_API_KEY',
      'IDEOGRAM_API_KEY',
    ]);
    for (const worker of ['worker', 'worker-previous']) {
      for (const name of Object.keys(service(worker).environment ?? {}))
        expect(known, `unknown variable ${name} in ${worker}`).toContain(name);
    }
    const env = service('worker').environment ?? {};
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(env.RUNBOOK_SERVICE_BASE_URL).toMatch(/^http:\/\/ideogram-simulator:\d+$/);
    const simulatorPort = String(service('ideogram-simulator').command).match(/--port,(\d+)/)?.[1];
    expect(env.RUNBOOK_SERVICE_BASE_URL).toBe(`http://ideogram-simulator:${simulatorPort}`);
  });

  it("runs versioned workers: the stack's worker makes its build current, the previous build only drains its pinned incidents", () => {
    const worker = service('worker').environment ?? {};
    const previous = service('worker-previous');
    expect(worker).toMatchObject({ RUNBOOK_DEPLOYMENT_NAME: 'runbook-engine', RUNBOOK_MAKE_CURRENT: 'true' });
    expect(EnvSchema.shape.RUNBOOK_DEPLOYMENT_NAME.safeParse(worker.RUNBOOK_DEPLOYMENT_NAME).success).toBe(true);
    // Started only on request (the drain profile), from the image tagged before the rebuild, never taking over.
    expect(previous).toMatchObject({
      profiles: ['drain'],
      image: 'runbook-engine-worker:previous',
      command: ['worker'],
    });
    const { RUNBOOK_MAKE_CURRENT, RUNBOOK_BUILD_ID, ...rest } = previous.environment ?? {};
    expect(RUNBOOK_MAKE_CURRENT).toBe('false');
    expect(RUNBOOK_BUILD_ID).toBe('${RUNBOOK_PREVIOUS_BUILD_ID:-}');
    // Otherwise the same worker: same Temporal, task queue, deployment and services.
    const { RUNBOOK_MAKE_CURRENT: _current, RUNBOOK_BUILD_ID: _build, ...same } = worker;
    expect(rest).toEqual(same);
  });

  it('builds from a Dockerfile whose entry point and commands exist', async () => {
    const dockerfile = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/FROM node:24/);
    expect(existsSync(join(PROJECT_ROOT, 'bin/runbook.js'))).toBe(true);
    expect(dockerfile).toContain('RUNBOOK_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js');
    const sink = { write: () => true } as unknown as CliContext['stdout'];
    const program = await buildProgram({ env: {}, stdout: sink, stderr: sink, stdin: process.stdin });
    const commands = new Set(program.commands.map((c) => c.name()));
    for (const name of ['worker', 'worker-previous', 'ideogram-simulator']) {
      const command = service(name).command;
      const first = Array.isArray(command) ? command[0] : command?.split(' ')[0];
      expect(commands, `${name} runs an unknown CLI command ${first}`).toContain(first);
    }
  });
});

describe('docker-compose.yml and the native production topology (npm run prod:local) are one thing', () => {
  const native = serverEnvironment({
    postgresHost: 'db.example',
    postgresPort: 5432,
    frontendPort: 7233,
    bindIp: '127.0.0.1',
  });

  it('runs the same Temporal server version, and the admin tools of that version', () => {
    expect(service('temporal').image).toBe(`temporalio/server:${TEMPORAL_SERVER_VERSION}`);
    expect(service('temporal-schema').image).toBe(`temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}`);
    expect(service('temporal-search-attributes').image).toBe(`temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}`);
    const cliServer = readFileSync(join(PROJECT_ROOT, 'scripts/build-temporal-server.sh'), 'utf8').match(
      /RUNBOOK_TEMPORAL_SERVER_VERSION:-v([\d.]+)/,
    )?.[1];
    expect(cliServer).toBe(TEMPORAL_SERVER_VERSION);
  });

  it('starts the server the same way, configured by the same environment (placement aside)', () => {
    expect(service('temporal').entrypoint).toEqual(['temporal-server', '--allow-no-auth', 'start']);
    const compose = service('temporal').environment ?? {};
    const placement = (env: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(env).filter(([k]) => !PLACEMENT_VARIABLES.has(k) && k !== 'DYNAMIC_CONFIG_FILE_PATH'),
      );
    expect(placement(compose)).toEqual(placement(native));
    expect(compose.POSTGRES_SEEDS).toBe('postgresql');
    expect(compose.DB_PORT).toBe('5432');
  });

  it('reads the same dynamic config file', () => {
    const mount = (service('temporal').volumes as string[]).find((v) =>
      v.endsWith(`:${service('temporal').environment?.DYNAMIC_CONFIG_FILE_PATH}:ro`),
    );
    expect(mount && join(PROJECT_ROOT, mount.split(':')[0]!)).toBe(DYNAMIC_CONFIG_FILE);
  });

  it('sets, in that file, every dynamic config value the dev server runs with by default', () => {
    const file = parse(readFileSync(DYNAMIC_CONFIG_FILE, 'utf8')) as Record<string, Array<{ value: unknown }>>;
    for (const [key, value] of Object.entries(DEV_SERVER_DYNAMIC_CONFIG))
      expect(file[key], key).toEqual([{ value, constraints: {} }]);
  });

  it("sets up the same databases with the server's own schema tool, as the same user", () => {
    const command = String(service('temporal-schema').command);
    expect(command).toContain(`--plugin ${PERSISTENCE.plugin}`);
    expect(command).toContain(`--user ${PERSISTENCE.user}`);
    expect(command).toContain(`${PERSISTENCE.database}:temporal ${PERSISTENCE.visibilityDatabase}:visibility`);
    expect(service('postgresql').environment).toMatchObject({
      POSTGRES_USER: PERSISTENCE.user,
      POSTGRES_PASSWORD: PERSISTENCE.password,
    });
  });

  it('connects the worker through the same TEMPORAL_* variables', () => {
    const worker = service('worker').environment ?? {};
    for (const name of Object.keys(workerConnectionEnvironment('x:1')))
      expect(worker, `worker lacks ${name}`).toHaveProperty(name);
  });
});
