import { IsInt, IsNotEmpty, IsPositive, IsString, MaxLength } from 'class-validator';

/** What an order credits, and its rules: shared by the HTTP body and the record on the topic. */
export class OrderCreditFields {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  accountId!: string;

  @IsInt()
  @IsPositive()
  amount!: number;
}
