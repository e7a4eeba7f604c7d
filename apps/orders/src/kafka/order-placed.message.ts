import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { OrderCreditFields } from './order-credit.fields';

/**
 * The record value on the orders topic (JSON). A class with validators, so the consumer checks
 * every record, including those from producers that never went through this app's HTTP API.
 */
export class OrderPlaced extends OrderCreditFields {
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  orderId!: string;
}
