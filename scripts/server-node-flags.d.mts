// Types of server-node-flags.mjs (plain JavaScript so that start.mjs can load it without tsx).
/** `node` flags that install stack-trace mapping for the bundle. */
export declare function serverNodeFlags(): string[];
