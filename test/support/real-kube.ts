/**
 * A real etcd + kube-apiserver for tests, on loopback ports, no controller-manager, no nodes.
 *
 * Binaries come from `scripts/build-kube-binaries.sh` (built from Go modules into
 * `${RUNBOOK_KUBE_CACHE:-~/.cache/runbook-engine/kube}/<k8s-version>/bin`), or from
 * `RUNBOOK_KUBE_BIN_DIR` (a directory holding `kube-apiserver` and `etcd`).
 *
 * What "no controller-manager" means for tests: Deployments/ReplicaSets are stored but never
 * produce pods, status is whatever you write to the status subresource, namespaces deleted
 * stay Terminating forever (use a fresh namespace per test), and no `default` ServiceAccount is
 * created (createServiceAccountToken creates the account it needs).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface RealKubeBinaries {
  apiserver: string;
  etcd: string;
}

export interface RealKube {
  /** Kubeconfig with the admin (system:masters) token and the serving cert as CA. */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** Static bearer token of user `runbook-admin`, group `system:masters`. */
  adminToken: string;
  /** PEM of the self-signed serving cert (the CA to trust). */
  caPem: string;
  /** Directory holding certs, keys, logs, etcd data; removed by stop(). */
  dir: string;
  /**
   * A bound token for ServiceAccount `namespace/name` via the TokenRequest API. Creates the
   * namespace and the ServiceAccount first if they do not exist (there is no controller-manager).
   * It authenticates as `system:serviceaccount:<namespace>:<name>` with only the RBAC you grant.
   */
  createServiceAccountToken(namespace: string, name: string, opts?: { expirationSeconds?: number }): Promise<string>;
  /** Writes a kubeconfig for another bearer token (e.g. a service account's); returns its path. */
  writeKubeconfig(token: string, name?: string): Promise<string>;
  /** Raw admin request against the apiserver; resolves with status and parsed JSON body (if any). */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** Stops kube-apiserver then etcd and removes `dir` (kept if RUNBOOK_KUBE_KEEP=1). Idempotent. */
  stop(): Promise<void>;
}

export interface StartRealKubeOptions {
  binaries?: RealKubeBinaries;
  /** How long to wait for etcd /health and apiserver /readyz; default 120 s (2 cores, cold start). */
  readyTimeoutMs?: number;
  /** Extra kube-apiserver flags (`--name=value`), appended last so they win. */
  extraApiserverArgs?: string[];
}

const execFileP = promisify(execFile);

const defaultCacheRoot = (): string =>
  process.env.RUNBOOK_KUBE_CACHE ?? join(homedir(), '.cache', 'runbook-engine', 'kube');

/** Compare `v1.37.2`-style directory names numerically, newest first. */
function byVersionDesc(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split('.').map(Number);
  const pb = b.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pb[i] ?? 0) - (pa[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function binariesIn(dir: string): RealKubeBinaries | undefined {
  const apiserver = join(dir, 'kube-apiserver');
  const etcd = join(dir, 'etcd');
  const isFile = (p: string): boolean => existsSync(p) && statSync(p).isFile();
  return isFile(apiserver) && isFile(etcd) ? { apiserver, etcd } : undefined;
}

/**
 * The kube-apiserver/etcd binaries to use: `RUNBOOK_KUBE_BIN_DIR` if set (and only it), else the
 * newest `<cache>/<version>/bin` holding both (or `<cache>/$RUNBOOK_KUBE_VERSION/bin` if set).
 */
export function realKubeBinaries(): RealKubeBinaries | undefined {
  const override = process.env.RUNBOOK_KUBE_BIN_DIR;
  if (override) return binariesIn(override);
  const root = defaultCacheRoot();
  if (!existsSync(root)) return undefined;
  const pinned = process.env.RUNBOOK_KUBE_VERSION;
  const versions = pinned
    ? [pinned]
    : readdirSync(root)
        .filter((v) => /^v\d+\.\d+\.\d+$/.test(v))
        .sort(byVersionDesc);
  for (const v of versions) {
    const found = binariesIn(join(root, v, 'bin'));
    if (found) return found;
  }
  return undefined;
}

export const REAL_KUBE_BUILD_HINT =
  'Real kube-apiserver/etcd binaries not found: the real-apiserver tests are SKIPPED. Build them once ' +
  '(Go >= 1.26, module proxy access; ~15-25 min on 2 cores) with `scripts/build-kube-binaries.sh`, ' +
  'or point RUNBOOK_KUBE_BIN_DIR at a directory holding kube-apiserver and etcd.';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Proc {
  child: ChildProcess;
  logPath: string;
  exited: Promise<number | null>;
  hasExited: () => boolean;
}

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort if a test run dies without calling stop(): never leave etcd/apiserver behind.
  process.on('exit', () => {
    for (const c of liveChildren) c.kill('SIGKILL');
  });
}

function launch(bin: string, args: string[], logPath: string): Proc {
  installExitHook();
  const log = createWriteStream(logPath);
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  liveChildren.add(child);
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    const finish = (code: number | null): void => {
      if (done) return;
      done = true;
      liveChildren.delete(child);
      log.end();
      resolve(code);
    };
    child.on('exit', (code) => finish(code));
    child.on('error', (err) => {
      log.write(`spawn error: ${err.message}\n`);
      finish(-1);
    });
  });
  return { child, logPath, exited, hasExited: () => done };
}

