import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { OrderCreditFields } from '../kafka/order-credit.fields';

/** Body of `POST /orders`. */
export class CreateOrderDto extends OrderCreditFields {
  /**
   * The order's idempotency key. A client that sets it may retry the request freely (after a
   * timeout, say): every copy is applied once. Without it the app makes one up, and a retried
   * request is a new order.
   */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  orderId?: string;
}
