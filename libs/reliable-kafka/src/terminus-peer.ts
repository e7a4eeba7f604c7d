import { MissingPeerDependencyError } from './errors/missing-peer-dependency.error';

/**
 * Imported first by health.ts: @nestjs/terminus is an optional peer, so an app without it that
 * imports '@reliable-kafka/nestjs/health' gets an error naming the package and how to install
 * it, instead of a bare "Cannot find module" from inside the library.
 */
try {
  require.resolve('@nestjs/terminus');
} catch {
  throw new MissingPeerDependencyError('@nestjs/terminus', "'@reliable-kafka/nestjs/health'");
}