async function terminate(p: Proc, graceMs = 10_000): Promise<void> {
  if (p.hasExited()) return;
  p.child.kill('SIGTERM');
  const timedOut = await Promise.race([p.exited.then(() => false), sleep(graceMs).then(() => true)]);
  if (timedOut) {
    p.child.kill('SIGKILL');
    await p.exited;
  }
}

async function logTail(path: string, lines = 40): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

interface HttpResult {
  status: number;
  text: string;
}

function httpGet(url: string, ca?: string, token?: string): Promise<HttpResult> {
  return doRequest('GET', url, undefined, ca, token);
}

function doRequest(method: string, url: string, body: unknown, ca?: string, token?: string): Promise<HttpResult> {
  const u = new URL(url);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (payload !== undefined) {
    headers['content-type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    };
    const req =
      u.protocol === 'https:'
        ? httpsRequest(u, { method, headers, ca, timeout: 10_000 }, onResponse)
        : httpRequest(u, { method, headers, timeout: 10_000 }, onResponse);
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.on('error', reject);
    req.end(payload);
  });
}

async function waitFor(what: string, proc: Proc, deadline: number, probe: () => Promise<boolean>): Promise<void> {
  let lastError = '';
  while (Date.now() < deadline) {
    if (proc.hasExited()) {
      throw new Error(`${what} exited during startup; log ${proc.logPath}:\n${await logTail(proc.logPath)}`);
    }
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    await sleep(250);
  }
  throw new Error(`${what} not ready in time (${lastError}); log ${proc.logPath}:\n${await logTail(proc.logPath)}`);
}

function kubeconfigYaml(server: string, caPem: string, user: string, token: string): string {
  const ca = Buffer.from(caPem).toString('base64');
  // JSON is valid YAML; every kubeconfig loader accepts it.
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'real-kube', cluster: { server, 'certificate-authority-data': ca } }],
      users: [{ name: user, user: { token } }],
      contexts: [{ name: `${user}@real-kube`, context: { cluster: 'real-kube', user, namespace: 'default' } }],
      'current-context': `${user}@real-kube`,
    },
    null,
    2,
  );
}

