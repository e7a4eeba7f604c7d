import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { Account } from '../db/account.entity';

@Controller('accounts')
export class AccountsController {
  constructor(@InjectRepository(Account) private readonly accounts: Repository<Account>) {}

  @Get(':id')
  async get(@Param('id') id: string): Promise<Account> {
    const account = await this.accounts.findOneBy({ id });
    if (!account) throw new NotFoundException(`account ${id} not found`);
    return account;
  }
}
