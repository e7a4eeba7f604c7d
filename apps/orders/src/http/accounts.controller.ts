import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { Account } from '../db/account.entity';
import { AccountTotal } from '../db/account-total.entity';

@Controller('accounts')
export class AccountsController {
  constructor(
    @InjectRepository(Account) private readonly accounts: Repository<Account>,
    @InjectRepository(AccountTotal) private readonly totals: Repository<AccountTotal>,
  ) {}

  @Get(':id')
  async get(@Param('id') id: string): Promise<Account> {
    const account = await this.accounts.findOneBy({ id });
    if (!account) throw new NotFoundException(`account ${id} not found`);
    return account;
  }

  /** The order count and sum kept by the account-totals batch handler. */
  @Get(':id/totals')
  async getTotals(@Param('id') id: string): Promise<AccountTotal> {
    const totals = await this.totals.findOneBy({ accountId: id });
    if (!totals) throw new NotFoundException(`no totals for account ${id}`);
    return totals;
  }
}
