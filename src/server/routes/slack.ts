import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { ConsoleDeps } from '../deps.ts';
import { DeliveryQueue } from '../intake/delivery-queue.ts';
import { settleChoice } from '../slack/choice.ts';
import { settleClick } from '../slack/decision.ts';
import { slackClickOf } from '../slack/interaction.ts';
import { ReplayGuard } from '../intake/replay-guard.ts';
import { SLACK_WINDOW_MS, verifySlackInteraction } from '../slack/verify.ts';
import { hookErrorHandler } from '../intake/refusals.ts';

type RawRequest = FastifyRequest<{ Body: Buffer }>;

/**
 * `POST /hooks/slack/interactions`: Slack's interactivity request URL. A click is verified against
 * the raw body, acknowledged at once (Slack wants an answer within 3 s), then carried out in order
 * per step (approvals) or per incident (a hand-over's choices); the outcome reaches Slack through the
 * interaction's response_url. A refused request (401/400) signals nothing.
 */
export async function registerSlackRoutes(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  const log = (app.log as Logger).child({ component: 'slack' });
  // One try per click: a decision the engine refuses is told to the user, not retried; a click
  // that cannot be queued is refused so Slack shows the user it failed.
  const queue = new DeliveryQueue({
    log,
    limit: 1_000,
    attempts: 1,
    backoff: { initialMs: 0, maxMs: 0 },
    what: 'slack decision',
  });
  app.addHook('onClose', () => queue.drain());
  const replays = new ReplayGuard(SLACK_WINDOW_MS);
  const users = deps.config.RUNBOOK_SLACK_USERS ?? {};

  await app.register(async (slack) => {
    // The signature is over the raw bytes: this scope keeps them instead of parsing the form.
    slack.removeContentTypeParser('application/x-www-form-urlencoded');
    slack.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, body),
    );
    slack.setErrorHandler(hookErrorHandler('slack'));

    slack.post('/hooks/slack/interactions', async (request: RawRequest, reply) => {
      verifySlackInteraction(
        deps.config.RUNBOOK_SLACK_SIGNING_SECRET,
        request.headers,
        request.body,
        Date.now(),
        replays,
      );
      const click = slackClickOf(request.body);
      if (!click) return reply.code(200).send();
      const settle = { client: deps.client, users, log };
      // Decisions in order per step; a hand-over's choices in order per incident.
      const queued = queue.offer([
        click.kind === 'decision'
          ? {
              key: `${click.incidentId}/${click.stepId}`,
              about: { fingerprint: click.userId, status: click.decision },
              deliver: () => settleClick(settle, click),
            }
          : {
              key: `${click.incidentId}/choices`,
              about: { fingerprint: click.userId, status: click.action },
              deliver: () => settleChoice(settle, click),
            },
      ]);
      if (!queued)
        return reply
          .code(503)
          .header('retry-after', '5')
          .send({ error: 'too many Slack decisions waiting; try the button again shortly' });
      const what =
        click.kind === 'decision'
          ? { stepId: click.stepId, decision: click.decision }
          : { action: click.action, step: click.step };
      log.info(
        { incidentId: click.incidentId, ...what, slackUser: click.userId, slackTeam: click.teamId },
        'slack click accepted',
      );
      return reply.code(200).send();
    });
  });
}
