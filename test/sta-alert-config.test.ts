// The STA alert listener's and playbooks' configuration rows: defaults, the listener off when unset, and
// a typed ConfigError naming the variable for anything wrong.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { configErrorOf } from './helpers/config.js';

describe('STA alerts configuration', () => {
  it('leaves the listener off without a host and uses the guide-like playbook defaults', () => {
    const config = loadConfig({});
    expect(config.staAlertsMail).toBeNull();
    expect(config.staPlaybooks).toEqual({ unusualActivityGroup: 'Unusual Activity', unusualActivityHours: 24, sandboxAlerts: true });
  });

  it('reads the mailbox, defaulting to IMAPS on 993 and INBOX, and accepts fractional hours', () => {
    const config = loadConfig({
      STA_ALERTS_IMAP_HOST: 'imap.example.test',
      STA_ALERTS_IMAP_USER: 'alerts@example.test',
      STA_ALERTS_IMAP_PASSWORD: 'pw-123456',
      STA_UNUSUAL_ACTIVITY_GROUP: 'TestUnusualActivityGroup',
      STA_UNUSUAL_ACTIVITY_HOURS: '0.04',
    });
    expect(config.staAlertsMail).toEqual({
      host: 'imap.example.test',
      port: 993,
      user: 'alerts@example.test',
      password: 'pw-123456',
      tls: true,
      folder: 'INBOX',
      pollSeconds: 60,
    });
    expect(config.staPlaybooks.unusualActivityHours).toBe(0.04);
    expect(loadConfig({ STA_ALERTS_IMAP_HOST: 'h', STA_ALERTS_IMAP_USER: 'u', STA_ALERTS_IMAP_PASSWORD: 'p', STA_ALERTS_IMAP_TLS: 'false' }).staAlertsMail?.port).toBe(143);
  });

  it.each([
    [{ STA_ALERTS_IMAP_HOST: 'h', STA_ALERTS_IMAP_PASSWORD: 'p' }, 'STA_ALERTS_IMAP_USER'],
    [{ STA_ALERTS_IMAP_HOST: 'h', STA_ALERTS_IMAP_USER: 'u' }, 'STA_ALERTS_IMAP_PASSWORD'],
    [{ STA_ALERTS_IMAP_USER: 'u', STA_ALERTS_IMAP_PASSWORD: 'p' }, 'STA_ALERTS_IMAP_HOST'],
    [{ STA_ALERTS_IMAP_HOST: 'h', STA_ALERTS_IMAP_USER: 'u', STA_ALERTS_IMAP_PASSWORD: 'p', STA_ALERTS_IMAP_PORT: '99999' }, 'STA_ALERTS_IMAP_PORT'],
    [{ STA_ALERTS_IMAP_HOST: 'h', STA_ALERTS_IMAP_USER: 'u', STA_ALERTS_IMAP_PASSWORD: 'p', STA_ALERTS_IMAP_TLS: 'maybe' }, 'STA_ALERTS_IMAP_TLS'],
    [{ STA_UNUSUAL_ACTIVITY_HOURS: '0' }, 'STA_UNUSUAL_ACTIVITY_HOURS'],
    [{ STA_UNUSUAL_ACTIVITY_HOURS: 'a day' }, 'STA_UNUSUAL_ACTIVITY_HOURS'],
  ])('rejects %j naming %s', (env, variable) => {
    const error = configErrorOf(env);
    expect(error.variable).toBe(variable);
    expect(error.message).not.toContain('p"');
  });
});
