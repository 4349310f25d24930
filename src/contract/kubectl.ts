import type { MutationKind, MutationOp, MutationOpOf } from './mutations.ts';

/**
 * The kubectl command a human would type for each kind of change: one pure renderer per kind (a kind
 * without one does not compile), so the approval text a plan shows and the equivalent the target
 * records cannot drift apart. No I/O: workflow code and activities both import it.
 */
const renderers: { [K in MutationKind]: (op: MutationOpOf<K>) => string } = {
  'set-env': (op) =>
    `kubectl set env deployment/${op.deployment} ${shellWord(`${op.name}=${op.value}`)}${containerFlag(op.container)} ${namespaceFlag(op.namespace)}`,
  'rollout-restart': (op) => `kubectl rollout restart deployment/${op.deployment} ${namespaceFlag(op.namespace)}`,
  // Server-side apply with our field manager: it takes the key over from whoever wrote it last,
  // as the target's guarded write does. The value stays in the shell variable, never in the text.
  'apply-secret': (op) =>
    `kubectl create secret generic ${op.secretName} --from-literal=${op.key}="$NEW_KEY" --dry-run=client -o yaml | kubectl apply --server-side --force-conflicts --field-manager=runbook-engine ${namespaceFlag(op.namespace)} -f -`,
  'suspend-cronjobs': (op) =>
    `kubectl get cronjob -l ${op.selector} ${namespaceFlag(op.namespace)} -o name | xargs -I{} kubectl patch {} ${namespaceFlag(op.namespace)} -p '{"spec":{"suspend":true}}'`,
};

export function kubectlEquivalent(op: MutationOp): string {
  // TypeScript cannot correlate `op.kind` with the renderer it picks; the mapped type above does.
  const render = renderers[op.kind] as (op: MutationOp) => string;
  return render(op);
}

export const namespaceFlag = (namespace: string): string => `-n ${namespace}`;

const containerFlag = (container: string | undefined): string => (container ? ` -c ${container}` : '');

/** Quotes a value for a POSIX shell only when it needs it, so plain values read as the runbook writes them. */
export const shellWord = (value: string): string =>
  /^[A-Za-z0-9_.,:/@%+=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
