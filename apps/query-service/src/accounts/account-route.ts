import { applyDecorators, Param, ParseUUIDPipe } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ApiReadYourWrites, MinVersionQuery } from '../read-your-writes/min-version.js';

/** What an erased owner's name reads as (SPEC §8). */
export const ERASED_NAME = '[erased]';

/** The `:id` of an account route: a UUID, else 400. */
export const AccountIdParam = (): ParameterDecorator => Param('id', new ParseUUIDPipe({ version: 'all' }));

/** The query parameters every account route accepts; routes extend it with their own. */
export class AccountQueryDto {
  @MinVersionQuery()
  minVersion?: number;
}

/** OpenAPI shared by the account routes. */
export function ApiAccountRoute(options: { idParam?: boolean } = { idParam: true }): MethodDecorator {
  return applyDecorators(
    ApiTags('accounts'),
    ApiBearerAuth(),
    ...(options.idParam === false
      ? []
      : [ApiParam({ name: 'id', format: 'uuid', description: 'Account id' })]),
    ApiReadYourWrites(),
    ApiBadRequestResponse({ description: 'VALIDATION_FAILED' }),
    ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED' }),
    ApiNotFoundResponse({ description: "ACCOUNT_NOT_FOUND (also for another customer's account)" }),
  );
}
