import {
  Body,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  ValidationPipe,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { Order } from '../db/order.entity';
import { OrderPublisher } from '../kafka/order.publisher';
import { CreateOrderDto } from './create-order.dto';

@Controller('orders')
export class OrdersController {
  constructor(
    private readonly publisher: OrderPublisher,
    @InjectRepository(Order) private readonly orders: Repository<Order>,
  ) {}

  /** 202: the order is on the topic, not applied yet; `GET /orders/:id` shows it once it is. */
  @Post()
  @HttpCode(202)
  // The API refuses a bad order with a 400 at once; the consumer validates again, because
  // other producers can write to the topic without going through this API.
  async create(
    @Body(new ValidationPipe({ whitelist: true })) body: CreateOrderDto,
  ): Promise<{ orderId: string }> {
    return { orderId: await this.publisher.publish(body) };
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<Order> {
    const order = await this.orders.findOneBy({ id });
    if (!order)
      throw new NotFoundException(`order ${id} not found (not applied yet, or dead-lettered)`);
    return order;
  }
}
