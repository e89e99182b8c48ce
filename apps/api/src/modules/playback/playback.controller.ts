import { Body, Controller, Inject, Param, Query } from '@nestjs/common';
import { routes } from '@tributary/contracts';
import type { z } from 'zod';
import { Route } from '../../common/http/route.decorator';
import { Zod } from '../../common/http/validation';
import { PlaybackKeys } from './playback-keys.service';
import { PlaybackTokensService } from './playback-tokens.service';

const tokens = routes.playbackTokens;
const keys = routes.signingKeys;

@Controller()
export class PlaybackTokensController {
  constructor(@Inject(PlaybackTokensService) private readonly tokens: PlaybackTokensService) {}

  @Route(tokens.create)
  mint(@Body(new Zod(tokens.create.body, 'body')) input: z.output<typeof tokens.create.body>) {
    return this.tokens.mint(input);
  }
}

@Controller()
export class SigningKeysController {
  constructor(@Inject(PlaybackKeys) private readonly keys: PlaybackKeys) {}

  @Route(keys.list)
  list(@Query(new Zod(keys.list.query, 'query')) q: z.output<typeof keys.list.query>) {
    return this.keys.list(q);
  }

  @Route(keys.create)
  create(@Body(new Zod(keys.create.body, 'body')) input: z.output<typeof keys.create.body>) {
    return this.keys.create(input.name);
  }

  @Route(keys.get)
  get(@Param('id') id: string) {
    return this.keys.get(id);
  }

  @Route(keys.revoke)
  revoke(@Param('id') id: string) {
    return this.keys.revoke(id);
  }
}
