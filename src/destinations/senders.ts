// One sender per configured destination, by type.
import type { DestinationConfig } from '../config.js';
import { EmailSender } from './email.js';
import { PagerDutySender } from './pagerduty.js';
import type { Sender } from './sender.js';
import { SlackSender } from './slack.js';
import { TeamsSender } from './teams.js';
import { WebhookSender } from './webhook.js';

export function senderFor(d: DestinationConfig, publicUrl: string | null): Sender {
  switch (d.type) {
    case 'webhook':
      return new WebhookSender(d, publicUrl);
    case 'slack':
      return new SlackSender(d, publicUrl);
    case 'teams':
      return new TeamsSender(d, publicUrl);
    case 'pagerduty':
      return new PagerDutySender(d, publicUrl);
    case 'email':
      return new EmailSender(d, publicUrl);
  }
}
