// Types of stack-trace-mapping.mjs (plain JavaScript so that start.mjs can load it without tsx).
/** Installs the mapping for modules loaded from now on; says which mechanism it used. */
export declare function installStackTraceMapping(): 'source-map-support' | 'node';
