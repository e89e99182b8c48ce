import { createRequire } from 'node:module';
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

/** s3rver (npm, pure JS) has no types: the little of it the tests use. */
interface S3rverInstance {
  run(): Promise<{ port: number; address: string }>;
  close(): Promise<void>;
}
type S3rverCtor = new (options: {
  port: number;
  address: string;
  directory: string;
  silent: boolean;
  configureBuckets: { name: string }[];
}) => S3rverInstance;
const S3rver = createRequire(__filename)('s3rver') as S3rverCtor;

export const S3_TEST_BUCKET = 'tributary-assets';
export const S3_TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * A real S3-compatible server (s3rver) on a random loopback port, over a directory: stop() takes it
 * down (an outage), start() brings it back on the same port with what it stored.
 */
export class TestS3 {
  private server: S3rverInstance | undefined;
  port = 0;
  /** A client of its own, to look at what the api stored. */
  client!: S3Client;

  private constructor(private readonly directory: string) {}

  static async start(directory: string): Promise<TestS3> {
    const s3 = new TestS3(directory);
    await s3.start();
    s3.client = new S3Client({
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: S3_TEST_CREDENTIALS,
    });
    return s3;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = new S3rver({
      port: this.port,
      address: '127.0.0.1',
      directory: this.directory,
      silent: true,
      configureBuckets: [{ name: S3_TEST_BUCKET }],
    });
    const { port } = await server.run();
    this.server = server;
    this.port = port;
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }

  /** The api's environment for this bucket. */
  env(): Record<string, string> {
    return {
      ASSET_STORAGE: 's3',
      S3_ENDPOINT: this.endpoint,
      S3_BUCKET: S3_TEST_BUCKET,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
      S3_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
    };
  }

  async keys(): Promise<string[]> {
    const got = await this.client.send(new ListObjectsV2Command({ Bucket: S3_TEST_BUCKET }));
    return (got.Contents ?? []).map((o) => o.Key as string).sort();
  }

  async size(key: string): Promise<number | null> {
    try {
      return (
        (await this.client.send(new HeadObjectCommand({ Bucket: S3_TEST_BUCKET, Key: key }))).ContentLength ??
        0
      );
    } catch {
      return null;
    }
  }

  async close(): Promise<void> {
    await this.stop();
    this.client.destroy();
  }
}
