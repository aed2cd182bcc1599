// The versioned migrations, in order. Names sort in the order they run; a new one gets the next number and
// is never edited once released (a database remembers which names it has run).
import type { Migration } from 'kysely';
import { initial } from './001-initial.js';
import { pubsubOverflow } from './002-pubsub-overflow.js';
import { incidentActivity } from './003-incident-activity.js';
import { samlSuppressed } from './004-saml-suppressed.js';
import { incidentOpen } from './005-incident-open.js';
import { auditLog } from './006-audit-log.js';
import { triage } from './007-triage.js';
import { destinations } from './008-destinations.js';
import { saasTenants } from './009-saas-tenants.js';
import { alertTextSearch } from './010-alert-text-search.js';
import { cursorKeys } from './011-cursor-keys.js';

export const MIGRATIONS: Record<string, Migration> = {
  '001-initial': initial,
  '002-pubsub-overflow': pubsubOverflow,
  '003-incident-activity': incidentActivity,
  '004-saml-suppressed': samlSuppressed,
  '005-incident-open': incidentOpen,
  '006-audit-log': auditLog,
  '007-triage': triage,
  '008-destinations': destinations,
  '009-saas-tenants': saasTenants,
  '010-alert-text-search': alertTextSearch,
  '011-cursor-keys': cursorKeys,
};
