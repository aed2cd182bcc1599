// Imports every domain's types and prints the schema. Nothing is defined here.
import { builder } from './builder.js';
import './scalars.js';
import './actor.js';
import './app.js';
import './incident.js';
import './incident-fetch.js';
import './remediation.js';
import './gateway.js';
import './sta-user.js';
import './sta-group.js';
import './sta-application.js';
import './sta-access-log.js';
import './saml-detection.js';
import './sta-alert.js';
import './sta-joins.js';
import './audit.js';
import './triage.js';
import './alert.js';
import './alert-mutations.js';
import './destination.js';

export const schema = builder.toSchema({ sortSchema: true });
