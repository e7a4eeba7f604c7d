import { Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { ConsumersStatus } from './consumer-status';

/** The data source handlers run on and the dedup table's name. */
export interface ConsumersDatabase {
  dataSource: DataSource;
  dedupTableName: string;
}

const NOT_STARTED: ConsumersStatus = { started: false, groups: [] };

/**
 * What the consumers are doing and what they run on, as metrics and the health indicator read it.
 * The consumers attach themselves at init; readers never see the consumers, so they depend on
 * this view only.
 */
@Injectable()
export class ConsumersReadModel {
  private source?: { status(): ConsumersStatus; database: ConsumersDatabase };

  /** Called once by the consumers, when their data source is known. */
  attach(source: { status(): ConsumersStatus; database: ConsumersDatabase }): void {
    this.source = source;
  }

  status(): ConsumersStatus {
    return this.source?.status() ?? NOT_STARTED;
  }

  /** Undefined until the consumers checked the data source at init. */
  database(): ConsumersDatabase | undefined {
    return this.source?.database;
  }
}