/** Starts etcd + kube-apiserver; resolves once /readyz is ok. Call stop() in afterAll. */
export async function startRealKube(opts: StartRealKubeOptions = {}): Promise<RealKube> {
  const bins = opts.binaries ?? realKubeBinaries();
  if (!bins) throw new Error(REAL_KUBE_BUILD_HINT);
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 120_000);
  const dir = await mkdtemp(join(tmpdir(), 'real-kube-'));
  const procs: Proc[] = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const p of [...procs].reverse()) await terminate(p);
    if (process.env.RUNBOOK_KUBE_KEEP !== '1') await rm(dir, { recursive: true, force: true });
  };

  try {
    // --- credentials
    const certPath = join(dir, 'serving.crt');
    const keyPath = join(dir, 'serving.key');
    await execFileP('openssl', [
      'req',
      '-x509',
      '-nodes',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      '/CN=real-kube-apiserver',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc',
    ]);
    const caPem = await readFile(certPath, 'utf8');

    const sa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const saPub = join(dir, 'sa.pub');
    const saKey = join(dir, 'sa.key');
    await writeFile(saPub, sa.publicKey.export({ type: 'spki', format: 'pem' }));
    await writeFile(saKey, sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });

    const adminToken = randomBytes(24).toString('hex');
    const tokensPath = join(dir, 'tokens.csv');
    await writeFile(tokensPath, `${adminToken},runbook-admin,runbook-admin-uid,"system:masters"\n`, { mode: 0o600 });

    // --- etcd
    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const peerUrl = `http://127.0.0.1:${etcdPeer}`;
    const etcd = launch(
      bins.etcd,
      [
        '--name=real-kube',
        `--data-dir=${join(dir, 'etcd-data')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=real-kube=${peerUrl}`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
      join(dir, 'etcd.log'),
    );
    procs.push(etcd);
    await waitFor('etcd', etcd, deadline, async () => {
      const r = await httpGet(`${etcdUrl}/health`);
      return r.status === 200 && r.text.includes('"health":"true"');
    });

    // --- kube-apiserver
    const server = `https://127.0.0.1:${apiPort}`;
    const apiserver = launch(
      bins.apiserver,
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--tls-cert-file=${certPath}`,
        `--tls-private-key-file=${keyPath}`,
        `--cert-dir=${join(dir, 'certs')}`,
        `--token-auth-file=${tokensPath}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${saPub}`,
        `--service-account-signing-key-file=${saKey}`,
        '--authorization-mode=RBAC',
        '--service-cluster-ip-range=10.96.0.0/16',
        // No controller-manager: nothing would create the `default` ServiceAccount pods need.
        '--disable-admission-plugins=ServiceAccount',
        // Loopback is not a valid endpoint IP for the `kubernetes` Service; skip reconciling it.
        '--endpoint-reconciler-type=none',
        '--allow-privileged=true',
        '--profiling=false',
        '--v=0',
        ...(opts.extraApiserverArgs ?? []),
      ],
      join(dir, 'kube-apiserver.log'),
    );
    procs.push(apiserver);
    await waitFor('kube-apiserver', apiserver, deadline, async () => {
      const r = await httpGet(`${server}/readyz`, caPem, adminToken);
      return r.status === 200;
    });

    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeconfigYaml(server, caPem, 'runbook-admin', adminToken), { mode: 0o600 });

    const request = async (
      method: string,
      path: string,
      body?: unknown,
    ): Promise<{ status: number; body: unknown }> => {
      const r = await doRequest(method, `${server}${path}`, body, caPem, adminToken);
      let parsed: unknown = r.text;
      try {
        parsed = r.text ? JSON.parse(r.text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      return { status: r.status, body: parsed };
    };

    const ensure = async (path: string, body: unknown): Promise<void> => {
      const r = await request('POST', path, body);
      if (r.status !== 201 && r.status !== 409) throw new Error(`POST ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    };

    let kubeconfigs = 0;
    return {
      kubeconfigPath,
      server,
      adminToken,
      caPem,
      dir,
      request,
      stop,
      async createServiceAccountToken(namespace, name, tokenOpts = {}) {
        await ensure('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
        await ensure(`/api/v1/namespaces/${namespace}/serviceaccounts`, {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name, namespace },
        });
        const path = `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`;
        const r = await request('POST', path, {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: { expirationSeconds: tokenOpts.expirationSeconds ?? 3600 },
        });
        const token = (r.body as { status?: { token?: string } } | undefined)?.status?.token;
        if (r.status !== 201 || !token) throw new Error(`TokenRequest ${path}: ${r.status} ${JSON.stringify(r.body)}`);
        return token;
      },
      async writeKubeconfig(token, name = 'token-user') {
        const path = join(dir, `kubeconfig-${++kubeconfigs}`);
        await writeFile(path, kubeconfigYaml(server, caPem, name, token), { mode: 0o600 });
        return path;
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
