import type { ParamData } from '@nestjs/common';
import type { ParamsFactory } from '@nestjs/core/helpers/external-context-creator';
import { RpcParamtype } from '@nestjs/microservices/enums/rpc-paramtype.enum';

/**
 * Resolves `@Payload()` and `@Ctx()` of `@nestjs/microservices` for our handlers, which are called
 * with `(payload, context)`: a handler written for the Nest Kafka transport keeps its parameters.
 */
export class HandlerParamsFactory implements ParamsFactory {
  exchangeKeyForValue(type: number, data: ParamData | undefined, args: unknown[]): unknown {
    const [payload, context] = args;
    switch (type) {
      case RpcParamtype.PAYLOAD:
        return typeof data === 'string' && payload && typeof payload === 'object'
          ? (payload as Record<string, unknown>)[data]
          : payload;
      case RpcParamtype.CONTEXT:
        return context;
      default:
        return null;
    }
  }
}
