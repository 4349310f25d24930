/**
 * What a process must release before it can end, registered by whoever acquired it (no imports:
 * the CLI reads it after every command, including those that never load the Temporal SDK).
 */
const releases: Array<() => Promise<void>> = [];

export function releaseAtProcessEnd(release: () => Promise<void>): void {
  releases.push(release);
}

export async function releaseForProcessEnd(): Promise<void> {
  for (const release of releases.splice(0)) await release();
}
