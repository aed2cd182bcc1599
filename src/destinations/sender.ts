// What every destination type implements: turn one alert notice into one message and send it once.
import type { AlertNotice } from '../domain/alert-delivery.js';
import type { SendOutcome } from './outcome.js';

export interface DeliveryAttempt {
  /** The delivery's id: the idempotency key of every attempt. */
  id: string;
  /** 1 for the first attempt. */
  attempt: number;
}

export interface Sender {
  send(notice: AlertNotice, attempt: DeliveryAttempt): Promise<SendOutcome>;
  close?(): Promise<void>;
}

/** The console link of a notice, when SECGRAPH_PUBLIC_URL says where the console is. */
export const consoleLink = (publicUrl: string | null, notice: AlertNotice): string | null =>
  publicUrl ? `${publicUrl}/console/${notice.consolePath}` : null;
