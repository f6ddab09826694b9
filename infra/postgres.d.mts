type Log = (msg: string) => void;
export declare const DEFAULT_DATABASE_URL: string;
export declare function answers(url: string, timeoutMs?: number): Promise<boolean>;
export declare function ensureDatabase(url: string): Promise<void>;
export declare function recreateDatabase(url: string): Promise<void>;
export declare function ensurePostgres(options?: { log?: Log; url?: string }): Promise<string>;
export declare function stopPostgres(options?: { log?: Log }): Promise<void>;
export declare function postgresStatus(
  url?: string,
): Promise<{ up: boolean; url: string; managed?: boolean; pid?: number }>;
