/** A document's settings: declared with type and default, validated strictly per catalog entry. */
import { z } from 'zod';
import type { ServiceTarget } from '../../contract/index.ts';
import { settingsProblems } from '../kit/settings-problems.ts';
import type { RunbookSettings } from '../types.ts';
import type { RunbookDocument } from './schema.ts';

export function settingsSchema(doc: RunbookDocument) {
  const shape = Object.fromEntries(
    Object.entries(doc.settings).map(([name, s]) => {
      const type: z.ZodType =
        s.type === 'string' ? z.string().min(1) : s.type === 'integer' ? z.number().int() : z.boolean();
      return [name, type.default(s.default)];
    }),
  );
  return z.object(shape).strict();
}

/** The settings of one service: the document's defaults, then the catalog entry's `target.settings`. */
export function settingsOf(doc: RunbookDocument, service: ServiceTarget): Record<string, string | number | boolean> {
  const defaults = Object.fromEntries(Object.entries(doc.settings).map(([name, s]) => [name, s.default]));
  return { ...defaults, ...(service.settings as Record<string, string | number | boolean> | undefined) };
}

const fill = (text: string, settings: Record<string, unknown>) =>
  text.replace(/\{settings\.([A-Za-z0-9_-]+)\}/g, (m, name: string) =>
    settings[name] === undefined ? m : String(settings[name]),
  );

export function documentSettings(doc: RunbookDocument): RunbookSettings {
  return {
    validate: (raw) => settingsProblems(settingsSchema(doc), raw),
    // A catalog file sets them (target.settings); a setting with a `variable` also comes from it.
    fromConfig: (config) =>
      Object.fromEntries(
        Object.entries(doc.settings).flatMap(([name, s]) =>
          s.variable !== undefined && config[s.variable] !== undefined ? [[name, config[s.variable]]] : [],
        ),
      ),
    ownObjects: (service) => {
      const s = settingsOf(doc, service);
      return {
        secrets: Object.values(doc.objects.secrets).map((o) => ({ name: fill(o.name, s), key: fill(o.key, s) })),
        cronJobSelectors: Object.values(doc.objects.cronJobs).map((o) => fill(o.selector, s)),
      };
    },
  };
}
