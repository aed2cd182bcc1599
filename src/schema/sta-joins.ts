// Where the other sources meet STA: the STA user behind a SaaS Security incident's asset, behind an STA
// alert email, and behind a SAML detection. Each goes through the STA DataLoaders, so a list of hundreds
// makes one STA lookup per distinct person, cached.
import { incidentAssetOwner, samlDetectionActor, staAlertUser } from '../resolvers/sta-users.js';
import { builder } from './builder.js';
import { IncidentRef } from './incident.js';
import { SamlDetectionRef } from './saml-detection.js';
import { StaAlertRef } from './sta-alert.js';
import { StaUserRef } from './sta-refs.js';

builder.objectField(IncidentRef, 'assetOwner', (t) =>
  t.field({
    type: StaUserRef,
    nullable: true,
    description:
      'The STA user whose email is assetOwnerEmail (case-insensitive), in the first configured STA instance that has one; null when none has. Batched and cached: one user listing per instance answers every incident.',
    resolve: (incident, _args, ctx) => incidentAssetOwner(incident, ctx),
  }),
);

builder.objectField(StaAlertRef, 'user', (t) =>
  t.field({
    type: StaUserRef,
    nullable: true,
    description:
      'The STA user the alert names, in the STA instance its email names; null when the email named none, or no configured instance or user matches.',
    resolve: (alert, _args, ctx) => staAlertUser(alert, ctx),
  }),
);

builder.objectField(SamlDetectionRef, 'actor', (t) =>
  t.field({
    type: StaUserRef,
    nullable: true,
    description: 'The STA user behind actorName (an STA userName, or an email when the session name is one), in the first configured STA instance that has one; null otherwise.',
    resolve: (detection, _args, ctx) => samlDetectionActor(detection, ctx),
  }),
);
