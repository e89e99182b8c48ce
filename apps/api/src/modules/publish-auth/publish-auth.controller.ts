import { Body, Controller, Inject, Param } from '@nestjs/common';
import { routes } from '@tributary/contracts';
import type { z } from 'zod';
import { Route } from '../../common/http/route.decorator';
import { Zod } from '../../common/http/validation';
import { PublishAuthService } from './publish-auth.service';

const r = routes.liveStreams;
const edge = routes.edgeApi;

/** A live stream's publish credential (FMLE authentication, authmod=adobe). */
@Controller()
export class PublishCredentialsController {
  constructor(@Inject(PublishAuthService) private readonly auth: PublishAuthService) {}

  @Route(r.getPublishCredential)
  get(@Param('id') id: string) {
    return this.auth.get(id);
  }

  @Route(r.setPublishCredential)
  set(
    @Param('id') id: string,
    @Body(new Zod(r.setPublishCredential.body, 'body')) input: z.output<typeof r.setPublishCredential.body>,
  ) {
    return this.auth.set(id, input);
  }

  @Route(r.deletePublishCredential)
  remove(@Param('id') id: string) {
    return this.auth.remove(id);
  }
}

/** The edge's half of the authmod=adobe exchange (contracts publish-auth.ts). */
@Controller()
export class EdgePublishAuthController {
  constructor(@Inject(PublishAuthService) private readonly auth: PublishAuthService) {}

  @Route(edge.publishAuthChallenge)
  challenge(
    @Body(new Zod(edge.publishAuthChallenge.body, 'body')) req: z.output<
      typeof edge.publishAuthChallenge.body
    >,
  ) {
    return this.auth.challenge(req);
  }

  @Route(edge.publishAuthVerify)
  verify(
    @Body(new Zod(edge.publishAuthVerify.body, 'body')) req: z.output<typeof edge.publishAuthVerify.body>,
  ) {
    return this.auth.verify(req);
  }
}
