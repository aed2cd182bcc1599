// Types of console-sources.mjs (plain JavaScript so that start.mjs can load it without tsx).
export declare const consoleDist: string;
export declare const consoleStampFile: string;
export declare function consoleSourcesHash(): string;
export declare function consoleIsStale(): boolean;
