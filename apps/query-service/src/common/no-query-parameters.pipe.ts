import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';

/**
 * For routes that take no query parameters: any is refused with 400, the way
 * a DTO refuses an unknown one (a DTO without properties cannot express it).
 */
@Injectable()
export class NoQueryParametersPipe implements PipeTransform {
  transform(query: unknown): undefined {
    const names = typeof query === 'object' && query !== null ? Object.keys(query) : [];
    if (names.length > 0) throw new BadRequestException(names.map((n) => `property ${n} should not exist`));
    return undefined;
  }
}
