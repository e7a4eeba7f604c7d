import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { ReliableKafkaEvents } from './reliable-kafka.events';

export interface HandlerStats {
  processed: number;
  duplicates: number;
  retries: number;
  deadLettered: number;
}

/** Counters per handler, kept in memory: what the process did since it started. */
@Injectable()
export class DeliveryStats implements OnModuleDestroy {
  private readonly byHandler = new Map<string, HandlerStats>();
  private readonly unsubscribe: () => void;

  constructor(events: ReliableKafkaEvents) {
    const processed = (e: { handlerId: string }) => this.of(e.handlerId).processed++;
    const duplicate = (e: { handlerId: string }) => this.of(e.handlerId).duplicates++;
    const retry = (e: { handlerId: string }) => this.of(e.handlerId).retries++;
    const deadLettered = (e: { handlerId: string }) => this.of(e.handlerId).deadLettered++;
    events.on('processed', processed);
    events.on('duplicate', duplicate);
    events.on('retry', retry);
    events.on('dead-lettered', deadLettered);
    this.unsubscribe = () => {
      events.off('processed', processed);
      events.off('duplicate', duplicate);
      events.off('retry', retry);
      events.off('dead-lettered', deadLettered);
    };
  }

  /** Counters of one handler, or the sum over all handlers. */
  get(handlerId?: string): HandlerStats {
    if (handlerId) return { ...this.of(handlerId) };
    const total: HandlerStats = { processed: 0, duplicates: 0, retries: 0, deadLettered: 0 };
    for (const stats of this.byHandler.values()) {
      total.processed += stats.processed;
      total.duplicates += stats.duplicates;
      total.retries += stats.retries;
      total.deadLettered += stats.deadLettered;
    }
    return total;
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  private of(handlerId: string): HandlerStats {
    let stats = this.byHandler.get(handlerId);
    if (!stats) {
      stats = { processed: 0, duplicates: 0, retries: 0, deadLettered: 0 };
      this.byHandler.set(handlerId, stats);
    }
    return stats;
  }
}
