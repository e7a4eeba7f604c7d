import { Controller, Get } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { DeadLetter } from '../db/dead-letter.entity';

@Controller('dead-letters')
export class DeadLettersController {
  constructor(@InjectRepository(DeadLetter) private readonly deadLetters: Repository<DeadLetter>) {}

  @Get()
  list(): Promise<DeadLetter[]> {
    return this.deadLetters.find({ order: { recordedAt: 'ASC', id: 'ASC' } });
  }
}
