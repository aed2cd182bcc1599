// Scalars shared by every domain.
import { GraphQLScalarType } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { builder } from './builder.js';

// graphql-scalars' DateTime serialises to a Date, which JSON.stringify then turns into its ISO string on
// every response. Cached incidents keep their Date objects across requests, so the string is computed once
// per Date and returned as the serialised value: the same text, without a toISOString per field per request
// (domain Dates are never mutated once built).
const isoOf = new WeakMap<Date, string>();
const DateTime = new GraphQLScalarType({
  ...DateTimeResolver.toConfig(),
  serialize(value) {
    if (value instanceof Date) {
      const hit = isoOf.get(value);
      if (hit !== undefined) return hit;
    }
    const date = DateTimeResolver.serialize(value) as Date; // validates, as before
    const iso = date.toISOString();
    if (value instanceof Date) isoOf.set(value, iso);
    return iso;
  },
});

builder.addScalarType('DateTime', DateTime);
builder.addScalarType('JSON', JSONResolver);
