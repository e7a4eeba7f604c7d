/**
 * Entry point of the `@nestjs/terminus` health indicator, apart from `index.ts` so that apps
 * without terminus never load it: `import { ReliableKafkaHealthIndicator } from '@reliable-kafka/nestjs/health'`.
 */
// First, so that a missing @nestjs/terminus is reported by name (see terminus-peer.ts).
import './terminus-peer';

export { ReliableKafkaHealthIndicator } from './observability/reliable-kafka.health-indicator';
export type { ReliableKafkaHealthOptions } from './observability/health.options';
