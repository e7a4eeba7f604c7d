import type { ParamData } from '@nestjs/common';
import type { ParamsFactory } from '@nestjs/core/helpers/external-context-creator';
import { RpcParamtype } from '@nestjs/microservices/enums/rpc-paramtype.enum';
import { ReliableKafkaBatchContext } from './reliable-kafka-batch.context';

/**
 * Resolves `@Payload()` and `@Ctx()` of `@nestjs/microservices` for our handlers, which are called
 * with `(payload, context)`: a handler written for the Nest Kafka transport keeps its parameters.
 */
export class HandlerParamsFactory implements ParamsFactory {
  exchangeKeyForValue(type: number, data: ParamData | undefined, args: unknown[]): unknown {
    const [payload, context] = args;
    switch (type) {
      case RpcParamtype.PAYLOAD:
        if (typeof data !== 'string') return payload;
        // A batch handler's payload is its records' payloads: `@Payload('amount')` is each one's amount.
        // Parameters are resolved after the idempotency step, so duplicates are already left out.
        if (context instanceof ReliableKafkaBatchContext)
          return (payload as unknown[]).map((p) => fieldOf(p, data));
        return fieldOf(payload, data);
      case RpcParamtype.CONTEXT:
        return context;
      default:
        return null;
    }
  }
}

function fieldOf(payload: unknown, field: string): unknown {
  return payload && typeof payload === 'object'
    ? (payload as Record<string, unknown>)[field]
    : undefined;
}
