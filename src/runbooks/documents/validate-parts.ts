/** What every part of document validation shares: the problem shape and the wording of an unknown name. */
export interface DocumentProblem {
  path: (string | number)[];
  message: string;
}

export const known = (what: string, name: string, names: string[]) =>
  `unknown ${what} "${name}" — known: ${names.join(', ') || 'none'}`;
