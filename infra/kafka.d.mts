type Log = (msg: string) => void;
export declare function ensureKafka(options?: { log?: Log }): Promise<string>;
export declare function startKafka(options?: { log?: Log }): Promise<string>;
export declare function stopKafka(options?: { log?: Log }): Promise<void>;
export declare function kafkaStatus(): Promise<{
  up: boolean;
  brokers: string;
  managed: boolean;
  pid?: number;
}>;
