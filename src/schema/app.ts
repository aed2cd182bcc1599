// App: a SaaS application SaaS Security protects (Box, Office 365, …).
import type { App } from '../domain/saas-security.js';
import { listApps } from '../resolvers/apps.js';
import { builder } from './builder.js';

export const AppRef = builder.objectRef<App>('App').implement({
  description: 'A SaaS application connected to SaaS Security.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Same as appId.' }),
    appId: t.exposeString('id'),
    appName: t.exposeString('name'),
    appType: t.exposeString('type', { description: 'e.g. box, office365.' }),
  }),
});

builder.queryField('apps', (t) =>
  t.field({
    type: [AppRef],
    description: 'Every app connected to one SaaS Security tenant (cached; one upstream call serves many queries).',
    authScopes: { read: true },
    args: { instance: t.arg.string({ description: 'The SaaS Security tenant (configured instance name); the first configured without it.' }) },
    resolve: (_root, args, ctx) => listApps({ instance: args.instance }, ctx),
  }),
);
