import { looksAlike } from '../contract/index.ts';

export const ROLES = ['viewer', 'responder', 'approver'] as const;
export type Role = (typeof ROLES)[number];

/** Who is signed in, and how the console knows it: recorded with every approval given here. */
export interface ConsoleIdentity {
  name: string;
  roles: Role[];
  /** `local-link` for the one-time link of `runbook serve`/`dev`, else the OIDC issuer URL. */
  issuer: string;
  subject: string;
}

/** Each role includes the ones below it: an approver may also respond and view. */
export function rolesFrom(highest: Role): Role[] {
  return ROLES.slice(0, ROLES.indexOf(highest) + 1);
}

export function hasRole(identity: ConsoleIdentity | null, role: Role): boolean {
  return identity !== null && identity.roles.includes(role);
}

/** Fail-closed: a name that renders like the identity's counts as the same person. */
export function samePerson(identity: ConsoleIdentity, name: string | null | undefined): boolean {
  return !!name && looksAlike(identity.name, name);
}
