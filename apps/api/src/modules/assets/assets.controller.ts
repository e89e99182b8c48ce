import type { IncomingMessage } from 'node:http';
import { Body, Controller, Inject, Param, Query, Req } from '@nestjs/common';
import { PlaybackPolicySchema, routes } from '@tributary/contracts';
import busboy from 'busboy';
import type { z } from 'zod';
import { CONFIG } from '../../app.tokens';
import { AppError, ErrorCode } from '../../common/errors';
import { Route } from '../../common/http/route.decorator';
import { Zod } from '../../common/http/validation';
import type { ApiConfig } from '../../config';
import { StorageUnavailableError } from './asset-storage';
import { AssetsService, uploadName } from './assets.service';

const r = routes.assets;

/** Form fields besides the file: a few, short. */
const MAX_FIELDS = 8;
const MAX_FIELD_BYTES = 1024;
/** Boundaries, part headers and the few fields: what a multipart body adds to the file. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

@Controller()
export class AssetsController {
  constructor(
    @Inject(AssetsService) private readonly assets: AssetsService,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {}

  @Route(r.list)
  list(@Query(new Zod(r.list.query, 'query')) q: z.output<typeof r.list.query>) {
    return this.assets.list(q);
  }

  /**
   * One-request upload: multipart/form-data with the file in field `file` (and optionally `name`,
   * `playbackPolicy`). The file is stored whole before the asset exists; the answer is the asset in
   * `preparing`, which becomes `ready` or `errored` once indexed.
   */
  @Route(r.upload)
  async upload(@Req() req: IncomingMessage) {
    if (!/^multipart\/form-data\b/i.test(req.headers['content-type'] ?? ''))
      throw new AppError(
        ErrorCode.badRequest,
        'expected multipart/form-data with the file in a field named "file"',
      );
    // A declared length past the limit is refused before a byte is read (multipart adds a few hundred bytes).
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (declared > this.config.ASSET_MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES)
      throw tooLargeError(this.config.ASSET_MAX_UPLOAD_BYTES);
    await this.assets.checkRoom();
    const upload = this.assets.newUpload();
    const fields = new Map<string, string>();
    let fileName: string | undefined;
    let stored: Promise<number> | undefined;
    let tooLarge = false;
    const max = this.config.ASSET_MAX_UPLOAD_BYTES;
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        limits: {
          files: 1,
          fileSize: max,
          fields: MAX_FIELDS,
          fieldSize: MAX_FIELD_BYTES,
          parts: MAX_FIELDS + 1,
        },
      });
    } catch {
      throw new AppError(ErrorCode.badRequest, 'the multipart/form-data header has no boundary');
    }
    const parsed = new Promise<void>((resolve, reject) => {
      parser.on('field', (name, value) => fields.set(name, value));
      parser.on('file', (name, file, info) => {
        if (name !== 'file' || stored) {
          file.resume();
          return;
        }
        fileName = info.filename;
        // Past the limit busboy ends the file (at most `max` bytes were stored, removed below) and reads
        // the rest of the body away, so the client gets its 413 rather than a reset.
        file.once('limit', () => {
          tooLarge = true;
        });
        stored = this.assets.store(upload.storageKey, file);
        stored.catch(() => {});
      });
      parser.once('error', reject);
      parser.once('close', resolve);
    });
    req.pipe(parser);
    try {
      await parsed;
      let size: number | undefined;
      try {
        size = await stored;
      } catch (err) {
        if (!(err instanceof StorageUnavailableError) || tooLarge) throw err;
        // The body arrived but the storage did not keep it: an errored asset with the reason.
        return await this.assets.createStorageFailed(
          { ...upload, sizeBytes: 0 },
          { name: uploadName(fields.get('name') ?? fileName), playbackPolicy: 'public' },
          err,
        );
      }
      if (tooLarge) throw tooLargeError(max);
      if (size === undefined)
        throw new AppError(ErrorCode.badRequest, 'no file in the form: send it in a field named "file"');
      if (size === 0) throw new AppError(ErrorCode.badRequest, 'the file is empty');
      const policy = PlaybackPolicySchema.safeParse(fields.get('playbackPolicy') ?? 'public');
      if (!policy.success)
        throw new AppError(ErrorCode.validationFailed, 'playbackPolicy must be public or signed');
      const name = uploadName(fields.get('name') ?? fileName);
      return await this.assets.createUploaded(
        { ...upload, sizeBytes: size },
        { name, playbackPolicy: policy.data },
      );
    } catch (err) {
      req.unpipe(parser);
      req.resume();
      await this.assets.discard(upload.storageKey);
      if (tooLarge) throw tooLargeError(max);
      if (err instanceof AppError) throw err;
      throw new AppError(ErrorCode.badRequest, 'the upload was cut off or is not valid multipart/form-data');
    }
  }

  @Route(r.get)
  get(@Param('id') id: string) {
    return this.assets.get(id);
  }

  @Route(r.update)
  update(
    @Param('id') id: string,
    @Body(new Zod(r.update.body, 'body')) input: z.output<typeof r.update.body>,
  ) {
    return this.assets.update(id, input);
  }

  @Route(r.delete)
  async remove(@Param('id') id: string): Promise<void> {
    await this.assets.remove(id);
  }
}

function tooLargeError(max: number): AppError {
  return new AppError(
    ErrorCode.payloadTooLarge,
    `the file is larger than ${max} bytes, the largest one request may upload`,
  );
}
