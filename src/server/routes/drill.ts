import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ConsoleDrills } from '../../app/console-drills.ts';
import { formatZodError, RequestRefusedError } from '../../app/errors.ts';
import { identityOf, requireRole } from '../guard.ts';
import { drillPage } from '../views/drill.ts';
import { page } from '../views/layout.ts';

const DrillForm = z.object({
  runbook: z.string().min(1, 'name a runbook'),
  scenario: z.string().min(1, 'name a scenario'),
  autoApprove: z
    .literal('1')
    .optional()
    .transform((v) => v === '1'),
});

/**
 * The Drill page and its form: registered only when the console runs in dev mode (`runbook dev`),
 * so any other console answers 404. Starting a drill is a responder's action, CSRF-checked like every POST.
 */
export function registerDrillRoutes(app: FastifyInstance, drills: ConsoleDrills): void {
  app.addHook('onClose', () => drills.stopAll());

  app.get('/drill', { preHandler: requireRole('responder') }, async (request, reply) => {
    const csrf = reply.generateCsrf();
    return reply
      .type('text/html; charset=utf-8')
      .send(page('Drill', identityOf(request), drillPage(drills.catalog(), csrf), { csrf, drill: true }).text);
  });

  app.post(
    '/drill',
    { preHandler: [requireRole('responder'), app.csrfProtection] },
    async (request: FastifyRequest<{ Body: Record<string, string | undefined> }>, reply) => {
      const parsed = DrillForm.safeParse(request.body ?? {});
      if (!parsed.success) throw new RequestRefusedError(formatZodError(parsed.error, 'form'));
      const identity = identityOf(request);
      const incidentId = await drills.start({ ...parsed.data, startedBy: identity.name });
      return reply.redirect(`/incidents/${encodeURIComponent(incidentId)}`, 303);
    },
  );
}
