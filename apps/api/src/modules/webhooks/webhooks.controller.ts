import { Body, Controller, Inject, Param, Query } from '@nestjs/common';
import { routes } from '@tributary/contracts';
import type { z } from 'zod';
import { Route } from '../../common/http/route.decorator';
import { Zod } from '../../common/http/validation';
import { WebhooksService } from './webhooks.service';

const r = routes.webhooks;

@Controller()
export class WebhooksController {
  constructor(@Inject(WebhooksService) private readonly webhooks: WebhooksService) {}

  @Route(r.list)
  list(@Query(new Zod(r.list.query, 'query')) q: z.output<typeof r.list.query>) {
    return this.webhooks.list(q);
  }

  @Route(r.create)
  create(@Body(new Zod(r.create.body, 'body')) input: z.output<typeof r.create.body>) {
    return this.webhooks.create(input);
  }

  @Route(r.get)
  get(@Param('id') id: string) {
    return this.webhooks.get(id);
  }

  @Route(r.update)
  update(
    @Param('id') id: string,
    @Body(new Zod(r.update.body, 'body')) input: z.output<typeof r.update.body>,
  ) {
    return this.webhooks.update(id, input);
  }

  @Route(r.delete)
  remove(@Param('id') id: string) {
    return this.webhooks.remove(id);
  }

  @Route(r.rotateSecret)
  rotateSecret(@Param('id') id: string) {
    return this.webhooks.rotateSecret(id);
  }

  @Route(r.listDeliveries)
  deliveries(
    @Param('id') id: string,
    @Query(new Zod(r.listDeliveries.query, 'query')) q: z.output<typeof r.listDeliveries.query>,
  ) {
    return this.webhooks.deliveries(id, q);
  }

  @Route(r.redeliver)
  redeliver(@Param('id') id: string, @Param('deliveryId') deliveryId: string) {
    return this.webhooks.redeliver(id, deliveryId);
  }
}
