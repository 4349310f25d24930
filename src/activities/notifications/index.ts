// STUB — owned by the notifications helper (issue 8); replace freely, keep the exported names.
import type { DeliveryResult, NotificationMessage } from '../../contract/index.ts';

export interface NotificationDeps {
  slackWebhookUrls: string[];
  webhookUrls: string[];
  /** Drills: append each message to this file (and/or print it). */
  file?: string;
}

export function createNotificationActivities(_deps: NotificationDeps) {
  return {
    async notify(_message: NotificationMessage): Promise<DeliveryResult[]> {
      return [];
    },
  };
}
