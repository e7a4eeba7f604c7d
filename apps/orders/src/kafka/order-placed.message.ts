import { IsInt, IsNotEmpty, IsPositive, IsString, MaxLength } from 'class-validator';

/**
 * The record value on the orders topic (JSON). A class with validators, so the consumer checks
 * every record, including those from producers that never went through this app's HTTP API.
 */
export class OrderPlaced {
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  orderId!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  accountId!: string;

  @IsInt()
  @IsPositive()
  amount!: number;
}
