// What a report store does, whether it is a directory or a bucket (store.ts reads through it).

export interface ReportStore {
  /** Where a key is, for messages and links: a file path or an s3:// URL. */
  where(key: string): string;
  /** The object's text, or undefined when there is none. */
  read(key: string): Promise<string | undefined>;
  /** Writes the whole object at once: a reader never sees half of it. */
  write(key: string, body: string | Uint8Array, contentType: string): Promise<void>;
  /** Every object key under prefix ('' = the whole store), at any depth, sorted. */
  list(prefix?: string): Promise<string[]>;
}
