import { Injectable } from '@nestjs/common';
import { PARAM_ARGS_METADATA } from '@nestjs/microservices/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ExternalContextCreator } from '@nestjs/core/helpers/external-context-creator';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import { ReliableKafkaConfigurationError } from '../errors/configuration.error';
import { HandlerParamsFactory } from '../pipeline/handler-params.factory';
import type { ResolvedOptions } from '../options/reliable-kafka.options-resolver';
import type { HandlerDefinition } from './handler-definition';
import { HandlerMetadataAccessor } from './handler-metadata.accessor';
import { resolveHandlerSettings } from './handler-settings';

/**
 * Finds every `@AtLeastOnceHandler` method of the application's providers at bootstrap and wraps
 * it with Nest's external context, so that guards, interceptors, pipes and filters apply.
 */
@Injectable()
export class HandlerExplorer {
  private readonly paramsFactory = new HandlerParamsFactory();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly accessor: HandlerMetadataAccessor,
    private readonly externalContextCreator: ExternalContextCreator,
  ) {}

  explore(options: ResolvedOptions): HandlerDefinition[] {
    this.rejectControllers();
    const handlers: HandlerDefinition[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const { instance } = wrapper;
      if (!instance || typeof instance !== 'object' || !Object.getPrototypeOf(instance)) continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = prototype[methodName];
        const handlerOptions = this.accessor.handlerOptions(method);
        if (!handlerOptions) continue;
        handlers.push(this.define(wrapper, instance, methodName, handlerOptions, options));
      }
    }
    checkUnique(handlers);
    return handlers;
  }

  private define(
    wrapper: InstanceWrapper,
    instance: object,
    methodName: string,
    own: NonNullable<ReturnType<HandlerMetadataAccessor['handlerOptions']>>,
    options: ResolvedOptions,
  ): HandlerDefinition {
    const location = `${instance.constructor.name}.${methodName}`;
    if (!wrapper.isDependencyTreeStatic()) {
      throw new ReliableKafkaConfigurationError(
        `@AtLeastOnceHandler on ${location}`,
        'the provider is request- or transient-scoped; handlers must live in singleton providers',
      );
    }
    const method = (instance as Record<string, (...args: unknown[]) => unknown>)[methodName];
    const settings = resolveHandlerSettings(
      {
        location,
        own,
        batch: this.accessor.batchSettings(method),
        idempotency: this.accessor.idempotentOptions(method),
      },
      options,
    );
    return {
      ...settings,
      invoke: this.externalContextCreator.create(
        instance,
        method,
        methodName,
        PARAM_ARGS_METADATA,
        this.paramsFactory,
        undefined,
        undefined,
        { guards: true, interceptors: true, filters: true },
        'rpc',
      ),
    };
  }

  /** A handler on a controller would never be called: say so rather than ignore it. */
  private rejectControllers(): void {
    for (const wrapper of this.discovery.getControllers()) {
      const { instance } = wrapper;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        if (this.accessor.handlerOptions(prototype[methodName])) {
          throw new ReliableKafkaConfigurationError(
            `@AtLeastOnceHandler on ${instance.constructor.name}.${methodName}`,
            "is on a controller; move it to a provider (an @Injectable() listed in a module's providers)",
          );
        }
      }
    }
  }
}

function checkUnique(handlers: HandlerDefinition[]): void {
  const ids = new Map<string, string>();
  const topicsInGroup = new Map<string, string>();
  for (const handler of handlers) {
    const other = ids.get(handler.id);
    if (other) {
      throw new ReliableKafkaConfigurationError(
        `@AtLeastOnceHandler id "${handler.id}"`,
        `used by both ${other} and ${handler.location}; handler ids key the dedup records and must be unique`,
      );
    }
    ids.set(handler.id, handler.location);
    for (const topic of handler.topics) {
      const key = `${handler.groupId}\u0000${topic}`;
      const first = topicsInGroup.get(key);
      if (first) {
        throw new ReliableKafkaConfigurationError(
          `@AtLeastOnceHandler topics of ${handler.location}`,
          `topic "${topic}" already has handler ${first} in group "${handler.groupId}"; give one of them its own groupId`,
        );
      }
      topicsInGroup.set(key, handler.location);
    }
  }
}
