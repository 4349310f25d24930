import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import { issueLoginLinkFile, loginLinkDir } from '../../server/login-links.ts';
import { consoleUrl, localIdentity } from '../../server/local-identity.ts';
import type { CliContext } from '../context.ts';
import { UsageError } from '../errors.ts';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('login-link')
    .description(
      'Print a new one-time sign-in link for the local console (`runbook serve` or `runbook dev` on this machine), valid 15 minutes',
    )
    .action(() => {
      const config = loadConfig(ctx.env);
      if (config.RUNBOOK_OIDC_ISSUER)
        throw new UsageError(
          'this console signs people in with OpenID Connect (RUNBOOK_OIDC_ISSUER): sign in with your identity provider; login links are for the local console only',
        );
      const identity = localIdentity(ctx.env);
      const token = issueLoginLinkFile(loginLinkDir(config), identity);
      ctx.stdout.write(
        `Sign in as ${identity.name} (approver; one-time link, valid 15 minutes): ${new URL(`/login/${token}`, consoleUrl(config)).href}\n`,
      );
    });
}
