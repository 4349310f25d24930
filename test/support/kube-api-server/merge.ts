/** The slices of Kubernetes patch semantics the remediations rely on. */

type Json = unknown;
type Obj = Record<string, Json>;
const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386 JSON merge patch: objects merge, `null` deletes, arrays replace. */
export function jsonMergePatch(target: Json, patch: Json): Json {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = jsonMergePatch(out[k], v);
  }
  return out;
}

/** Lists merged by a key (patchMergeKey in the Kubernetes API types), by field name. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  ports: 'containerPort',
};

/**
 * Strategic merge patch as the apiserver applies it to Deployments/CronJobs: like a merge patch,
 * but lists with a merge key merge item by item, and `$patch: delete` removes an item.
 */
export function strategicMergePatch(target: Json, patch: Json, field = ''): Json {
  if (Array.isArray(patch)) {
    const mergeKey = MERGE_KEYS[field];
    if (!mergeKey) return structuredClone(patch);
    const out = (Array.isArray(target) ? structuredClone(target) : []) as Obj[];
    for (const item of patch as Obj[]) {
      const index = out.findIndex((existing) => existing[mergeKey] === item[mergeKey]);
      if (item.$patch === 'delete') {
        if (index >= 0) out.splice(index, 1);
        continue;
      }
      if (index >= 0) out[index] = strategicMergePatch(out[index], item) as Obj;
      else out.push(strategicMergePatch({}, item) as Obj);
    }
    return out;
  }
  if (!isObj(patch)) return structuredClone(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (v === null) delete out[k];
    else out[k] = strategicMergePatch(out[k], v, k);
  }
  return out;
}
